"""Output that never blocks and never loses data silently: a server whose
stdout nobody reads keeps serving and stops on a signal; a client whose stdin
and stdout are one socket delivers everything; a client whose stdout nobody
reads still honours --timeout; echo's --stats --json and --log into a pipe."""
import array
import fcntl
import json
import os
import queue
import re
import signal
import socket
import subprocess
import tempfile
import termios
import threading
import time
from urllib.parse import urlsplit

import rawws
from harness import LISTENING, PEERS, PYTHON, WSKIT, TestCase, main


class UnreadPipe:
    """A pipe whose read end is held open and never read: writes to the other
    end succeed until the pipe buffer is full, then block (or EAGAIN)."""

    def __init__(self, test):
        self.read_end, self.write_end = os.pipe()
        test.addCleanup(self.close)

    def close_write_end(self):
        if self.write_end is not None:
            os.close(self.write_end)
            self.write_end = None

    def close(self):
        self.close_write_end()
        if self.read_end is not None:
            os.close(self.read_end)
            self.read_end = None


class Stderr:
    """Collects a process's stderr lines on a thread."""

    def __init__(self, proc):
        self.lines = queue.Queue()
        self.seen = []
        self.thread = threading.Thread(target=self._pump, args=(proc.stderr,), daemon=True)
        self.thread.start()

    def _pump(self, stream):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.seen.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def wait_line(self, regex, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            m = re.search(regex, line)
            if m:
                return m
        raise AssertionError(f"no stderr line matching {regex!r}: {self.seen[-20:]!r}")


def unread_bytes(fd):
    """How many bytes wait in a pipe."""
    buf = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, buf)
    return buf[0]


def spawn(test, args, stdin=subprocess.DEVNULL, stdout=None):
    """Starts wskit with stderr a pipe (read by the caller); the process is
    killed at the end of the test if it is still running."""
    proc = subprocess.Popen([WSKIT, *args], stdin=stdin, stdout=stdout, stderr=subprocess.PIPE,
                            start_new_session=True)

    def stop():
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
        proc.stderr.close()
    test.addCleanup(stop)
    return proc


