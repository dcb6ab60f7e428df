"""Shared helpers for the end-to-end tests: start servers and peers on
127.0.0.1 with port 0, learn their URL from their "listening on" line, run the
real wskit binary, and always stop what was started (even when a test fails).
"""
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import tempfile
import unittest

WSKIT = os.environ.get("WSKIT") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "apps", "wskit")
SOURCE_DIR = os.environ.get("WSKIT_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
PEERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers")
PYTHON = "/usr/bin/python3"
NODE = "node"
LISTENING = re.compile(r"listening on (\S+)")
# Set by scripts/test.sh --sanitize: ASan's shadow memory and quarantine make
# RSS bounds meaningless, so tests that measure memory skip that assertion.
SANITIZED = os.environ.get("WSKIT_SANITIZE") == "1"


MIB = 1024 * 1024
# Generous, and far below what the server reached before it had backpressure
# (over 1 GB within a minute, hundreds of MB within seconds).
RSS_BOUND = 64 * MIB


def cpu_seconds(pid):
    """User plus system CPU time of the process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is the state (field 3); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port():
    """A loopback port that nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_bytes(pid):
    """The resident memory of a process, from /proc/PID/status."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


def page_of(url):
    """The page a server serves at the URL of its WebSocket."""
    return url.replace("ws://", "http://")


def port_of(url):
    return int(re.search(r":(\d+)/", url).group(1))


class Process:
    """A background process whose stdout/stderr lines are collected by
    threads, so a test can wait for a line without blocking forever."""

    def __init__(self, args, stdin=subprocess.DEVNULL, env=None, binary_stdout=False):
        self.args = args
        self.proc = subprocess.Popen(
            args, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=env, start_new_session=True)
        self.lines = {"stdout": queue.Queue(), "stderr": queue.Queue()}
        self.seen = {"stdout": [], "stderr": []}
        self._threads = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, "stdout"), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, "stderr"), daemon=True),
        ]
        for t in self._threads:
            t.start()

    def _pump(self, stream, name):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.seen[name].append(line)
            self.lines[name].put(line)
        self.lines[name].put(None)

    def wait_line(self, pattern, stream="stderr", timeout=10):
        """Returns the first match of `pattern` (a regex) in a new line of
        `stream`; fails the test with what was seen if it does not come."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                line = self.lines[stream].get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            m = regex.search(line)
            if m:
                return m
        raise AssertionError(
            f"no line matching {pattern!r} on {stream} of {self.args!r}; "
            f"stdout={self.seen['stdout'][-20:]!r} stderr={self.seen['stderr'][-20:]!r}")

    def signal(self, signo):
        if self.proc.poll() is None:
            self.proc.send_signal(signo)

    def wait(self, timeout=10):
        """Waits for the process to exit and for its output to be read to the
        end: a process's last lines may still be in the pipe when it exits,
        and a test that looks at `seen` right after must find them there."""
        deadline = time.monotonic() + timeout
        code = self.proc.wait(timeout=timeout)
        self.wait_output(max(0.1, deadline - time.monotonic()))
        return code

    def wait_output(self, timeout=10):
        """Waits until stdout and stderr have both reached end of file (every
        writer, the process's children included, has closed them)."""
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(timeout=max(0, deadline - time.monotonic()))
            if t.is_alive():
                raise AssertionError(
                    f"the output of {self.args!r} did not end within {timeout}s (a child still holds it open?); "
                    f"stdout={self.seen['stdout'][-20:]!r} stderr={self.seen['stderr'][-20:]!r}")

    def stop(self):
        """Stops the process and everything it started."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for t in self._threads:
            t.join(timeout=2)
        for s in (self.proc.stdout, self.proc.stderr):
            s.close()


class TestCase(unittest.TestCase):
    """Adds process management that always cleans up."""

    def start(self, args, **kw):
        p = Process(args, **kw)
        self.addCleanup(p.stop)
        return p

    def popen(self, args):
        """`args` with stdin, stdout and stderr as pipes for the test to drive
        byte by byte; killed (and its pipes closed) with the test."""
        p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)

        def stop():
            if p.poll() is None:
                p.kill()
                p.wait()
            for f in (p.stdin, p.stdout, p.stderr):
                f.close()
        self.addCleanup(stop)
        return p

    def start_server(self, args, **kw):
        """Starts a server that prints "listening on URL" on stderr (wskit's
        servers, and the peers in peers/) and returns (process, url)."""
        p = self.start(args, **kw)
        url = p.wait_line(LISTENING.pattern).group(1)
        return p, url

    def start_redis(self, port=None, *args):
        """A redis-server (Debian's) on 127.0.0.1, without persistence, stopped
        with the test; returns (process, port)."""
        # free_port() releases the port before redis-server binds it, so
        # another test may take it meanwhile: a port of our choosing is
        # tried again with another; a port the caller gave is kept.
        for _ in range(5 if port is None else 1):
            chosen = port or free_port()
            p = self.start(["redis-server", "--port", str(chosen), "--bind", "127.0.0.1", "--save", "",
                            "--appendonly", "no", *args])
            m = p.wait_line(r"Ready to accept connections|Could not create server TCP listening socket",
                            stream="stdout")
            if m.group(0).startswith("Ready"):
                return p, chosen
            p.stop()
        raise AssertionError(f"redis-server could not listen: {p.seen['stdout'][-5:]!r}")

    def start_wskit_server(self, *args, **kw):
        return self.start_server([WSKIT, *args], **kw)

    def start_python_peer(self, script, *args, **kw):
        return self.start_server([PYTHON, os.path.join(PEERS, script), *args], **kw)

    def start_node_peer(self, script, *args, **kw):
        return self.start_server([NODE, os.path.join(PEERS, script), *args], **kw)

    def run_browser(self, url, script, args=None, extra=(), timeout=90):
        """Opens `url` in headless Chromium and runs `script` (the body of an
        async function; see peers/browser.cjs) in the page. Returns the JSON
        lines it printed, the last one {"done": value}."""
        import json
        with tempfile.NamedTemporaryFile("w", suffix=".js", delete=False) as f:
            f.write(script)
        self.addCleanup(os.unlink, f.name)
        env = dict(os.environ, WSKIT_BROWSER_ARGS=json.dumps(args))
        try:
            done = subprocess.run([NODE, os.path.join(PEERS, "browser.cjs"), url, f.name, *extra],
                                  capture_output=True, timeout=timeout, env=env, start_new_session=True)
        except subprocess.TimeoutExpired as e:
            raise AssertionError(f"the browser did not finish in {timeout}s; stdout={e.stdout!r} stderr={e.stderr!r}")
        lines = [json.loads(line) for line in done.stdout.decode().splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines or "done" not in lines[-1]:
            raise AssertionError(f"the browser failed: stdout={done.stdout!r} stderr={done.stderr[-3000:]!r}")
        return lines

    def browser_websocket(self, ws_url, pages, protocols=(), send=None, timeout=120):
        """Opens a WebSocket to ws_url from each of `pages` in turn, in one
        headless Chromium (peers/browser_ws.cjs): the server sees each page's
        origin. Returns one dict per page: {"page", "result": "open" or
        "error", "protocol", and "reply" to `send`}."""
        import json
        env = dict(os.environ, WSKIT_BROWSER_PROTOCOLS=json.dumps(list(protocols)), WSKIT_BROWSER_SEND=send or "")
        try:
            done = subprocess.run([NODE, os.path.join(PEERS, "browser_ws.cjs"), ws_url, *pages],
                                  capture_output=True, timeout=timeout, env=env, start_new_session=True)
        except subprocess.TimeoutExpired as e:
            raise AssertionError(f"the browser did not finish in {timeout}s; stdout={e.stdout!r} stderr={e.stderr!r}")
        lines = [json.loads(line) for line in done.stdout.decode().splitlines() if line.startswith("{")]
        if done.returncode != 0 or len(lines) != len(pages):
            raise AssertionError(f"the browser failed: stdout={done.stdout!r} stderr={done.stderr[-3000:]!r}")
        return lines

    def wskit(self, *args, input=b"", timeout=30, env=None):
        """Runs wskit to completion; returns CompletedProcess with bytes."""
        if isinstance(input, str):
            input = input.encode()
        try:
            return subprocess.run([WSKIT, *args], input=input, capture_output=True,
                                  timeout=timeout, env=env)
        except subprocess.TimeoutExpired as e:
            raise AssertionError(f"wskit {args!r} did not finish in {timeout}s; "
                                 f"stdout={e.stdout!r} stderr={e.stderr!r}")

    def assertExit(self, result, code):
        self.assertEqual(result.returncode, code,
                         f"exit {result.returncode}, expected {code}; stdout={result.stdout[-2000:]!r} "
                         f"stderr={result.stderr[-2000:]!r}")


class EchoServersTestCase(TestCase):
    """One `wskit echo 0` per class (self.server, self.port) and one with
    --max-size SMALL_MAX_SIZE (self.small, self.small_port), both with
    ECHO_ARGS; each test checks afterwards that both are still up."""
    ECHO_ARGS = ()
    SMALL_MAX_SIZE = 1000

    @classmethod
    def _start_echo(cls, *args):
        p = Process([WSKIT, "echo", *cls.ECHO_ARGS, *args, "0"])
        url = p.wait_line(LISTENING.pattern).group(1)
        return p, port_of(url)

    @classmethod
    def setUpClass(cls):
        cls.server, cls.port = cls._start_echo()
        cls.small, cls.small_port = cls._start_echo("--max-size", str(cls.SMALL_MAX_SIZE))

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.small.stop()

    def tearDown(self):
        for p in (self.server, self.small):
            self.assertIsNone(p.proc.poll(), f"wskit echo died: stderr={p.seen['stderr'][-20:]!r}")


class CertsTestCase(TestCase):
    """A TestCase whose class has a test CA and certificates (certs.py),
    made once in a temporary folder: self.certs, self.tmp."""

    @classmethod
    def setUpClass(cls):
        from certs import Certs
        cls.tmp = tempfile.mkdtemp(prefix="wskit-certs-")
        cls.certs = Certs(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)


def main():
    unittest.main(argv=sys.argv, verbosity=2)
