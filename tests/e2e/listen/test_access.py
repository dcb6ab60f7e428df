"""Who may open a WebSocket on wskit's servers: listen (with and without
--exec), inspect --listen and broadcast-chat let in clients without an
Origin and the server's own pages, refuse other sites' pages (another port,
a file:// page with Origin: null) with 403 and a line on stderr, open up
with --origin, and guard with --token, whose wrong guesses are throttled
(429). Browsers are headless Chromium; raw clients are rawws.py."""
import json
import os
import re
import subprocess
import tempfile
import time

import rawws  # noqa: E402
from harness import TestCase, main, page_of, port_of  # noqa: E402


def status(port, path="/", headers=None):
    """The status of a handshake with these headers (Host is 127.0.0.1:PORT)."""
    r = rawws.http_exchange(port, rawws.upgrade_request(f"127.0.0.1:{port}", path, headers=headers))
    return r.status



class ListenOrigins(TestCase):
    def listen(self, *args, exec_args=()):
        return self.start_wskit_server("listen", "--output", "human", *args, "0", *exec_args,
                                       stdin=subprocess.PIPE)

    def test_default_lets_in_no_origin_and_the_same_origin_and_refuses_the_rest(self):
        listen, url = self.listen()
        port = port_of(url)
        self.assertEqual(status(port), 101)  # a terminal, a script: no Origin
        self.assertEqual(status(port, headers={"Origin": f"http://127.0.0.1:{port}"}), 101)
        self.assertEqual(status(port, headers={"Origin": f"http://127.0.0.1:{port}/"}), 101)
        for origin in (f"http://127.0.0.1:{port + 1}", "null", "https://evil.test", f"https://127.0.0.1:{port}",
                       f"http://localhost:{port}"):
            with self.subTest(origin):
                self.assertEqual(status(port, headers={"Origin": origin}), 403)
                listen.wait_line(r"^wskit: refused 127\.0\.0\.1:\d+: origin '%s' is not allowed \(--origin\)$"
                                 % re.escape(origin))

    def test_origin_list_and_star(self):
        listen, url = self.listen("--origin", "https://app.test", "--origin", "https://other.test/")
        port = port_of(url)
        self.assertEqual(status(port, headers={"Origin": "https://APP.test"}), 101)
        self.assertEqual(status(port, headers={"Origin": "https://other.test"}), 101)
        self.assertEqual(status(port, headers={"Origin": f"http://127.0.0.1:{port}"}), 101)  # its own still
        self.assertEqual(status(port, headers={"Origin": "https://evil.test"}), 403)
        self.assertEqual(status(port, headers={"Origin": "null"}), 403)
        _, any_url = self.listen("--origin", "*")
        any_port = port_of(any_url)
        self.assertEqual(status(any_port, headers={"Origin": "null"}), 101)
        self.assertEqual(status(any_port, headers={"Origin": "https://evil.test"}), 101)

    def test_chromium_pages_of_other_origins_are_refused_by_exec(self):
        listen, url = self.listen(exec_args=("--exec", "cat"))
        _, other = self.start_wskit_server("echo", "0")  # another port's page
        with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False) as f:
            f.write("<!doctype html><title>local file</title>")
        self.addCleanup(os.unlink, f.name)
        got = self.browser_websocket(url, [page_of(other), "file://" + f.name, page_of(url)],
                                     send="hello from the page")
        self.assertEqual([g["result"] for g in got], ["error", "error", "open"], got)
        self.assertEqual(got[2]["reply"], "hello from the page")  # its own page talks to cat
        listen.wait_line(r"^wskit: refused 127\.0\.0\.1:\d+: origin '%s' is not allowed"
                         % re.escape(page_of(other).rstrip("/")))
        listen.wait_line(r"^wskit: refused 127\.0\.0\.1:\d+: origin 'null' is not allowed")
        # Only the page of its own origin got a process.
        listen.wait_line(r"^#1 connected from 127\.0\.0\.1:\d+ to /$", stream="stdout")
        self.assertEqual(len([l for l in listen.seen["stdout"] if "connected from" in l]), 1, listen.seen)

    def test_star_with_exec_warns(self):
        listen, _ = self.listen("--origin", "*", exec_args=("--exec", "cat"))
        self.assertTrue(any(re.match(r"^wskit: warning: --origin '\*' with --exec: any web page", l)
                            for l in listen.seen["stderr"]), listen.seen["stderr"])

    def test_exec_on_a_non_loopback_address_warns_unless_guarded(self):
        listen, _ = self.start_wskit_server("listen", "--host", "0.0.0.0", "0", "--exec", "cat")
        warning = [l for l in listen.seen["stderr"] if "warning" in l]
        self.assertEqual(len(warning), 1, listen.seen["stderr"])
        self.assertRegex(warning[0], r"^wskit: warning: --exec on 0\.0\.0\.0, which is not loopback: anyone who "
                                     r"can reach the port can run 'cat'; require a secret with --token")
        for guard in (["--token", "s3cret"], ["--origin", "https://app.test"]):
            with self.subTest(guard):
                guarded, _ = self.start_wskit_server("listen", "--host", "0.0.0.0", *guard, "0", "--exec", "cat")
                self.assertFalse([l for l in guarded.seen["stderr"] if "warning" in l], guarded.seen["stderr"])
        loopback, _ = self.start_wskit_server("listen", "0", "--exec", "cat")
        self.assertFalse([l for l in loopback.seen["stderr"] if "warning" in l], loopback.seen["stderr"])