class ServerWithStalledStdout(TestCase):
    def start_echo(self, *args):
        """wskit echo with stdout an unread pipe; returns (proc, stderr, port)."""
        pipe = UnreadPipe(self)
        proc = spawn(self, ["echo", *args, "0"], stdout=pipe.write_end)
        pipe.close_write_end()
        err = Stderr(proc)
        url = err.wait_line(LISTENING.pattern).group(1)
        return proc, err, urlsplit(url).port

    def flood(self, port, count, size=200):
        """A client that sends `count` messages and reads the echoes, on a
        thread; returns (thread, result dict)."""
        result = {"sent": 0, "echoed": 0}

        def run():
            try:
                conn = rawws.ws_connect(port)
                conn.sock.settimeout(10)
            except Exception as e:  # the server froze during the handshake
                result["error"] = repr(e)
                return
            try:
                def reader():
                    try:
                        while result["echoed"] < count:
                            f = conn.read_frame()
                            if f is None:
                                return
                            result["echoed"] += 1
                    except OSError:
                        pass
                t = threading.Thread(target=reader, daemon=True)
                t.start()
                body = b"x" * size
                for i in range(count):
                    conn.send_frame(rawws.TEXT, b"%06d " % i + body)
                    result["sent"] += 1
                t.join(timeout=15)
            except OSError as e:
                result["error"] = repr(e)
            finally:
                conn.close()
        t = threading.Thread(target=run, daemon=True)
        t.start()
        return t, result

    def assert_new_client_served(self, port):
        conn = rawws.ws_connect(port)
        try:
            conn.send_frame(rawws.TEXT, b"are you there?")
            f = conn.read_frame()
            self.assertIsNotNone(f)
            self.assertEqual((f.opcode, f.payload), (rawws.TEXT, b"are you there?"))
        finally:
            conn.close()

    def test_log_into_unread_pipe_keeps_serving_and_exits_on_sigterm(self):
        proc, err, port = self.start_echo("--log")
        t, result = self.flood(port, 3000)
        t.join(timeout=20)
        self.assertNotIn("error", result, result)
        self.assertEqual(result["echoed"], 3000, result)
        # Another client, after the log has filled the pipe, is served too.
        self.assert_new_client_served(port)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=5), 143)
        self.assertLess(time.monotonic() - t0, 2.0)

    def test_dropped_lines_are_counted_once_the_reader_is_back(self):
        pipe = UnreadPipe(self)
        proc = spawn(self, ["echo", "--log", "0"], stdout=pipe.write_end)
        pipe.close_write_end()
        err = Stderr(proc)
        port = urlsplit(err.wait_line(LISTENING.pattern).group(1)).port
        t, result = self.flood(port, 20000)
        t.join(timeout=30)
        self.assertEqual(result["echoed"], 20000, result)
        # The reader comes back: what was kept arrives whole, then the count.
        got = b""
        os.set_blocking(pipe.read_end, False)
        m = None
        deadline = time.monotonic() + 10
        while m is None and time.monotonic() < deadline:
            try:
                chunk = os.read(pipe.read_end, 1 << 16)
                got += chunk
            except BlockingIOError:
                try:
                    line = err.lines.get(timeout=0.05)
                except queue.Empty:
                    continue
                if line and "output stalled" in line:
                    m = line
        self.assertIsNotNone(m, err.seen)
        # The notice comes once everything kept has been written.
        while True:
            try:
                chunk = os.read(pipe.read_end, 1 << 16)
            except BlockingIOError:
                break
            got += chunk
        self.assertRegex(m, r"^wskit: output stalled: dropped \d+ lines? \(\d+ bytes\) of stdout")
        dropped = int(m.split("dropped ")[1].split()[0])
        lines = got.split(b"\n")
        self.assertTrue(all(line.startswith(b"#1 ") for line in lines[:-1] if line), lines[:3])
        kept = sum(1 for line in lines if line.startswith(b"#1 "))
        self.assertGreater(dropped, 0)
        # open + 20,000 messages, and the close unless it came after the notice.
        self.assertIn(kept + dropped, (20001, 20002))
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=5), 143)


