"""The chat page in headless Chromium (peers/chat_browser.cjs): two people
chat with each other and with a terminal, history shows on join, the
who-list follows joins and leaves, a message that looks like HTML is shown
as text and runs nothing, http(s) links are links, the page reconnects after the server restarts;
names and messages are isolated from each other's direction and their bidi
controls are shown, not applied (peers/chat_bidi.cjs).
Screenshots (desktop and phone, light and dark) go to BUILD/screenshots/."""
import asyncio
import json
import os
import signal
import subprocess
import threading

import websockets

from harness import NODE, PEERS, WSKIT, TestCase, free_port, main
from test_basics import Terminal

SHOTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(WSKIT))), "screenshots")


class ChatBrowser(TestCase):
    def test_two_pages_and_a_terminal(self):
        os.makedirs(SHOTS, exist_ok=True)
        address = f"127.0.0.1:{free_port()}"
        server, url = self.start_wskit_server("chat", address)
        term = Terminal(self, url + "lounge?name=term")
        term.p.wait_line(r"^\* you are term", stream="stdout")
        term.say("before you came")

        page_url = url.replace("ws://", "http://") + "lounge"
        driver = self.start([NODE, os.path.join(PEERS, "chat_browser.cjs"), page_url, SHOTS])

        def event(key, timeout=60):
            """The driver's next line for `key`; fails on an error or a dialog."""
            line = driver.wait_line(r'^\{"(%s|error|dialog)"' % key, stream="stdout", timeout=timeout).string
            got = json.loads(line)
            self.assertNotIn("error", got, got)
            self.assertNotIn("dialog", got, got)
            return got

        term.p.wait_line(r"^\* guest-\d+ is now known as ben$", stream="stdout", timeout=60)
        term.p.wait_line(r"^ana: hello from ana$", stream="stdout")
        term.p.wait_line(r"^ben: <img src=x onerror=alert\(1\)>$", stream="stdout")
        term.say("hi from the terminal")

        event("restart", timeout=90)
        server.signal(signal.SIGTERM)
        self.assertEqual(server.wait(timeout=10), 143)
        event("start", timeout=90)
        self.start_wskit_server("chat", address)

        done = event("done", timeout=90)["done"]
        self.assertFalse(any(l.startswith('{"dialog"') for l in driver.seen["stdout"]), driver.seen["stdout"])
        self.assertEqual(done["history"], ["before you came"])
        self.assertEqual(done["refused"], {"name_box": "ana", "remembered": "ana"})
        self.assertEqual(done["who"], ["term", "ana", "ben"])
        self.assertTrue(done["evil_shown_as_text"])
        self.assertEqual(done["images_in_log"], 0)
        self.assertEqual(done["up_recalls"], "hello from ana")
        self.assertEqual(done["who_after_leave"], ["term", "ana"])
        self.assertTrue(done["phone_who_hidden"])
        # The name was sent once: no "you are already ben" after it.
        self.assertEqual(done["ben_name_lines"], ["You are now known as ben"])
        # Links: http(s) only, text kept as typed, a new tab with no opener
        # or referrer; markup and other schemes stay text.
        self.assertEqual(done["links"], [
            {"href": "https://example.test/a_(b)?q=1", "text": "https://example.test/a_(b)?q=1",
             "target": "_blank", "rel": "noopener noreferrer"},
            {"href": "https://evil.test/", "text": "https://evil.test/", "target": "_blank",
             "rel": "noopener noreferrer"},
            {"href": "http://example.test/x", "text": "http://example.test/x", "target": "_blank",
             "rel": "noopener noreferrer"}])
        self.assertIn('<a href="https://evil.test/">this</a>', done["linked_text"])
        # The placeholder says what the up arrow does and fits, on a phone too.
        for fit in (done["desktop_input"], done["phone_input"]):
            self.assertIn("\u2191", fit["placeholder"], fit)
            self.assertLessEqual(fit["text"], fit["room"], fit)
            self.assertFalse(fit["page_overflows"], fit)
        # Offline: a countdown to the next attempt, and no stale online count.
        self.assertEqual(done["count_online"], "2")
        offline = done["offline"]
        self.assertRegex(offline["countdowns"][0], r"^Reconnecting( in \d+ s)?\u2026$", offline)
        self.assertNotRegex(offline["who_count"], r"\d", offline)
        self.assertNotRegex(offline["who_total"], r"\d", offline)
        self.assertTrue(offline["who_stale"] and offline["stale_note_shown"], offline)
        self.assertIn("unknown", offline["toggle_label"], offline)
        self.assertEqual(done["retry"], {"opened_at_once": 1})
        self.assertTrue(done["banner_hidden_after"])
        self.assertEqual(done["count_after"], "1")  # the terminal left with the old server
        self.assertEqual(done["who_stale_after"], 0)
        self.assertTrue(done["sent_after_restart"])
        for name in ("desktop-light", "desktop-dark", "phone-light", "phone-dark", "offline-desktop", "offline-phone"):
            shot = os.path.join(SHOTS, f"chat-{name}.png")
            self.assertGreater(os.path.getsize(shot), 5000, shot)

    def test_names_and_messages_stay_isolated_and_bidi_controls_show(self):
        os.makedirs(SHOTS, exist_ok=True)
        _, url = self.start_wskit_server("chat", "0")
        driver = self.start([NODE, os.path.join(PEERS, "chat_bidi.cjs"), url.replace("ws://", "http://"), SHOTS])
        self.assertNotIn("error", self.driver_line(driver, "ready"))
        # A terminal with a right-to-left name: "5 apples" after it reads as
        # "5" then the name unless each is isolated.
        term = Terminal(self, url + "bidi?name=%D7%90%D7%91%D7%92")
        term.p.wait_line("^\\* you are \u05d0\u05d1\u05d2 in /bidi", stream="stdout")
        term.say("5 apples")
        term.say("pay to \u202e0001$ tnuocca\u202c now")
        done = self.driver_line(driver, "done", timeout=90)
        self.assertNotIn("error", done, done)
        real, foreign = done["done"]["real"], done["done"]["foreign"]
        for where in (real["isolation"], real["phone_isolation"], foreign["isolation"]):
            self.assertGreater(where["count"], 3, where)
            self.assertEqual(where["not_isolated"], [], where)
        self.assertEqual(real["controls"], ["U+202E", "U+202C"])
        self.assertEqual(real["text"], "pay to U+202E0001$ tnuoccaU+202C now")  # as typed, controls shown
        self.assertEqual(done["done"]["increasing"], {
            "apples": True, "trick": True, "joined": True, "foreign_joined": True, "foreign_renamed": True},
            done["done"])
        self.assertEqual(foreign["who_controls"], 2)
        self.assertEqual(foreign["message_from_controls"], 1)
        for name in ("bidi-desktop", "bidi-phone", "bidi-foreign"):
            shot = os.path.join(SHOTS, f"chat-{name}.png")
            self.assertGreater(os.path.getsize(shot), 5000, shot)

    def driver_line(self, driver, key, timeout=60):
        """The driver's next JSON line for `key` (or its error)."""
        line = driver.wait_line(r'^\{"(%s|error)"' % key, stream="stdout", timeout=timeout).string
        return json.loads(line)

    def test_the_page_counts_a_crowd_announced_together(self):
        _, url = self.start_wskit_server("chat", "0")
        crowd = 40
        page_joined, done = threading.Event(), threading.Event()
        problems = []

        async def people():
            async with websockets.connect(url + "crowd?name=watch") as watch:
                while not (await watch.recv()).endswith(" joined"):  # the page
                    pass
                page_joined.set()
                clients = [await websockets.connect(url + f"crowd?name=n{i}") for i in range(crowd)]
                while not done.is_set():
                    await asyncio.sleep(0.05)
                for ws in clients:
                    await ws.close()

        def run_people():
            try:
                asyncio.run(asyncio.wait_for(people(), 120))
            except Exception as e:  # reported by the test's thread
                problems.append(e)
                page_joined.set()

        thread = threading.Thread(target=run_people)
        thread.start()
        try:
            lines = self.run_browser(url.replace("ws://", "http://") + "crowd", """
                const count = () => document.getElementById('who-count').textContent;
                while (count() !== String(args.online)) await new Promise((r) => setTimeout(r, 50));
                return {
                  system: [...document.querySelectorAll('#log .msg.system .body')].map((e) => e.textContent),
                  listed: document.querySelectorAll('#who-list li:not(.more)').length,
                };""", args={"online": crowd + 2})
        finally:
            done.set()
            thread.join(timeout=30)
        self.assertEqual(problems, [])
        result = lines[-1]["done"]
        # Every name is in the list, from a few lines that name some and count the rest.
        self.assertEqual(result["listed"], crowd + 2)
        joins = [line for line in result["system"] if "joined" in line]
        self.assertLess(len(joins), crowd // 2, joins)
        self.assertTrue(any(" others joined" in line for line in joins), joins)


if __name__ == "__main__":
    main()