class ListenToken(TestCase):
    def test_token_as_query_or_bearer(self):
        listen, url = self.start_wskit_server("listen", "--token", "s3cret", "0", stdin=subprocess.PIPE)
        port = port_of(url)
        self.assertEqual(status(port), 401)
        listen.wait_line(r"^wskit: refused 127\.0\.0\.1:\d+: no token \(--token\)$")
        self.assertEqual(status(port, "/?token=wrong"), 401)
        listen.wait_line(r"^wskit: refused 127\.0\.0\.1:\d+: wrong token \(--token\)$")
        self.assertEqual(status(port, "/?token=s3cret"), 101)
        self.assertEqual(status(port, headers={"Authorization": "Bearer s3cret"}), 101)
        r = self.wskit("connect", "-w", "0", url + "?token=s3cret")
        self.assertExit(r, 0)

    def check_throttle(self, port, server, guess_path, good_path):
        """Wrong guesses as fast as a client can send them: 5 get 401, then
        the address is shut out (429 with Retry-After), the right token
        included; at most a handful of guesses are looked at in 3 s."""
        answers = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and len(answers) < 300:
            r = rawws.http_exchange(port, rawws.upgrade_request(f"127.0.0.1:{port}", guess_path))
            answers.append((r.status, r.headers.get("retry-after")))
        statuses = [s for s, _ in answers]
        self.assertEqual(statuses[:6], [401] * 6, statuses[:20])
        self.assertEqual(statuses[6], 429, statuses[:20])
        self.assertLessEqual(statuses.count(401), 8, statuses)
        self.assertTrue(all(int(ra) >= 1 for s, ra in answers if s == 429), answers[:20])
        blocked = rawws.http_exchange(port, rawws.upgrade_request(f"127.0.0.1:{port}", good_path))
        self.assertEqual(blocked.status, 429)
        server.wait_line(r"wrong token \(--token\); too many wrong tokens from 127\.0\.0\.1: refused with 429 "
                         r"for 1 s$")
        # Said once as the block begins, not once per refused request.
        self.assertLessEqual(len([l for l in server.seen["stderr"] if "refused with 429" in l]), 3)

    def test_wrong_guesses_are_throttled_by_listen(self):
        listen, url = self.start_wskit_server("listen", "--token", "s3cret", "0", stdin=subprocess.PIPE)
        self.check_throttle(port_of(url), listen, "/?token=guess", "/?token=s3cret")

    def test_wrong_guesses_are_throttled_by_chat_and_metrics_need_the_token(self):
        chat, url = self.start_wskit_server("chat", "--token", "s3cret", "0")
        port = port_of(url)

        def get(path, headers=()):
            request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n" + "".join(
                f"{n}: {v}\r\n" for n, v in headers) + "\r\n"
            return rawws.http_exchange(port, request)
        self.assertEqual(get("/healthz").status, 200)
        self.assertEqual(get("/metrics").status, 401)
        self.assertEqual(get("/metrics", [("Authorization", "Bearer s3cret")]).status, 200)
        self.assertEqual(get("/metrics?token=s3cret").status, 200)
        self.check_throttle(port, chat, "/?token=guess", "/?token=s3cret")
        self.assertEqual(get("/metrics?token=s3cret").status, 429)  # the address is shut out of /metrics too
        self.assertEqual(get("/healthz").status, 200)


class ChatOrigins(TestCase):
    def test_chat_says_which_origin_it_refused(self):
        chat, url = self.start_wskit_server("chat", "0")
        port = port_of(url)
        self.assertEqual(status(port, headers={"Origin": "https://evil.test"}), 403)
        chat.wait_line(r"^wskit: refused 127\.0\.0\.1:\d+: origin 'https://evil\.test' is not allowed \(--origin\)$")
        self.assertEqual(status(port, headers={"Origin": f"http://127.0.0.1:{port}"}), 101)


class InspectListenOrigins(TestCase):
    def test_a_foreign_page_is_answered_403_in_the_report(self):
        proc, url = self.start_wskit_server("inspect", "--listen", "0", "--json")
        port = port_of(url)
        self.assertEqual(status(port, headers={"Origin": "https://evil.test"}), 403)
        doc = json.loads(proc.wait_line(r'"type":"request"', stream="stdout").string)
        self.assertEqual(doc["answered"], 403)
        self.assertEqual(doc["origin"], "https://evil.test")
        proc.wait_line(r"^wskit: refused 127\.0\.0\.1:\d+: origin 'https://evil\.test' is not allowed")
        self.assertEqual(status(port, headers={"Origin": f"http://127.0.0.1:{port}"}), 101)
        self.assertEqual(status(port), 101)
        allowed, allowed_url = self.start_wskit_server("inspect", "--listen", "0", "-o", "https://evil.test")
        self.assertEqual(status(port_of(allowed_url), headers={"Origin": "https://evil.test"}), 101)


if __name__ == "__main__":
    main()
