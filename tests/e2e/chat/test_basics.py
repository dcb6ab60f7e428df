"""wskit broadcast-chat with real clients: wskit connect and Python
websockets in rooms, the JSON envelopes against their schema, the limits
(slow readers, --max-size, --rate, pings), the handshake checks (origin,
token), TLS, /healthz and /metrics through prometheus_client's parser."""
import asyncio
import http.client
import json
import os
import subprocess
import time

import websockets
from jsonschema import Draft202012Validator
from prometheus_client.parser import text_string_to_metric_families

import rawws
from harness import SANITIZED, SOURCE_DIR, WSKIT, CertsTestCase, TestCase, main, port_of, rss_bytes
from test_redis import RedisServers

SCHEMA = os.path.join(SOURCE_DIR, "lib", "share", "chat", "envelope.schema.json")
JSON = "wskit.chat.v1.json"
MIB = 1 << 20


def run(coro, timeout=60):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def http_get(url, path, headers=None, method="GET"):
    port = port_of(url)
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        c.request(method, path, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def metrics(url, token=None):
    status, headers, body = http_get(url, "/metrics", headers={"Authorization": f"Bearer {token}"} if token else None)
    assert status == 200, status
    assert headers["content-type"].startswith("text/plain; version=0.0.4"), headers
    values = {}
    for family in text_string_to_metric_families(body.decode()):
        for s in family.samples:
            key = s.name + "".join(f"[{k}={v}]" for k, v in sorted(s.labels.items()))
            values[key] = s.value
    return values


class Terminal:
    """A `wskit connect` client: lines in on stdin, messages out on stdout."""

    def __init__(self, test, url):
        self.p = test.start([WSKIT, "connect", "--raw", url], stdin=subprocess.PIPE)

    def say(self, line):
        self.p.proc.stdin.write(line.encode() + b"\n")
        self.p.proc.stdin.flush()

    def expect(self, line, timeout=10):
        got = self.p.wait_line(".*", stream="stdout", timeout=timeout).group(0)
        assert got == line, f"expected {line!r}, got {got!r}; seen {self.p.seen['stdout']!r}"

    def leave(self):
        self.p.proc.stdin.close()
        assert self.p.wait(timeout=10) == 0, self.p.seen


class Chat(TestCase):
    def server(self, *args):
        p, url = self.start_wskit_server("chat", "0", *args)
        return p, url

    def test_rooms_history_joins_and_leaves_in_order(self):
        _, url = self.server("--history", "3")

        async def early_bird():
            async with websockets.connect(url + "a?name=py") as ws:
                self.assertEqual(await ws.recv(), "* online in /a (1): py")
                self.assertEqual(await ws.recv(), "* you are py in /a; /help lists the commands")
                for i in range(1, 5):
                    await ws.send(f"p{i}")
        run(early_bird())

        alice = Terminal(self, url + "a?name=alice")
        for line in ["[history] py: p2", "[history] py: p3", "[history] py: p4", "* online in /a (1): alice",
                     "* you are alice in /a; /help lists the commands"]:
            alice.expect(line)

        others = {}

        async def conversation():
            async with websockets.connect(url + "a?name=py") as py:
                self.assertEqual(await py.recv(), "[history] py: p2")
                await py.recv(), await py.recv()
                self.assertEqual(await py.recv(), "* online in /a (2): alice, py")
                await py.recv()
                alice.expect("* py joined")
                bob = Terminal(self, url + "a?name=alice")  # taken: alice-2
                for _ in range(3):
                    bob.p.wait_line(r"^\[history\]", stream="stdout")
                bob.expect("* online in /a (3): alice, py, alice-2")
                bob.expect("* you are alice-2 in /a; /help lists the commands")
                alice.expect("* alice-2 joined")
                self.assertEqual(await py.recv(), "* alice-2 joined")
                carol = Terminal(self, url + "b?name=carol")
                others["carol"] = carol
                carol.expect("* online in /b (1): carol")
                carol.expect("* you are carol in /b; /help lists the commands")

                alice.say("hello from alice")
                bob.expect("alice: hello from alice")
                self.assertEqual(await py.recv(), "alice: hello from alice")
                bob.say("/nick bob")
                bob.expect("* you are now known as bob")
                alice.expect("* alice-2 is now known as bob")
                self.assertEqual(await py.recv(), "* alice-2 is now known as bob")
                await py.send("and py")
                alice.expect("py: and py")
                bob.expect("py: and py")
                carol.say("only in b")
                bob.say("/me waves")
                alice.expect("* bob waves")
                self.assertEqual(await py.recv(), "* bob waves")
                bob.leave()
                alice.expect("* bob left")
                self.assertEqual(await py.recv(), "* bob left")
                carol.leave()
            alice.expect("* py left")
            alice.leave()
        run(conversation())
        # Nobody saw another room's messages, nor their own as someone else's.
        self.assertNotIn("carol: only in b", alice.p.seen["stdout"])
        self.assertEqual(others["carol"].p.seen["stdout"][2:], [])
        self.assertNotIn("alice: hello from alice", alice.p.seen["stdout"])

    def test_json_envelopes_validate_against_the_schema(self):
        with open(SCHEMA) as f:
            validator = Draft202012Validator(json.load(f))
        _, url = self.server()
        seen = []
        ann_seen = []
        ann_ws = []

        async def take(ws, n):
            out = []
            for _ in range(n):
                env = json.loads(await ws.recv())
                errors = [e.message for e in validator.iter_errors(env)]
                self.assertEqual(errors, [], env)
                seen.append(env)
                if ws is ann_ws[0]:
                    ann_seen.append(env)
                out.append(env)
            return out

        async def scenario():
            async with websockets.connect(url + "j?name=ann", subprotocols=[JSON]) as ann:
                ann_ws.append(ann)
                self.assertEqual(ann.subprotocol, JSON)
                (who,) = await take(ann, 1)
                self.assertEqual((who["type"], who["names"], who["you"]), ("who", ["ann"], "ann"))
                await ann.send("first <b>words</b>")
                (mine,) = await take(ann, 1)
                self.assertEqual((mine["type"], mine["text"], mine.get("self")), ("message", "first <b>words</b>", True))
                async with websockets.connect(url + "j?name=ben", subprotocols=[JSON]) as ben:
                    history, who = await take(ben, 2)
                    self.assertEqual((history["type"], history["from"], history["text"]),
                                     ("history", "ann", "first <b>words</b>"))
                    self.assertEqual(who["names"], ["ann", "ben"])
                    (join,) = await take(ann, 1)
                    self.assertEqual((join["type"], join["from"], join["room"]), ("join", "ben", "/j"))
                    await ben.send("/me nods")
                    (action,) = await take(ann, 1)
                    self.assertEqual((action["type"], action["action"], action["text"]), ("message", True, "nods"))
                    await take(ben, 1)
                    await ben.send("/nick benny")
                    (rename,) = await take(ann, 1)
                    self.assertEqual((rename["type"], rename["old"], rename["from"]), ("rename", "ben", "benny"))
                    (own,) = await take(ben, 1)
                    self.assertTrue(own["self"])
                    await ben.send("/help")
                    (helptext,) = await take(ben, 1)
                    self.assertEqual(helptext["type"], "system")
                    self.assertIn("/nick NAME", helptext["text"])
                    await ben.send("/who")
                    await take(ben, 1)
                (leave,) = await take(ann, 1)
                self.assertEqual((leave["type"], leave["from"]), ("leave", "benny"))
                # Ids grow within the room, as one client sees it.
                ids = [e["id"] for e in ann_seen if "id" in e]
                self.assertEqual(ids, sorted(set(ids)))
        run(scenario())
        self.assertEqual({e["type"] for e in seen}, {"message", "history", "join", "leave", "rename", "who", "system"})

    def test_a_crowd_joining_is_announced_in_a_few_lines_that_count_everyone(self):
        with open(SCHEMA) as f:
            validator = Draft202012Validator(json.load(f))
        _, url = self.server()
        crowd = 60
        text_lines, envelopes = [], []

        async def scenario():
            async with websockets.connect(url + "c?name=watch") as watch, \
                    websockets.connect(url + "c?name=jay", subprotocols=[JSON]) as jay:
                for _ in range(2):
                    await watch.recv()  # who, welcome
                await jay.recv()  # who
                self.assertEqual(await watch.recv(), "* jay joined")
                people = [await websockets.connect(url + f"c?name=n{i}") for i in range(crowd)]
                try:
                    # Everyone is announced, in fewer lines than people.
                    online = 0
                    while online < crowd + 2:
                        line = await watch.recv()
                        text_lines.append(line)
                        online = int(line.rsplit("(", 1)[1].split()[0]) if line.endswith(" online)") else online + 1
                    while sum(len(e.get("joined", [e.get("from")])) + e.get("more_joined", 0)
                              for e in envelopes) < crowd:
                        env = json.loads(await jay.recv())
                        self.assertEqual([e.message for e in validator.iter_errors(env)], [], env)
                        envelopes.append(env)
                    # The last newcomer heard of nobody's join, not even its own.
                    last = people[-1]
                    await last.recv(), await last.recv()
                    await last.send("/who")
                    self.assertTrue((await last.recv()).startswith(f"* online in /c ({crowd + 2}): watch, jay, n0, "))
                finally:
                    for ws in people:
                        await ws.close()
        run(scenario())
        self.assertLess(len(text_lines), crowd // 2, text_lines)
        batch = next(line for line in text_lines if " others joined" in line)
        self.assertRegex(batch, r"^\* (n\d+, ){4}n\d+ and \d+ others joined \(\d+ online\)$")
        presence = [e for e in envelopes if e["type"] == "presence"]
        self.assertTrue(presence, envelopes)
        self.assertEqual(presence[-1]["online"], crowd + 2)

    def test_transcript_json(self):
        p, url = self.server("--json")

        async def scenario():
            async with websockets.connect(url + "t?name=tia") as ws:
                await ws.recv(), await ws.recv()
                await ws.send("noted")
        run(scenario())
        p.wait_line(r'"event":"leave"', stream="stdout")
        events = [json.loads(l) for l in p.seen["stdout"]]
        kinds = [(e["event"], e.get("from"), e.get("text")) for e in events if e["event"] != "listening"]
        self.assertEqual(kinds[:3], [("join", "tia", None), ("message", "tia", "noted"), ("leave", "tia", None)])
        self.assertTrue(all(e["room"] == "/t" for e in events if e["event"] != "listening"))

    def test_oversize_message_closes_with_1009(self):
        p, url = self.server()

        async def scenario():
            async with websockets.connect(url, max_size=None) as ws:
                await ws.recv(), await ws.recv()
                await ws.send("x" * (64 * 1024))  # at the limit: fine
                await ws.send("x" * (64 * 1024 + 1))
                with self.assertRaises(websockets.ConnectionClosed) as cm:
                    while True:
                        await ws.recv()
                self.assertEqual(cm.exception.rcvd.code, 1009)
        run(scenario())
        p.wait_line(r"^#1 / guest-1 dropped \(too_big\): 1009", stream="stdout")
        self.assertEqual(metrics(url)["wskit_chat_drops_total[reason=too_big]"], 1)

    def test_rate_limit_warns_then_closes_with_1008(self):
        p, url = self.server("--rate", "2")

        async def scenario():
            async with websockets.connect(url + "?name=fast") as ws:
                await ws.recv(), await ws.recv()
                for i in range(3):
                    await ws.send(f"m{i}")
                warning = await ws.recv()
                self.assertTrue(warning.startswith("* slow down: at most 2 messages per second"), warning)
                await ws.send("again")
                with self.assertRaises(websockets.ConnectionClosed) as cm:
                    while True:
                        await ws.recv()
                self.assertEqual(cm.exception.rcvd.code, 1008)
                self.assertEqual(cm.exception.rcvd.reason, "more than 2 messages per second")
        run(scenario())
        p.wait_line(r"^#1 / fast dropped \(rate\): 1008", stream="stdout")
        self.assertEqual(metrics(url)["wskit_chat_drops_total[reason=rate]"], 1)

    def test_binary_message_closes_with_1003(self):
        _, url = self.server()

        async def scenario():
            async with websockets.connect(url) as ws:
                await ws.recv(), await ws.recv()
                await ws.send(b"\x00\x01")
                with self.assertRaises(websockets.ConnectionClosed) as cm:
                    while True:
                        await ws.recv()
                self.assertEqual(cm.exception.rcvd.code, 1003)
        run(scenario())

    def test_client_that_stops_reading_is_dropped_and_memory_stays_bounded(self):
        p, url = self.server("--rate", "0")
        port = port_of(url)
        stalled = rawws.ws_connect(port, "/flood?name=sleeper", rcvbuf=4096)
        self.addCleanup(stalled.close)
        p.wait_line(r"sleeper joined", stream="stdout")
        peak = [rss_bytes(p.proc.pid)]

        async def flooder(i, stop):
            async with websockets.connect(url + f"flood?name=f{i}", max_queue=None) as ws:
                async def drain():
                    try:
                        while True:
                            await ws.recv()
                    except websockets.ConnectionClosed:
                        pass
                reader = asyncio.ensure_future(drain())
                payload = "y" * 60000
                while not stop.is_set():
                    await ws.send(payload)
                    await asyncio.sleep(0.002)
                reader.cancel()

        async def scenario():
            stop = asyncio.Event()
            tasks = [asyncio.ensure_future(flooder(i, stop)) for i in range(3)]
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                await asyncio.sleep(0.1)
                peak[0] = max(peak[0], rss_bytes(p.proc.pid))
                if any("sleeper dropped" in l for l in p.seen["stdout"]):
                    break
            stop.set()
            await asyncio.gather(*tasks)
        run(scenario(), timeout=60)
        m = p.wait_line(r"^#1 /flood sleeper dropped \(slow_reader\): 1008 send backlog over", stream="stdout")
        self.assertTrue(m)
        self.assertGreaterEqual(metrics(url)["wskit_chat_drops_total[reason=slow_reader]"], 1)
        if not SANITIZED:
            self.assertLess(peak[0], 128 * MIB, f"server RSS reached {peak[0] / MIB:.0f} MiB")

    def test_dead_peer_is_dropped_after_a_ping_interval(self):
        p, url = self.server("--ping-interval", "0.3")
        mute = rawws.ws_connect(port_of(url), "/?name=mute")  # reads nothing, answers no ping
        self.addCleanup(mute.close)
        started = time.monotonic()
        p.wait_line(r"^#1 / mute dropped \(ping_timeout\): 1001 no answer to a ping within 0.3 s", stream="stdout")
        self.assertLess(time.monotonic() - started, 5)

        async def answers_pings():
            async with websockets.connect(url + "?name=live", ping_interval=None) as ws:
                await asyncio.sleep(1.2)  # four ping rounds, each answered
                self.assertTrue(ws.open)
        run(answers_pings())

    def test_cross_site_origin_and_missing_token_are_refused_before_the_upgrade(self):
        _, url = self.server("--token", "s3cret", "--origin", "https://friend.example")
        port = port_of(url)

        def status(path="/?token=s3cret", headers=None):
            r = rawws.http_exchange(port, rawws.upgrade_request(f"127.0.0.1:{port}", path, headers=headers))
            return r.status, r.body
        self.assertEqual(status()[0], 101)
        self.assertEqual(status(headers={"Origin": f"http://127.0.0.1:{port}"})[0], 101)  # its own page
        self.assertEqual(status(headers={"Origin": "https://friend.example"})[0], 101)
        code, body = status(headers={"Origin": "https://evil.example"})
        self.assertEqual(code, 403)
        self.assertIn(b"--origin", body)
        self.assertEqual(status(headers={"Origin": f"http://127.0.0.1:{port + 1}"})[0], 403)
        code, body = status("/")
        self.assertEqual(code, 401)
        self.assertEqual(status("/?token=wrong")[0], 401)
        self.assertEqual(status("/", headers={"Authorization": "Bearer s3cret"})[0], 101)
        r = self.wskit("connect", "--raw", "-w", "0", url, timeout=20)
        self.assertExit(r, 5)
        self.assertIn(b"401", r.stderr)
        m = metrics(url, token="s3cret")
        self.assertEqual(m["wskit_chat_handshake_failures_total[reason=origin]"], 2)
        self.assertEqual(m["wskit_chat_handshake_failures_total[reason=token]"], 3)

    def test_max_clients_gets_503(self):
        _, url = self.server("--max-clients", "1")
        first = rawws.ws_connect(port_of(url))
        self.addCleanup(first.close)
        r = rawws.http_exchange(port_of(url), rawws.upgrade_request(f"127.0.0.1:{port_of(url)}", "/"))
        self.assertEqual(r.status, 503)
        self.assertEqual(metrics(url)["wskit_chat_handshake_failures_total[reason=other]"], 1)

    def test_http_page_healthz_and_metrics(self):
        _, url = self.server()
        status, headers, body = http_get(url, "/some/room")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/html"))
        self.assertIn("script-src 'self'", headers["content-security-policy"])
        self.assertIn(b"/_chat/chat.js", body)
        self.assertNotIn(b"http://", body.replace(b"http://www.w3.org", b""))  # nothing from elsewhere
        status, headers, body = http_get(url, "/_chat/chat.js")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/javascript"))
        self.assertEqual(http_get(url, "/_chat/nope.js")[0], 404)
        self.assertEqual(http_get(url, "/healthz")[2], b"ok\n")
        self.assertEqual(http_get(url, "/", method="POST")[0], 405)

        async def two_clients():
            async with websockets.connect(url + "m1") as a, websockets.connect(url + "m2") as b:
                await a.recv(), await a.recv(), await b.recv(), await b.recv()
                await a.send("counted")
                m = metrics(url)
                self.assertEqual(m["wskit_chat_clients"], 2)
                self.assertEqual(m["wskit_chat_rooms"], 2)
                self.assertEqual(m["wskit_chat_room_messages_total"], 1)
                self.assertEqual(m["wskit_chat_connections_total"], 2)
                self.assertEqual(m["wskit_chat_messages_received_total"], 1)
                self.assertGreaterEqual(m["wskit_chat_messages_sent_total"], 4)
                self.assertGreater(m["wskit_chat_sent_bytes_total"], 0)
                self.assertEqual(m["wskit_chat_received_bytes_total"], 7)
        run(two_clients())

    def test_look_alike_names_get_a_suffix_as_a_taken_name_does(self):
        _, url = self.server()
        # Each name as a browser sends it (percent-encoded), and what it becomes next to alice.
        joins = [("alice", "alice"),
                 ("%D0%B0lice", "\u0430lice-2"),           # Cyrillic a
                 ("al%E2%80%8Bice", "alice-3"),             # zero-width space
                 ("%EF%BB%BFalice", "alice-4"),             # BOM
                 ("ali%C2%ADce", "alice-5"),                # soft hyphen
                 ("ali%E2%80%A8ce", "ali-ce"),              # line separator: white space
                 ("%E2%80%AEecila", "ecila"),               # right-to-left override: shown as spelled
                 ("%EF%BD%81lice", "alice-6")]              # fullwidth a (NFKC)

        async def scenario():
            people = []
            try:
                for raw, name in joins:
                    ws = await websockets.connect(url + "r?name=" + raw)
                    people.append(ws)
                    await ws.recv()  # who
                    self.assertEqual(await ws.recv(), f"* you are {name} in /r; /help lists the commands")
                # A /nick to a look-alike of someone present gets a suffix too.
                await people[5].send("/nick \u0391LICE")  # Greek capital alpha
                while (line := await people[1].recv()).endswith(" joined"):
                    pass
                self.assertEqual(line, "* ali-ce is now known as \u0391LICE-7")
                async with websockets.connect(url + "r?name=watch", subprotocols=[JSON]) as watch:
                    who = json.loads(await watch.recv())
                    names = [name for _, name in joins]
                    names[5] = "\u0391LICE-7"
                    self.assertEqual(who["names"], names + ["watch"])
                    await watch.send("/nick al\u200bice")
                    rename = json.loads(await watch.recv())
                    self.assertEqual((rename["old"], rename["from"]), ("watch", "alice-8"))
            finally:
                for ws in people:
                    await ws.close()
        run(scenario())

    def test_names_that_imitate_the_server_or_have_no_letter_are_refused(self):
        _, url = self.server()

        async def scenario():
            async with websockets.connect(url + "s?name=%5Bhistory%5D") as ws:
                self.assertEqual(await ws.recv(), "* the name [history] is not allowed: a name cannot start with *, "
                                                  "[, # or / (or a sign like them), as the server's own lines do; "
                                                  "you join as a guest (/nick NAME picks a name)")
                await ws.recv()  # who
                self.assertEqual(await ws.recv(), "* you are guest-1 in /s; /help lists the commands")
                for wanted, why in [("*bob", "a name cannot start with *"),
                                    ("\u2217bob", "a name cannot start with *"),   # the asterisk operator
                                    ("::", "a name needs a letter or a digit"),
                                    ("...", "a name needs a letter or a digit"),
                                    ("bob:hi", "a name cannot have a ':'")]:
                    await ws.send("/nick " + wanted)
                    answer = await ws.recv()
                    self.assertTrue(answer.startswith(f"* the name {wanted} is not allowed: {why}"), answer)
                await ws.send("/nick bob")
                self.assertEqual(await ws.recv(), "* you are now known as bob")
            async with websockets.connect(url + "s?name=%E2%80%8B") as ws:  # nothing visible: a guest, no word
                await ws.recv()
                self.assertEqual(await ws.recv(), "* you are guest-2 in /s; /help lists the commands")
        run(scenario())

    def test_terminals_get_bidi_controls_escaped_json_clients_the_exact_text(self):
        p, url = self.server()
        trick = "pay to \u202e0001$ tnuocca\u202c now"
        shown = "pay to \\u202e0001$ tnuocca\\u202c now"

        async def scenario():
            async with websockets.connect(url + "b?name=term") as term, \
                    websockets.connect(url + "b?name=page", subprotocols=[JSON]) as page:
                await term.recv(), await term.recv()
                await page.recv()
                self.assertEqual(await term.recv(), "* page joined")
                async with websockets.connect(url + "b?name=carol") as carol:
                    await carol.recv(), await carol.recv()
                    self.assertEqual(await term.recv(), "* carol joined")
                    await page.recv()
                    await carol.send(trick)
                    await carol.send("/me \u2067smiles")
                    self.assertEqual(await term.recv(), "carol: " + shown)
                    self.assertEqual(await term.recv(), "* carol \\u2067smiles")
                    self.assertEqual(json.loads(await page.recv())["text"], trick)
                    self.assertEqual(json.loads(await page.recv())["text"], "\u2067smiles")
                # History replayed to a terminal is escaped too.
                async with websockets.connect(url + "b?name=late") as late:
                    self.assertEqual(await late.recv(), "[history] carol: " + shown)
        run(scenario())
        # The transcript on stdout is for a human too.
        p.wait_line(r"^#3 /b carol: pay to \\u202e0001\$ tnuocca\\u202c now$", stream="stdout")

    def test_bad_options_are_usage_errors(self):
        for args in (["--rate", "-1"], ["--history", "x"], ["--handshake-timeout", "0"], ["--ping-interval", "no"]):
            r = self.wskit("chat", *args, "0")
            self.assertExit(r, 2)
            self.assertTrue(r.stderr.startswith(b"wskit: "), r.stderr)


class ChatRedisNames(RedisServers, TestCase):
    def test_a_look_alike_of_a_name_claimed_by_another_process_gets_a_suffix(self):
        _, redis_port = self.start_redis()
        # Another process has just given "alice" in /r; its join has not
        # reached this one yet. Claims are keyed by name_key: alice's is "alice".
        subprocess.run(["redis-cli", "-p", str(redis_port), "SET", "wskit:chat:name:/r alice", "elsewhere/1"],
                       check=True, capture_output=True)
        _, url = self.chat(redis_port)

        async def scenario():
            async with websockets.connect(url + "r?name=%D0%B0lice") as ws:  # Cyrillic a
                await ws.recv()
                self.assertEqual(await ws.recv(), "* you are \u0430lice-2 in /r; /help lists the commands")
            async with websockets.connect(url + "r?name=ALICE") as ws:
                await ws.recv()
                self.assertEqual(await ws.recv(), "* you are ALICE-2 in /r; /help lists the commands")
        run(scenario())


class ChatTls(CertsTestCase):
    def test_wss(self):
        _, url = self.start_wskit_server("chat", "--cert", self.certs.server_cert, "--key", self.certs.server_key,
                                         "0")
        self.assertTrue(url.startswith("wss://"))
        url = url.replace("127.0.0.1", "localhost")
        # --keep-open: its stdin is empty, and without it the listener would
        # close half a second after its greeting, before a slow sender came.
        listener = self.start([WSKIT, "connect", "--keep-open", "--raw", "--ca", self.certs.ca, url + "?name=lis"])
        listener.wait_line(r"^\* you are lis", stream="stdout")
        r = self.wskit("connect", "--ca", self.certs.ca, "-x", "over tls", "-w", "0.3", url + "?name=tls")
        self.assertExit(r, 0)
        listener.wait_line(r"^tls: over tls$", stream="stdout")


if __name__ == "__main__":
    main()
