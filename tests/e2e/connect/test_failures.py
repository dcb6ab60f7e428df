"""How wskit connect fails, one class per stage the failure happens at:
before TCP is up (exit 3), during the opening handshake (5, or 7 when no
answer comes in time), after the open (closes: 6, or 0 for a normal one),
on bad input (1), on a signal (130, 143), on bad usage (2). Each failure is
one line on stderr beginning "wskit: " (SPEC section 1; the same classes
across subcommands are tests/e2e/cli/test_failure_classes.py)."""
import json
import signal
import socket
import subprocess
import time

from harness import WSKIT, TestCase, free_port, main

# A label longer than 63 bytes cannot be put in a DNS query, so the resolver
# fails it at once without sending anything off this machine.
UNRESOLVABLE = "a" * 64 + ".test"


def events(stdout):
    return [json.loads(line) for line in stdout.split(b"\n") if line]


class FullBacklog:
    """A listening socket that never accepts, its backlog full: a TCP
    connect to it hangs in SYN."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(0)
        self.port = self.sock.getsockname()[1]
        self.held = []
        for _ in range(4):
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", self.port))
            self.held.append(c)

    def close(self):
        for c in self.held:
            c.close()
        self.sock.close()


class FailureTestCase(TestCase):
    def assertFailure(self, r, code, text):
        self.assertExit(r, code)
        err = r.stderr.decode()
        self.assertIn(text, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertTrue(err.startswith("wskit: "), err)


class BeforeTcp(FailureTestCase):
    def test_refused_is_exit_3_for_ws_and_wss(self):
        port = free_port()
        for scheme in ("ws", "wss"):
            with self.subTest(scheme):
                t0 = time.monotonic()
                r = self.wskit("connect", f"{scheme}://127.0.0.1:{port}/", input="x\n")
                self.assertFailure(r, 3, "connection refused")
                self.assertLess(time.monotonic() - t0, 5)
                self.assertEqual(r.stdout, b"")
                self.assertIn(str(port), r.stderr.decode())

    def test_connection_refused_with_verbose_does_not_claim_a_connection(self):
        port = free_port()
        r = self.wskit("connect", "-v", f"ws://127.0.0.1:{port}/", input="x\n")
        self.assertExit(r, 3)
        self.assertNotIn(b"connected to", r.stderr)
        self.assertIn(b"wskit: ", r.stderr)

    def test_unknown_host_is_exit_3_for_ws_and_wss(self):
        for scheme in ("ws", "wss"):
            r = self.wskit("connect", f"{scheme}://{UNRESOLVABLE}/", input="")
            self.assertFailure(r, 3, f"cannot resolve host {UNRESOLVABLE}")

    def test_connect_timeout_bounds_a_tcp_connect_that_never_completes(self):
        server = FullBacklog()
        self.addCleanup(server.close)
        for timeout, limit in (("0.5", 2.5), ("7", 9.5)):
            start = time.monotonic()
            r = self.wskit("connect", "--connect-timeout", timeout, f"ws://127.0.0.1:{server.port}/", input="")
            elapsed = time.monotonic() - start
            self.assertExit(r, 3)
            self.assertIn(f"timed out after {timeout} s", r.stderr.decode())
            # websocketpp's own TCP timer is a fixed 5 s: 7 s must be honoured.
            self.assertGreater(elapsed, float(timeout) - 0.1)
            self.assertLess(elapsed, limit)


class Handshake(FailureTestCase):
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


    def test_a_server_that_never_answers_the_upgrade_is_a_timeout(self):
        _, url = self.start_python_peer("broken_server.py", "silent")
        start = time.monotonic()
        r = self.wskit("connect", "--connect-timeout", "1", url, input="")
        self.assertFailure(r, 7, "did not answer the upgrade request within 1 s (see --connect-timeout)")
        self.assertLess(time.monotonic() - start, 3)

    def test_connect_timeout_bounds_a_tls_handshake_past_websocketpps_5_s(self):
        # websocketpp's TLS handshake timer is fixed at 5 s; wskit's config
        # turns it into a backstop (hook 34 in lib/src/net/wspp/README.md).
        _, url = self.start_python_peer("broken_server.py", "silent")
        start = time.monotonic()
        r = self.wskit("connect", "--connect-timeout", "6", url.replace("ws://", "wss://"), input="")
        elapsed = time.monotonic() - start
        self.assertFailure(r, 7, "did not complete within 6 s (see --connect-timeout)")
        self.assertGreater(elapsed, 5.9)
        self.assertLess(elapsed, 9)


class AfterOpen(TestCase):
    """Closes by the server, or by wskit when the server breaks the protocol;
    next to each failure, the limit case that is not one."""
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


class BadInput(TestCase):
    def test_an_invalid_utf8_line_stops_the_input_after_the_good_lines(self):
        _, url = self.start_wskit_server("echo", "0")
        r = self.wskit("connect", url, input=b"good 1\ngood 2\nbad \xff\xfe\nnever\n")
        self.assertExit(r, 1)
        self.assertEqual(r.stdout, b"good 1\ngood 2\n")
        err = r.stderr.decode()
        self.assertIn("input line 3 is not valid UTF-8", err)
        self.assertIn("--binary", err)


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

    def assertClosesCleanly(self, peer, signo, code):
        """Mid-session, the signal closes with 1000 within 1 s and exits with `code`."""
        server, client = self.session(peer)
        client.wait_line(r"^ping me$", "stdout")
        self.assertEqual(self.interrupt(client, signo, 1.0), code)
        server.wait_line(r"closed code=1000")

    def test_sigint_mid_session_closes_1000_exits_130(self):
        self.assertClosesCleanly("py_server.py", signal.SIGINT, 130)

    def test_sigint_against_node_ws(self):
        self.assertClosesCleanly("node_server.cjs", signal.SIGINT, 130)

    def test_sigterm_mid_session_exits_143(self):
        self.assertClosesCleanly("py_server.py", signal.SIGTERM, 143)

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


    def test_until_rejects_a_bad_pattern(self):
        r = self.wskit("connect", "--until", "(a", "ws://127.0.0.1:1/")
        self.assertExit(r, 2)
        self.assertIn("invalid --until regex", r.stderr.decode())


if __name__ == "__main__":
    main()
