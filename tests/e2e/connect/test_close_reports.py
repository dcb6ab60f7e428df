"""Who closed and why: a close frame the server sends first is the server's
("dir":"in", "disconnected"), whatever its code, and the explanation follows
the code's meaning (1002/1007: the server says this client broke the
protocol or sent bad data; 1011: the server's own error; 1012/1013: try
again; 3000-4999: the application's). Checked against Python websockets
closing with each class of code, and wskit listen's /kick ID CODE REASON.
A connection wskit itself fails (a masked frame, invalid UTF-8, an invalid
close code from the server) stays wskit's: "dir":"out", "closing", "the
server broke the protocol"."""
import json
import os
import subprocess

import rawws
from harness import WSKIT, TestCase, main

# Code -> what its explanation says (stderr with --json).
MEANINGS = {
    1002: "protocol error: the server says this client broke the WebSocket protocol",
    1003: "unsupported data: the server does not accept this kind of message",
    1007: "invalid data: the server says this client sent data it cannot accept",
    1008: "policy violation: the server refused something this client sent or did",
    1009: "message too big: a message from this client is larger than the server accepts",
    1011: "internal error: the server failed while serving the connection: its error, not this client's",
    1012: "service restart: the server is restarting",
    1013: "try again later: the server is overloaded or not ready",
    1014: "bad gateway",
    3000: "a code registered for a library or framework",
    4000: "the application's own code",
}


def events(stdout):
    return [json.loads(line) for line in stdout.split(b"\n") if line]


class ServerClosesFirst(TestCase):
    def test_every_code_class_from_python_websockets_is_the_servers(self):
        for code, meaning in MEANINGS.items():
            with self.subTest(code=code):
                _, url = self.start_python_peer("py_server.py", "--close", str(code))
                r = self.wskit("connect", "--json", url)
                self.assertExit(r, 6)
                close = events(r.stdout)[-1]
                self.assertEqual((close["event"], close["dir"], close["code"], close["reason"], close["clean"]),
                                 ("close", "in", code, "bye", True))
                err = r.stderr.decode()
                self.assertTrue(err.startswith(f"wskit: the server closed the connection with code {code} ({meaning}"),
                                err)
                self.assertTrue(err.endswith("), reason: bye\n"), err)
                self.assertEqual(len(err.splitlines()), 1, err)
                self.assertNotIn("broke the protocol (", err)

    def test_human_output_names_the_code_once(self):
        env = dict(os.environ, NO_COLOR="1")
        for code, line in ((1011, "disconnected (code 1011 internal error, reason: bye)"),
                           (1002, "disconnected (code 1002 protocol error, reason: bye)"),
                           (4000, "disconnected (code 4000, reason: bye)")):
            with self.subTest(code=code):
                _, url = self.start_python_peer("py_server.py", "--close", str(code))
                r = self.wskit("connect", "--output", "human", url, env=env)
                self.assertExit(r, 6)
                self.assertIn(line.encode(), r.stdout)
                self.assertNotIn(b"closing", r.stdout)
                self.assertEqual(r.stderr, b"")

    def test_listen_kick_with_a_code_and_reason(self):
        for code, reason in ((1011, "db down"), (1002, "bad frame"), (4404, "no such room")):
            with self.subTest(code=code):
                listen, url = self.start_wskit_server("listen", "--slash", "--json", "0", stdin=subprocess.PIPE)
                self.addCleanup(listen.proc.stdin.close)
                client = self.start([WSKIT, "connect", "--json", "--keep-open", url])
                listen.wait_line(r'"event":"open"', "stdout")
                listen.proc.stdin.write(f"/kick 1 {code} {reason}\n".encode())
                listen.proc.stdin.flush()
                self.assertEqual(client.wait(), 6)
                close = json.loads(client.seen["stdout"][-1])
                self.assertEqual((close["event"], close["dir"], close["code"], close["reason"]),
                                 ("close", "in", code, reason))
                self.assertEqual(len(client.seen["stderr"]), 1, client.seen["stderr"])
                self.assertIn(f"with code {code}", client.seen["stderr"][0])
                self.assertTrue(client.seen["stderr"][0].endswith(f", reason: {reason}"))


class WskitFailsTheConnection(TestCase):
    """The server broke the protocol: the close is wskit's, and says so."""

    def setUp(self):
        self.server = rawws.RawServer()
        self.addCleanup(self.server.close)

    def fails(self, bad_bytes, code):
        client = self.start([WSKIT, "connect", "--json", "--keep-open", self.server.url])
        conn, _ = self.server.accept_ws()
        self.addCleanup(conn.close)
        conn.send(bad_bytes)
        frames = conn.read_frames_until_close()
        self.assertEqual(frames[-1].close_code, code, frames)
        conn.send(rawws.frame(rawws.CLOSE, frames[-1].payload, mask=False))
        conn.close()
        self.assertEqual(client.wait(), 6)
        close = json.loads(client.seen["stdout"][-1])
        self.assertEqual((close["event"], close["dir"], close["code"]), ("close", "out", code))
        self.assertIn("the server broke the protocol", client.seen["stderr"][-1])
        self.assertIn(f"closed with {code}", client.seen["stderr"][-1])

    def test_a_masked_frame_from_the_server(self):
        self.fails(rawws.frame(rawws.TEXT, b"masked", mask=True), 1002)

    def test_invalid_utf8_from_the_server(self):
        self.fails(rawws.frame(rawws.TEXT, b"\xff\xfe", mask=False), 1007)

    def test_a_close_frame_with_a_code_that_may_not_be_sent(self):
        # 1005 only reports; websocketpp answers it with 1002 "Invalid close code".
        self.fails(rawws.close_frame(1005, mask=False), 1002)


if __name__ == "__main__":
    main()