class ClientOutput(TestCase):
    def test_stdin_and_stdout_on_one_socket_carry_200000_lines(self):
        _, url = self.start_wskit_server("echo", "0")
        ours, theirs = socket.socketpair()
        self.addCleanup(ours.close)
        proc = spawn(self, ["connect", url], stdin=theirs, stdout=theirs)
        theirs.close()
        n = 200000
        data = b"".join(b"line %d\n" % i for i in range(n))

        def writer():
            ours.sendall(data)
            ours.shutdown(socket.SHUT_WR)
        w = threading.Thread(target=writer, daemon=True)
        w.start()
        # Read only once all is sent: the echoes fill the socket meanwhile,
        # so wskit's stdout meets EAGAIN for sure.
        w.join(timeout=60)
        self.assertFalse(w.is_alive(), "wskit did not read all of its input")
        ours.settimeout(60)
        chunks = []
        while True:
            chunk = ours.recv(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        got = b"".join(chunks)
        code = proc.wait(timeout=30)
        stderr = proc.stderr.read()
        self.assertEqual(code, 0, stderr)
        self.assertEqual(got.count(b"\n"), n, stderr)
        self.assertEqual(got, data)

    def blocked_stdout(self, *args):
        """wskit connect with an input that echoes back far more than a pipe
        holds and stdout an unread pipe; returns (exit code, seconds, stderr)."""
        _, url = self.start_wskit_server("echo", "0")
        with tempfile.TemporaryFile() as stdin:
            stdin.write(b"".join(b"%08d %s\n" % (i, b"y" * 100) for i in range(20000)))
            stdin.seek(0)
            pipe = UnreadPipe(self)
            t0 = time.monotonic()
            proc = spawn(self, ["connect", *args, url], stdin=stdin, stdout=pipe.write_end)
            pipe.close_write_end()
            try:
                code = proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.fail(f"wskit connect {args} still running after 10 s with stdout blocked")
            return code, time.monotonic() - t0, proc.stderr.read()

    def test_timeout_fires_while_stdout_is_blocked(self):
        code, elapsed, stderr = self.blocked_stdout("--timeout", "2", "--keep-open")
        self.assertEqual(code, 7, stderr)
        self.assertLess(elapsed, 5)
        self.assertIn(b"wskit: timed out after 2 s", stderr)

    def test_timeout_bounds_writing_what_is_left_at_the_end(self):
        # 600 kB of echoes, all read before the server's close: the run is
        # over, only writing them is left, and --timeout still bounds it.
        _, url = self.start_wskit_server("echo", "0")
        pipe = UnreadPipe(self)
        big = ["-x", "w" * 120000] * 5
        t0 = time.monotonic()
        proc = spawn(self, ["connect", "--timeout", "2", "-w", "0", *big, url], stdout=pipe.write_end)
        pipe.close_write_end()
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.fail("wskit connect still running after 10 s with stdout blocked")
        stderr = proc.stderr.read()
        self.assertEqual(code, 7, stderr)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertRegex(stderr, rb"^wskit: timed out after 2 s \(--timeout\) writing the output")

    def test_sigterm_while_stdout_is_blocked(self):
        _, url = self.start_wskit_server("echo", "0")
        with tempfile.TemporaryFile() as stdin:
            stdin.write(b"".join(b"%08d %s\n" % (i, b"z" * 100) for i in range(20000)))
            stdin.seek(0)
            pipe = UnreadPipe(self)
            proc = spawn(self, ["connect", "--keep-open", url], stdin=stdin, stdout=pipe.write_end)
        pipe.close_write_end()
        # Nothing to await: poll until the echoes have filled the pipe (its 64 KiB
        # hold less when writes do not fill whole pages).
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and unread_bytes(pipe.read_end) < 40000:
            time.sleep(0.05)
        self.assertGreaterEqual(unread_bytes(pipe.read_end), 40000)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=5), 143)
        self.assertLess(time.monotonic() - t0, 2.0)


class EchoOutput(TestCase):
    def test_stats_json_on_stdout(self):
        server, url = self.start_wskit_server("echo", "--stats", "0.2", "--json", "0")
        hold = self.start([PYTHON, os.path.join(PEERS, "py_client.py"), "hold", url])
        hold.wait_line(r'"open"', "stdout")
        m = server.wait_line(r'"event":"stats".*"clients":1\b', "stdout")
        e = json.loads(m.string)
        for field in ("ts", "clients", "msg_in_per_s", "msg_out_per_s", "mb_in_per_s", "mb_out_per_s"):
            self.assertIn(field, e)
        self.assertEqual(e["clients"], 1)
        self.assertFalse([line for line in server.seen["stderr"] if line.startswith("stats:")])

    def test_stats_line_says_one_client(self):
        server, url = self.start_wskit_server("echo", "--stats", "0.2", "0")
        server.wait_line(r"^stats: 0 clients, ")
        hold = self.start([PYTHON, os.path.join(PEERS, "py_client.py"), "hold", url])
        hold.wait_line(r'"open"', "stdout")
        server.wait_line(r"^stats: 1 client, ")

    def test_log_into_a_pipe_names_the_client(self):
        server, url = self.start_wskit_server("echo", "--log", "0")
        r = self.wskit("connect", "-x", "hello", "-w", "0", url)
        self.assertExit(r, 0)
        server.wait_line(r"^#1 < hello$", "stdout")
        self.assertFalse([line for line in server.seen["stdout"] if "\x1b[" in line])

    def test_log_raw_when_asked(self):
        server, url = self.start_wskit_server("echo", "--log", "--raw", "0")
        r = self.wskit("connect", "-x", "hello", "-w", "0", url)
        self.assertExit(r, 0)
        server.wait_line(r"^hello$", "stdout")


if __name__ == "__main__":
    main()
