"""wskit connect at the edges, against raw-socket servers driven byte by byte
(rawws.RawServer): peer-controlled text escaped on the terminal (echo --log's
request target, a reason phrase, a Location), --pretty on a deeply nested
message within bounded memory, a non-101 answer on a connection kept open
(no body, chunked, close-delimited), -L with Locations that need resolving
and encoding, and the client's own 1009 close reaching a server that is still
sending."""
import os
import subprocess
import threading
import time

import rawws
from harness import WSKIT, TestCase, main

ENV = {k: v for k, v in os.environ.items()
       if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
EVIL = "\x1b]0;owned\x07\x1b[2J"


class Run:
    """wskit running in the background while the test drives the server;
    result() waits for it and gives (exit code, stdout, stderr, max RSS KiB)."""

    def __init__(self, args):
        self.proc = subprocess.Popen([WSKIT, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=ENV, start_new_session=True)
        self.out, self.err = [], []
        self.threads = [threading.Thread(target=self._pump, args=(s, b), daemon=True)
                        for s, b in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))]
        for t in self.threads:
            t.start()

    @staticmethod
    def _pump(stream, into):
        for chunk in iter(lambda: stream.read1(65536), b""):
            into.append(chunk)

    def result(self, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"wskit did not finish in {timeout} s; stderr={b''.join(self.err)!r}")
            time.sleep(0.02)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        for t in self.threads:
            t.join(5)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return self.proc.returncode, b"".join(self.out), b"".join(self.err), usage.ru_maxrss

    def kill(self):
        if self.proc.returncode is None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 9)
            self.proc.wait(5)
        for t in self.threads:
            t.join(5)
        for s in (self.proc.stdout, self.proc.stderr):
            if not s.closed:
                s.close()


