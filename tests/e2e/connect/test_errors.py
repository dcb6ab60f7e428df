"""wskit connect when things go wrong: rejected handshakes, refused
connections, abnormal and error closes, protocol violations by the server,
signals, and usage errors. Each has its exit code (SPEC section 1)."""
import json
import signal
import subprocess
import time

from harness import WSKIT, TestCase, free_port, main


def events(stdout):
    return [json.loads(line) for line in stdout.split(b"\n") if line]


class Rejected(TestCase):
    def test_non_101_answer_exits_5(self):
        _, url = self.start_python_peer("py_server.py", "--reject", "403")
        r = self.wskit("connect", url, input="never sent\n")
        self.assertExit(r, 5)
        self.assertEqual(r.stdout, b"")
        lines = r.stderr.decode().splitlines()
        self.assertTrue(lines and lines[-1].startswith("wskit: "), r.stderr)
        self.assertIn("403", r.stderr.decode())

    def test_non_101_answer_shown_with_verbose(self):
        _, url = self.start_python_peer("py_server.py", "--reject", "403")
        r = self.wskit("connect", "-v", url, input="never sent\n")
        self.assertExit(r, 5)
        err = r.stderr.decode()
        self.assertRegex(err, r"HTTP/1\.1 403")
        self.assertIn("X-Rejected-By: py_server", err)
        self.assertIn("go away", err)
        self.assertEqual(r.stdout, b"")

    def test_body_of_non_101_answer_shown_even_when_it_comes_late(self):
        _, url = self.start_python_peer("raw_server.py", "reject-slow-body")
        r = self.wskit("connect", "-v", url, input="never sent\n", timeout=10)
        self.assertExit(r, 5)
        err = r.stderr.decode()
        self.assertIn("403", err)
        self.assertIn("X-Rejected-By: raw_server", err)
        self.assertIn("not allowed here", err)


class Refused(TestCase):
    def test_connection_refused_exits_3(self):
        port = free_port()
        t0 = time.monotonic()
        r = self.wskit("connect", f"ws://127.0.0.1:{port}/", input="x\n")
        self.assertExit(r, 3)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(r.stdout, b"")
        err = r.stderr.decode().splitlines()
        self.assertEqual(len(err), 1, err)
        self.assertTrue(err[0].startswith("wskit: "), err)
        self.assertIn(str(port), err[0])

    def test_connection_refused_with_verbose_does_not_claim_a_connection(self):
        port = free_port()
        r = self.wskit("connect", "-v", f"ws://127.0.0.1:{port}/", input="x\n")
        self.assertExit(r, 3)
        self.assertNotIn(b"connected to", r.stderr)
        self.assertIn(b"wskit: ", r.stderr)


class Closes(TestCase):
    def test_tcp_dropped_without_close_frame_exits_6(self):
        _, url = self.start_python_peer("raw_server.py", "drop")
        r = self.wskit("connect", "--json", "--keep-open", url, timeout=10)
        self.assertExit(r, 6)
        ev = events(r.stdout)
        self.assertEqual([e.get("text") for e in ev if e["event"] == "message" and e["dir"] == "in"], ["hello"])
        close = [e for e in ev if e["event"] == "close"]
        self.assertEqual(len(close), 1)
        self.assertEqual(close[0]["code"], 1006)
        self.assertIs(close[0]["clean"], False)

    def test_server_close_4000_exits_6(self):
        server, url = self.start_python_peer("py_server.py", "--send", "last words", "--close", "4000")
        r = self.wskit("connect", "--json", "--keep-open", url)
        self.assertExit(r, 6)
        ev = events(r.stdout)
        close = [e for e in ev if e["event"] == "close"]
        self.assertEqual((close[0]["code"], close[0]["reason"]), (4000, "bye"))
        self.assertIn("last words", [e.get("text") for e in ev])
        server.wait_line(r"closed code=4000")  # wskit answered the close

    def test_server_close_1000_exits_0(self):
        _, url = self.start_python_peer("py_server.py", "--send", "bye now", "--close", "1000")
        r = self.wskit("connect", "--keep-open", url)
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"bye now\n")

    def test_oversize_message_closes_1009_exits_6(self):
        server, url = self.start_python_peer("py_server.py", "--send-binary-size", "2000")
        r = self.wskit("connect", "--max-size", "1000", "--keep-open", url)
        self.assertExit(r, 6)
        self.assertEqual(r.stdout, b"")
        server.wait_line(r"closed code=1009")

    def test_message_of_exactly_max_size_is_accepted(self):
        _, url = self.start_python_peer("py_server.py", "--send-binary-size", "1000")
        r = self.wskit("connect", "--max-size", "1000", "--once", url)
        self.assertExit(r, 0)
        self.assertEqual(len(r.stdout), 1000)

    def test_invalid_utf8_text_from_server_closes_1007_exits_6(self):
        server, url = self.start_python_peer("raw_server.py", "invalid-utf8")
        r = self.wskit("connect", "--keep-open", url, timeout=10)
        self.assertExit(r, 6)
        self.assertEqual(r.stdout, b"")
        server.wait_line(r"frame opcode=8 len=\d+ code=1007")

    def test_text_ending_mid_character_closes_1007(self):
        server, url = self.start_python_peer("raw_server.py", "truncated-utf8")
        r = self.wskit("connect", "--keep-open", url, timeout=5)
        self.assertExit(r, 6)
        server.wait_line(r"frame opcode=8 len=\d+ code=1007")

    def test_character_split_across_fragments_is_fine(self):
        server, url = self.start_python_peer("raw_server.py", "split-utf8")
        r = self.wskit("connect", "--once", url, timeout=10)
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, "é!\n".encode())
        server.wait_line(r"frame opcode=8 len=\d+ code=1000")


