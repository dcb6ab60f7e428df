"""wskit connect against Python websockets and Node ws servers: messages both
ways, what the handshake carries, and the scripting flags."""
import base64
import json
import os
import tempfile
import time

from harness import TestCase, main


def events(stdout):
    # NDJSON: split on LF only (U+2028 inside a string is valid JSON).
    return [json.loads(line) for line in stdout.split(b"\n") if line]


def messages(stdout):
    """Messages received (JSON output shows those sent too, with "dir": "out")."""
    return [e for e in events(stdout) if e["event"] == "message" and e["dir"] == "in"]


def header(record, name):
    """All values of header `name` in a recorded request."""
    return [v for k, v in record["headers"] if k.lower() == name.lower()]


class Messages(TestCase):
    def check_text_and_binary_echo(self, url):
        r = self.wskit("connect", "--json", "--count", "1", url, input="héllo wörld\n")
        self.assertExit(r, 0)
        msgs = messages(r.stdout)
        self.assertEqual(msgs[0]["opcode"], "text")
        self.assertEqual(msgs[0]["text"], "héllo wörld")
        self.assertEqual(msgs[0]["size"], len("héllo wörld".encode()))
        self.assertEqual(msgs[0]["dir"], "in")
        blob = bytes(range(256)) * 3
        r = self.wskit("connect", "--json", "--whole", "--binary", "--count", "1", url, input=blob)
        self.assertExit(r, 0)
        msgs = messages(r.stdout)
        self.assertEqual(len(msgs), 1)
        self.assertEqual(msgs[0]["opcode"], "binary")
        self.assertEqual(base64.b64decode(msgs[0]["base64"]), blob)
        self.assertEqual(msgs[0]["size"], len(blob))

    def test_text_and_binary_echoed_by_python_websockets(self):
        _, url = self.start_python_peer("py_server.py")
        self.check_text_and_binary_echo(url)

    def test_text_and_binary_echoed_by_node_ws(self):
        _, url = self.start_node_peer("node_server.cjs")
        self.check_text_and_binary_echo(url)

    def test_text_and_binary_sent_by_python_websockets(self):
        _, url = self.start_python_peer("py_server.py", "--send", "from server ✓",
                                        "--send-binary-size", "70000")
        r = self.wskit("connect", "--json", "--count", "2", "--keep-open", url)
        self.assertExit(r, 0)
        msgs = messages(r.stdout)
        self.assertEqual([m["opcode"] for m in msgs], ["text", "binary"])
        self.assertEqual(msgs[0]["text"], "from server ✓")
        self.assertEqual(base64.b64decode(msgs[1]["base64"]), bytes(i % 251 for i in range(70000)))

    def test_raw_output_of_binary_is_the_bytes_as_is(self):
        _, url = self.start_python_peer("py_server.py", "--send-binary-size", "1000", "--send", "after")
        r = self.wskit("connect", "--count", "2", "--keep-open", url)
        self.assertExit(r, 0)
        # py_server sends the --send texts first, then the binary message.
        self.assertEqual(r.stdout, b"after\n" + bytes(i % 251 for i in range(1000)))


class Handshake(TestCase):
    def recorded(self, path):
        with open(path) as f:
            return [json.loads(line) for line in f]

    def check_handshake_options(self, start):
        with tempfile.TemporaryDirectory() as d:
            rec = os.path.join(d, "requests.jsonl")
            _, url = start("--record", rec, "--subprotocol", "chat.v2")
            r = self.wskit("connect", "--json", "--once",
                           "-H", "X-Test: one", "--header", "X-Other: two words",
                           "-s", "foo", "-s", "chat.v2", "-o", "https://origin.example",
                           "--auth", "alice:s3cret:colon", "--user-agent", "probe/1.0",
                           url + "room/a?x=1&y=2", input="hi\n")
            self.assertExit(r, 0)
            ev = events(r.stdout)
            self.assertEqual(ev[0]["event"], "open")
            self.assertEqual([e["text"] for e in ev if e["event"] == "message" and e["dir"] == "in"], ["hi"])
            (req,) = self.recorded(rec)
            self.assertEqual(req["path"], "/room/a?x=1&y=2")
            self.assertEqual(header(req, "X-Test"), ["one"])
            self.assertEqual(header(req, "X-Other"), ["two words"])
            self.assertEqual(header(req, "Origin"), ["https://origin.example"])
            self.assertEqual(header(req, "User-Agent"), ["probe/1.0"])
            offered = [p.strip() for v in header(req, "Sec-WebSocket-Protocol") for p in v.split(",")]
            self.assertEqual(offered, ["foo", "chat.v2"])
            self.assertEqual(header(req, "Authorization"),
                             ["Basic " + base64.b64encode(b"alice:s3cret:colon").decode()])
            # The server chose chat.v2; the open event says so.
            self.assertEqual(ev[0]["subprotocol"], "chat.v2")

    def test_handshake_options_reach_python_websockets(self):
        self.check_handshake_options(lambda *a: self.start_python_peer("py_server.py", *a))

    def test_handshake_options_reach_node_ws(self):
        self.check_handshake_options(lambda *a: self.start_node_peer("node_server.cjs", *a))

    def test_credentials_in_url_become_basic_auth(self):
        with tempfile.TemporaryDirectory() as d:
            rec = os.path.join(d, "requests.jsonl")
            _, url = self.start_python_peer("py_server.py", "--record", rec)
            url = url.replace("ws://", "ws://bob:hunter2@")
            r = self.wskit("connect", "--once", url, input="x\n")
            self.assertExit(r, 0)
            (req,) = self.recorded(rec)
            self.assertEqual(header(req, "Authorization"),
                             ["Basic " + base64.b64encode(b"bob:hunter2").decode()])
            # The credentials are not sent in the request target or Host.
            self.assertNotIn("bob", req["path"])
            self.assertNotIn("bob", header(req, "Host")[0])

    def test_host_header_is_the_one_given(self):
        with tempfile.TemporaryDirectory() as d:
            rec = os.path.join(d, "requests.jsonl")
            _, url = self.start_python_peer("py_server.py", "--record", rec)
            self.assertExit(self.wskit("connect", "--host", "virtual.test:8080", url, input=""), 0)
            self.assertExit(self.wskit("connect", "-H", "Host: other.test", url, input=""), 0)
            self.assertEqual([header(req, "Host") for req in self.recorded(rec)],
                             [["virtual.test:8080"], ["other.test"]])

    def test_no_subprotocol_chosen_is_reported_empty(self):
        _, url = self.start_node_peer("node_server.cjs", "--subprotocol", "other")
        r = self.wskit("connect", "--json", "--once", "-s", "foo", url, input="x\n")
        self.assertExit(r, 0)
        self.assertEqual(events(r.stdout)[0]["subprotocol"], "")