class ClientEdges(TestCase):
    def setUp(self):
        self.server = rawws.RawServer()
        self.addCleanup(self.server.close)

    def wskit_bg(self, *args):
        run = Run(args)
        self.addCleanup(run.kill)
        return run

    def assertOneLineError(self, err, *needles):
        text = err.decode("utf-8", "replace")
        self.assertEqual(len(text.strip().splitlines()), 1, text)
        self.assertTrue(text.startswith("wskit: "), text)
        self.assertNotIn("\x1b", text)
        self.assertNotIn("\x07", text)
        for n in needles:
            self.assertIn(n, text)

    # --- escaping ------------------------------------------------------

    def test_echo_log_escapes_the_request_target(self):
        echo, url = self.start_wskit_server("echo", "--log", "--output", "human", "0", env=ENV)
        port = int(url.rsplit(":", 1)[1].strip("/"))
        conn = rawws.ws_connect(port, path="/x" + EVIL + "?q=" + EVIL)
        self.addCleanup(conn.close)
        conn.send_frame(rawws.TEXT, b"ping-me")
        self.assertEqual(conn.read_frame().payload, b"ping-me")
        echo.wait_line(r"ping-me", stream="stdout")
        opened = [l for l in echo.seen["stdout"] if "connected" in l]
        self.assertEqual(len(opened), 1, echo.seen["stdout"])
        self.assertIn("/x\\x1b]0;owned\\x07\\x1b[2J?q=\\x1b]0;owned", opened[0])
        for line in echo.seen["stdout"]:
            self.assertNotIn("\x1b", line)
            self.assertNotIn("\x07", line)

    def test_reason_phrase_is_escaped(self):
        run = self.wskit_bg("connect", "-x", "hi", self.server.url)
        conn, _, _ = self.server.accept()
        conn.send(("HTTP/1.1 403 Forbidden" + EVIL + "\r\nContent-Length: 0\r\n\r\n").encode())
        code, out, err, _ = run.result()
        conn.close()
        self.assertEqual(code, 5, err)
        self.assertEqual(out, b"")
        self.assertOneLineError(err, "403 Forbidden\\x1b]0;owned\\x07\\x1b[2J")

    def test_location_is_escaped(self):
        run = self.wskit_bg("connect", "-x", "hi", self.server.url)
        conn, _, _ = self.server.accept()
        conn.send(("HTTP/1.1 302 Found\r\nLocation: /next" + EVIL + "\r\nContent-Length: 0\r\n\r\n").encode())
        code, _, err, _ = run.result()
        conn.close()
        self.assertEqual(code, 5, err)
        self.assertOneLineError(err, "/next\\x1b]0;owned\\x07\\x1b[2J", "-L")

    # --- --pretty --------------------------------------------------------

    def test_pretty_deeply_nested_json_in_bounded_memory(self):
        depth = 20000  # 40 KB; pretty-printed naively it takes gigabytes
        doc = ("[" * depth + "]" * depth).encode()
        run = self.wskit_bg("connect", "--output", "human", "--pretty", "-v", "--count", "1", "--timeout", "15",
                            self.server.url)
        conn, _ = self.server.accept_ws()
        self.addCleanup(conn.close)
        conn.send(rawws.frame(rawws.TEXT, doc, mask=False))
        frames = conn.read_frames_until_close()
        if frames and frames[-1].opcode == rawws.CLOSE:
            conn.send(rawws.close_frame(1000, mask=False))
        conn.close()
        code, out, err, maxrss_kib = run.result()
        self.assertEqual(code, 0, err)
        self.assertLess(maxrss_kib, 200 * 1024, "wskit's memory grew with the nesting depth")
        self.assertIn(b"< " + doc + b"\n", out)
        self.assertIn(b"--pretty: nested deeper than", out)

    # --- non-101 answers -------------------------------------------------

    def rejected_quickly(self, response, *args, keep_open=True):
        run = self.wskit_bg("connect", "-x", "hi", *args, self.server.url)
        conn, _, _ = self.server.accept()
        self.addCleanup(conn.close)
        start = time.monotonic()
        for part in response:
            conn.send(part)
            time.sleep(0.05)
        if not keep_open:
            conn.shutdown_write()
        code, out, err, _ = run.result()
        elapsed = time.monotonic() - start
        self.assertEqual(code, 5, err)
        self.assertLess(elapsed, 2, f"took {elapsed:.1f} s: {err!r}")
        return err.decode("utf-8", "replace")

    def test_empty_body_403_on_a_kept_open_connection_fails_at_once(self):
        err = self.rejected_quickly([b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"])
        self.assertRegex(err, r"^wskit: .*403 Forbidden")

    def test_204_and_304_have_no_body(self):
        for status in (b"204 No Content", b"304 Not Modified"):
            with self.subTest(status=status):
                self.rejected_quickly([b"HTTP/1.1 " + status + b"\r\nX-A: b\r\n\r\n"])
                self.setUp()

    def test_chunked_body_read_to_the_last_chunk(self):
        err = self.rejected_quickly([b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n",
                                     b"6\r\nhello \r\n", b"5;ext=1\r\nworld\r\n0\r\n\r\n"], "-v")
        self.assertIn("hello world", err)

    def test_close_delimited_body_read_to_eof(self):
        err = self.rejected_quickly([b"HTTP/1.1 403 Forbidden\r\n\r\nno ", b"entry\n"], "-v", keep_open=False)
        self.assertIn("no entry", err)

    def test_close_delimited_body_on_a_kept_open_connection_fails_within_a_second(self):
        # No length, not chunked: the body ends with the connection, which
        # this server keeps open without sending more.
        err = self.rejected_quickly([b"HTTP/1.1 403 Forbidden\r\nX-A: b\r\n\r\nno entry\n"], "-v",
                                    "--connect-timeout", "30")
        self.assertIn("< HTTP/1.1 403 Forbidden", err)
        self.assertIn("no entry", err)
        self.assertRegex(err, r"(?m)^wskit: handshake rejected: .*403 Forbidden")

    def test_length_body_in_the_same_read_as_the_head(self):
        err = self.rejected_quickly([b"HTTP/1.1 403 Forbidden\r\nContent-Length: 8\r\n\r\nat once\n"], "-v")
        self.assertIn("at once", err)

    def test_length_body_arriving_late(self):
        err = self.rejected_quickly([b"HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\nslow", b" body"], "-v")
        self.assertIn("slow body", err)

    # --- -L ----------------------------------------------------------------

    def follow(self, location):
        """Redirects to `location` with -L; returns the next request line."""
        run = self.wskit_bg("connect", "-L", "-x", "hi", "--timeout", "10", self.server.url + "start/here")
        conn, start, _ = self.server.accept()
        self.assertEqual(start, "GET /start/here HTTP/1.1")
        conn.send(("HTTP/1.1 302 Found\r\nLocation: " + location +
                   "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").encode())
        conn.close()
        conn, start, _ = self.server.accept()
        conn.send(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        code, _, err, _ = run.result()
        conn.close()
        self.assertEqual(code, 5, err)
        return start

    def test_redirect_with_space_and_fragment_is_encoded(self):
        self.assertEqual(self.follow("/a b?q=1 2#frag"), "GET /a%20b?q=1%202 HTTP/1.1")

    def test_redirect_relative_path_and_dot_segments(self):
        self.assertEqual(self.follow("../x/./y"), "GET /x/y HTTP/1.1")
        self.setUp()
        self.assertEqual(self.follow("?only=query"), "GET /start/here?only=query HTTP/1.1")

    def test_redirect_with_a_url_in_its_query_is_relative(self):
        self.assertEqual(self.follow("/login?next=ws://evil.example/x"),
                         "GET /login?next=ws://evil.example/x HTTP/1.1")

    def test_redirect_with_control_characters_is_refused(self):
        run = self.wskit_bg("connect", "-L", "-x", "hi", self.server.url)
        conn, _, _ = self.server.accept()
        conn.send(("HTTP/1.1 302 Found\r\nLocation: /x" + EVIL + "\r\nContent-Length: 0\r\n\r\n").encode())
        code, _, err, _ = run.result()
        conn.close()
        self.assertEqual(code, 5, err)
        self.assertOneLineError(err, "/x\\x1b]0;owned\\x07\\x1b[2J", "control characters")

    # --- the client's 1009 -------------------------------------------------

    def test_own_1009_close_reaches_a_server_still_sending(self):
        run = self.wskit_bg("connect", "--max-size", "1000", "--keep-open", self.server.url)
        conn, _ = self.server.accept_ws()
        self.addCleanup(conn.close)
        conn.sock.settimeout(10)
        big = 16 * 1024 * 1024  # more than the kernel buffers on both sides
        try:
            conn.send(rawws.frame(rawws.BINARY, b"x" * big, mask=False))
            frames = conn.read_frames_until_close()
        except ConnectionError as e:
            self.fail(f"the client reset the connection instead of closing it: {e!r}")
        self.assertTrue(frames and frames[-1].opcode == rawws.CLOSE, frames)
        self.assertEqual(frames[-1].close_code, 1009)
        conn.send(rawws.close_frame(1009, mask=False))
        conn.close()
        code, _, err, _ = run.result()
        self.assertEqual(code, 6, err)
        self.assertIn(b"--max-size", err)


if __name__ == "__main__":
    main()
