"""connect --stdio: standard input and output as a byte stream in binary
messages, as ssh's ProxyCommand needs (websocat's binary mode): bytes cross
exactly, each read goes at once (no waiting for a newline or the end of
input), and text payloads come out without a newline added."""
import hashlib
import json
import os
import select
import subprocess
import time

from harness import WSKIT, TestCase, main


def read_exactly(stream, n, timeout=10):
    """n bytes from a pipe, or fails after `timeout` with what came."""
    got = b""
    deadline = time.monotonic() + timeout
    while len(got) < n:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([stream], [], [], left)[0]:
            raise AssertionError(f"only {got!r} of {n} bytes within {timeout} s")
        chunk = os.read(stream.fileno(), n - len(got))
        if not chunk:
            raise AssertionError(f"end of output after {got!r}, {n} bytes expected")
        got += chunk
    return got


class Stdio(TestCase):
    def stdio(self, url):
        """`wskit connect --stdio url` with pipes, stopped with the test."""
        return self.popen([WSKIT, "connect", "--stdio", url])

    def test_random_bytes_cross_a_python_echo_server_exactly(self):
        _, url = self.start_python_peer("py_echo_server.py")
        data = os.urandom(3 * 1024 * 1024)
        r = self.wskit("connect", "--stdio", url, input=data, timeout=60)
        self.assertExit(r, 0)
        self.assertEqual(len(r.stdout), len(data))
        self.assertEqual(hashlib.sha256(r.stdout).hexdigest(), hashlib.sha256(data).hexdigest())

    def test_each_read_goes_at_once_without_a_newline(self):
        # What an ssh session does: a few bytes, then waiting for the answer
        # with stdin still open.
        _, url = self.start_python_peer("py_echo_server.py")
        p = self.stdio(url)
        for chunk in (b"SSH-2.0-x", b"\x00\xff\r", b"\n"):
            p.stdin.write(chunk)
            p.stdin.flush()
            self.assertEqual(read_exactly(p.stdout, len(chunk)), chunk)
        p.stdin.close()
        self.assertEqual(p.wait(timeout=10), 0, p.stderr.read())

    def test_input_goes_as_binary_messages(self):
        server, url = self.start_wskit_server("listen", "--json", "--once", "0")
        p = self.stdio(url)
        server.wait_line(r'"event":"open"', stream="stdout")
        p.stdin.write(b"line one\nline two\n")
        p.stdin.flush()
        event = json.loads(server.wait_line(r'^\{"event":"message".*', stream="stdout").group(0))
        self.assertEqual(event["opcode"], "binary")
        self.assertEqual(event["size"], len(b"line one\nline two\n"))
        p.stdin.close()
        self.assertEqual(p.wait(timeout=10), 0, p.stderr.read())

    def test_text_messages_come_out_without_a_newline(self):
        # listen sends each line of its input as a text message; what it
        # reads before a client comes goes to the first one.
        server, url = self.start_server([WSKIT, "listen", "--once", "0"], stdin=subprocess.PIPE)
        server.proc.stdin.write(b"hello\nworld\n")
        server.proc.stdin.close()
        p = self.stdio(url)
        self.assertEqual(read_exactly(p.stdout, 10), b"helloworld")
        p.stdin.close()
        self.assertEqual(p.wait(timeout=10), 0, p.stderr.read())
        self.assertEqual(p.stdout.read(), b"")

    def test_stdio_takes_no_format_options(self):
        for extra in (["--json"], ["--binary"], ["-x", "hi"], ["--null"], ["--slash"]):
            with self.subTest(extra=extra):
                r = self.wskit("connect", "--stdio", *extra, "ws://127.0.0.1:9/")
                self.assertExit(r, 2)
                self.assertRegex(r.stderr.decode(), r"^wskit: --stdio relays bytes as they are")


if __name__ == "__main__":
    main()