class Scripting(TestCase):
    def test_execute_and_wait(self):
        _, url = self.start_python_peer("py_server.py")
        # -x sends its messages and does not read stdin; -w keeps the
        # connection open long enough for the echoes.
        r = self.wskit("connect", "-x", "one", "--execute", "two words", "-w", "0.5", url,
                       input="from stdin\n")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"one\ntwo words\n")

    def test_wait_after_stdin_eof_lets_echoes_arrive(self):
        _, url = self.start_node_peer("node_server.cjs")
        t0 = time.monotonic()
        r = self.wskit("connect", "-w", "0.6", url, input="a\nb\n")
        elapsed = time.monotonic() - t0
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"a\nb\n")
        self.assertGreaterEqual(elapsed, 0.55)
        self.assertLess(elapsed, 3)

    def test_once(self):
        _, url = self.start_python_peer("py_server.py")
        r = self.wskit("connect", "-1", "-x", "first", "-x", "second", "-w", "5", url)
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"first\n")

    def test_count(self):
        _, url = self.start_python_peer("py_server.py")
        r = self.wskit("connect", "--count", "3", "--keep-open", url, input="1\n2\n3\n4\n5\n")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"1\n2\n3\n")

    def test_until(self):
        _, url = self.start_node_peer("node_server.cjs")
        r = self.wskit("connect", "--until", "^st[o]p-\\d+$", "--keep-open", url,
                       input="a\nstop-x\nb\nstop-42\nc\nd\n")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"a\nstop-x\nb\nstop-42\n")

    def test_until_is_linear_on_a_large_message(self):
        _, url = self.start_wskit_server("echo", "0")
        big = "xy" * (1 << 20)  # 2 MiB that (x|y)+z never matches
        r = self.wskit("connect", "--until", "(x|y)+z", url, input=big + "\nxxyz\n", timeout=60)
        self.assertExit(r, 0)
        self.assertTrue(r.stdout.endswith(b"\nxxyz\n"))

    def test_timeout_exits_7(self):
        server, url = self.start_python_peer("py_server.py", "--silent")
        t0 = time.monotonic()
        r = self.wskit("connect", "--timeout", "0.5", "--keep-open", url, input="nobody answers\n")
        elapsed = time.monotonic() - t0
        self.assertExit(r, 7)
        self.assertGreaterEqual(elapsed, 0.45)
        self.assertLess(elapsed, 2.5)
        self.assertEqual(r.stdout, b"")
        # It closed the connection properly on the way out.
        server.wait_line(r"closed code=1000")

    def test_timeout_while_waiting_for_count(self):
        _, url = self.start_python_peer("py_server.py")
        r = self.wskit("connect", "--count", "3", "--timeout", "0.5", "-x", "only", "-x", "two", url)
        self.assertExit(r, 7)
        self.assertEqual(r.stdout, b"only\ntwo\n")

    def test_count_not_reached_when_server_closes_exits_7(self):
        _, url = self.start_python_peer("py_server.py", "--send", "just one", "--close", "1000")
        r = self.wskit("connect", "--count", "3", "--keep-open", url)
        self.assertExit(r, 7)
        self.assertEqual(r.stdout, b"just one\n")

    def test_close_code_and_reason_are_sent(self):
        server, url = self.start_python_peer("py_server.py")
        r = self.wskit("connect", "--close-code", "4321", "--close-reason", "done here", url, input="")
        # A close code other than 1000/1001 is not a normal close.
        self.assertIn(r.returncode, (0, 6))
        server.wait_line(r"closed code=4321 reason=done here$")


if __name__ == "__main__":
    main()