class Signals(TestCase):
    def session(self, *server):
        """A wskit connect that has exchanged one message and is idle."""
        srv, url = (self.start_python_peer(*server) if server[0].endswith(".py")
                    else self.start_node_peer(*server))
        client = self.start([WSKIT, "connect", url], stdin=subprocess.PIPE)
        client.proc.stdin.write(b"ping me\n")
        client.proc.stdin.flush()
        return srv, client

    def interrupt(self, client, signo, within):
        t0 = time.monotonic()
        client.signal(signo)
        try:
            code = client.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.fail(f"wskit still running 5 s after signal {signo}")
        elapsed = time.monotonic() - t0
        self.assertLess(elapsed, within, f"took {elapsed:.2f}s to exit")
        return code

    def test_sigint_mid_session_closes_1000_exits_130(self):
        server, client = self.session("py_server.py")
        client.wait_line(r"^ping me$", "stdout")
        self.assertEqual(self.interrupt(client, signal.SIGINT, 1.0), 130)
        server.wait_line(r"closed code=1000")

    def test_sigint_against_node_ws(self):
        server, client = self.session("node_server.cjs")
        client.wait_line(r"^ping me$", "stdout")
        self.assertEqual(self.interrupt(client, signal.SIGINT, 1.0), 130)
        server.wait_line(r"closed code=1000")

    def test_sigterm_mid_session_exits_143(self):
        server, client = self.session("py_server.py")
        client.wait_line(r"^ping me$", "stdout")
        self.assertEqual(self.interrupt(client, signal.SIGTERM, 1.0), 143)
        server.wait_line(r"closed code=1000")

    def test_sigint_when_server_never_answers_the_close(self):
        server, client = self.session("raw_server.py", "silent")
        server.wait_line(r"frame opcode=1 len=7")  # "ping me" arrived: the session is open
        code = self.interrupt(client, signal.SIGINT, 1.5)
        self.assertNotEqual(code, 0)
        server.wait_line(r"frame opcode=8 len=\d+ code=1000")


class Usage(TestCase):
    def assertUsageError(self, *args):
        r = self.wskit(*args)
        self.assertExit(r, 2)
        self.assertEqual(r.stdout, b"")
        lines = r.stderr.decode().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertTrue(lines[0].startswith("wskit: "), lines)
        return lines[0]

    def test_bad_urls(self):
        self.assertIn("foo://x", self.assertUsageError("connect", "foo://x"))
        self.assertUsageError("connect", "ws://127.0.0.1:99999/")
        self.assertUsageError("connect", "ws://[::1/")
        self.assertUsageError("connect", "ws://")

    def test_bad_flags(self):
        self.assertIn("--bogus", self.assertUsageError("connect", "--bogus", "ws://127.0.0.1:1/"))
        self.assertUsageError("connect", "--count", "many", "ws://127.0.0.1:1/")
        self.assertUsageError("connect", "--output", "xml", "ws://127.0.0.1:1/")
        self.assertUsageError("connect")  # URL missing


if __name__ == "__main__":
    main()
