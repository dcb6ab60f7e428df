"""What wskit connect asks for, as users write it: a header given twice goes
out twice, in the order given, as curl sends it (seen by a raw server that
records the request's bytes, and shown by -v, inspect and inspect --listen);
a bare port (9000, :9000) is ws://127.0.0.1:9000/, as `listen 9000` serves,
for inspect too, and errors name the host and port actually tried."""
import os
import socket
import threading

import rawws
from harness import WSKIT, TestCase, free_port, main, port_of

ENV = {k: v for k, v in os.environ.items()
       if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}


class RequestRecorder:
    """A raw server that records the first request's bytes and answers 403."""

    def __init__(self, test):
        self.server = rawws.RawServer()
        test.addCleanup(self.server.close)
        self.url = self.server.url
        self.raw = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn = self.server.accept_conn()
        try:
            _, _, self.raw = conn.read_http_head()
            conn.send(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        finally:
            conn.close()

    def lines(self):
        self.thread.join(10)
        return self.raw.decode("latin-1").split("\r\n")


HEADERS = ["-H", "Cookie: a=1", "-H", "X-Tag: one", "-H", "cookie: b=2", "-H", "X-Tag: two"]
GIVEN = ["Cookie: a=1", "X-Tag: one", "cookie: b=2", "X-Tag: two"]


class RepeatedHeaders(TestCase):
    def test_both_lines_go_out_in_the_order_given(self):
        peer = RequestRecorder(self)
        r = self.wskit("connect", peer.url, "-v", "-x", "hi", *HEADERS, env=ENV)
        self.assertExit(r, 5)
        lines = peer.lines()
        ours = [l for l in lines if l.lower().startswith(("cookie:", "x-tag:"))]
        self.assertEqual(ours, GIVEN)
        self.assertEqual(lines[0], "GET / HTTP/1.1")
        self.assertIn("Upgrade: websocket", lines)
        # -v shows the request as sent.
        shown = [l[2:] for l in r.stderr.decode().splitlines() if l.startswith("> ")]
        self.assertEqual([l for l in shown if l.lower().startswith(("cookie:", "x-tag:"))], GIVEN)

    def test_a_flag_of_its_own_still_replaces_the_header(self):
        peer = RequestRecorder(self)
        r = self.wskit("connect", peer.url, "-x", "hi", "-H", "Origin: http://a.test", "-o", "http://b.test",
                       "-H", "Connection: keep-alive", env=ENV)
        self.assertExit(r, 5)
        lines = peer.lines()
        self.assertEqual([l for l in lines if l.lower().startswith("origin:")], ["Origin: http://b.test"])
        self.assertEqual([l for l in lines if l.lower().startswith("connection:")],
                         ["Connection: keep-alive, Upgrade"])

    def test_inspect_sends_and_shows_both(self):
        peer = RequestRecorder(self)
        r = self.wskit("inspect", peer.url, *HEADERS, env=ENV)
        self.assertExit(r, 5)
        self.assertEqual([l for l in peer.lines() if l.lower().startswith("x-tag:")], ["X-Tag: one", "X-Tag: two"])
        out = r.stdout.decode()
        self.assertLess(out.index("X-Tag: one"), out.index("X-Tag: two"))

    def test_inspect_listen_shows_both(self):
        inspector, url = self.start_wskit_server("inspect", "--listen", "0", env=ENV)
        r = self.wskit("connect", url, "-x", "hi", *HEADERS, env=ENV)
        self.assertExit(r, 0)
        inspector.wait_line(r"> X-Tag: one$", "stdout")
        inspector.wait_line(r"> X-Tag: two$", "stdout")


class BarePort(TestCase):
    def test_a_bare_port_is_on_127_0_0_1(self):
        _, url = self.start_wskit_server("echo", "0")
        port = port_of(url)
        for target in (str(port), f":{port}", f"{port}/some/path"):
            with self.subTest(target=target):
                r = self.wskit("connect", "--json", "-x", "hi", target, env=ENV)
                self.assertExit(r, 0)
                self.assertIn(f'"url":"ws://127.0.0.1:{port}/'.encode(), r.stdout)
                self.assertIn(b'"dir":"in","opcode":"text","text":"hi"', r.stdout)
        r = self.wskit("inspect", str(port), env=ENV)
        self.assertExit(r, 0)

    def test_errors_name_the_port_tried(self):
        dead = free_port()
        r = self.wskit("connect", "-x", "hi", str(dead), env=ENV)
        self.assertExit(r, 3)
        self.assertEqual(r.stderr.decode().splitlines(),
                         [f"wskit: cannot connect to 127.0.0.1:{dead}: connection refused "
                          "(is the server running, on that port?)"])
        r = self.wskit("connect", "-x", "hi", "65536", env=ENV)
        self.assertExit(r, 2)
        self.assertIn("bad port '65536'", r.stderr.decode())

    def test_the_default_port_is_named_too(self):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", 80)) == 0:
                self.skipTest("something listens on port 80 here")
        r = self.wskit("connect", "-x", "hi", "ws://127.0.0.1/", env=ENV)
        self.assertExit(r, 3)
        self.assertRegex(r.stderr.decode(), r"^wskit: cannot connect to 127\.0\.0\.1:80: ")


if __name__ == "__main__":
    main()
