"""wskit connect URL --exec CMD [ARGS...]: the client-side twin of listen
--exec. Once the connection is open, CMD runs: each line it writes on stdout
is a message to the server, each message from the server a line on its stdin.
Driven against a scripted Python `websockets` server (PLAN_SERVER below, a
peer nobody here wrote), `wskit echo` and `wskit listen` (fed through a pipe
to its stdin), with real programs: cat, bc, python3 -i on a pseudo-terminal,
sh. What crosses (text, binary, stderr), how each end ends the other (the
process's exit, the server's close, signals), the environment, bounded
memory both ways, what is printed, and the refused combinations. Processes
are watched through /proc (a process prints its own pid, $$, first)."""
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import textwrap
import threading
import time

from harness import MIB, PYTHON, SANITIZED, WSKIT, TestCase, free_port, main, rss_bytes

# A Python `websockets` server that runs a plan (a JSON list of steps, in
# argv[1] with its options) on each connection and prints what it sees as
# JSON lines on stdout: {"open": subprotocol, "path"}, each message received
# ({"text"} or {"binary": hex}), {"count"...} for "count", {"flooded"...}
# for "flood", and at the end {"closed": code, "reason"} (the close frame
# the client sent, or 1006 when there was none). Steps: ["send", text],
# ["send_binary", hex], ["recv"] one message, ["recv_all"] every message
# until the close, ["count", stall] reads nothing for `stall` seconds, then
# every message until the close, counted and hashed (each with "\n"),
# ["flood", total, size] sends `total` bytes in text messages of `size`
# ("b"s), ["sleep", s], ["close", code, reason]. Options: "subprotocols" (to
# accept), "rcvbuf" (SO_RCVBUF of its sockets: a slow reader then stops the
# sender sooner instead of filling the kernel's buffers).
PLAN_SERVER = r"""
import asyncio, hashlib, json, socket, sys, time, websockets

config = json.loads(sys.argv[1])

def out(obj):
    print(json.dumps(obj), flush=True)

def message(m):
    return {"binary": m.hex()} if isinstance(m, bytes) else {"text": m}

async def handler(ws, path=None):
    opened = time.monotonic()
    out({"open": ws.subprotocol, "path": getattr(ws, "path", path)})
    try:
        for step in config["plan"]:
            op, args = step[0], step[1:]
            if op == "send":
                await ws.send(args[0])
            elif op == "send_binary":
                await ws.send(bytes.fromhex(args[0]))
            elif op == "recv":
                out(message(await ws.recv()))
            elif op == "recv_all":
                async for m in ws:
                    out(message(m))
            elif op == "count":
                await asyncio.sleep(args[0])
                n = size = 0
                digest = hashlib.sha256()
                kinds = set()
                async for m in ws:
                    kinds.add(type(m).__name__)
                    n += 1
                    size += len(m)
                    digest.update(m.encode() if isinstance(m, str) else m)
                    digest.update(b"\n")
                out({"count": n, "bytes": size, "sha": digest.hexdigest(), "kinds": sorted(kinds)})
            elif op == "flood":
                total, size = args
                chunk, sent = "b" * size, 0
                while sent < total:
                    await ws.send(chunk)
                    sent += size
                out({"flooded": sent, "after": time.monotonic() - opened})
            elif op == "sleep":
                await asyncio.sleep(args[0])
            elif op == "close":
                await ws.close(args[0], args[1] if len(args) > 1 else "")
    except websockets.ConnectionClosed:
        pass
    await ws.wait_closed()
    out({"closed": ws.close_code, "reason": ws.close_reason})

async def main():
    sock = socket.socket()
    if config.get("rcvbuf"):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, config["rcvbuf"])
    sock.bind(("127.0.0.1", 0))
    await websockets.serve(handler, sock=sock, max_size=None, ping_interval=None,
                           subprotocols=config.get("subprotocols") or None)
    print(f"listening on ws://127.0.0.1:{sock.getsockname()[1]}/", file=sys.stderr, flush=True)
    await asyncio.Future()

asyncio.run(main())
"""

# Writes lines of 1000 bytes (atomic writes into a pipe) without blocking
# until its stdout has stayed full for 0.3 s (wskit stopped reading it), then
# says how many it wrote, on stderr, and exits: its last lines are still in
# the pipe.
WRITE_UNTIL_BLOCKED = r"""
import os, sys, time
os.set_blocking(1, False)
line = b"x" * 999 + b"\n"
n, stuck = 0, None
while True:
    try:
        os.write(1, line)
        n, stuck = n + 1, None
    except BlockingIOError:
        now = time.monotonic()
        stuck = stuck or now
        if now - stuck > 0.3:
            break
        time.sleep(0.01)
print(f"wrote {n}", file=sys.stderr, flush=True)
"""


def alive(pid):
    """Whether pid is a running process (a zombie is not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def sha_of_lines(line, n):
    """What PLAN_SERVER's "count" hashes for n messages `line`."""
    digest = hashlib.sha256()
    for _ in range(n):
        digest.update(line + b"\n")
    return digest.hexdigest()


class RssWatch:
    """Samples a process's VmRSS every 10 ms in a thread until stopped (or
    the process is gone): peak, and the samples."""

    def __init__(self, pid):
        self.pid, self.samples, self._done = pid, [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._done.is_set():
            try:
                self.samples.append(rss_bytes(self.pid))
            except (AssertionError, OSError):  # exited (a zombie has no VmRSS)
                return
            self._done.wait(0.01)

    def stop(self):
        self._done.set()
        self._thread.join(timeout=5)
        return self.peak

    @property
    def peak(self):
        return max(self.samples, default=0)


class ConnectExec(TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wskit-cexec-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def script(self, name, body):
        path = self.path(name)
        with open(path, "w") as f:
            f.write(textwrap.dedent(body))
        return path

    def plan_server(self, plan, **config):
        """PLAN_SERVER with `plan`; returns (process, url)."""
        return self.start_server([PYTHON, "-c", PLAN_SERVER, json.dumps(dict(config, plan=plan))])

    def seen_by(self, server, timeout=15):
        """The JSON lines of PLAN_SERVER's connection, up to its "closed"."""
        server.wait_line(r'^\{"closed"', stream="stdout", timeout=timeout)
        return [json.loads(line) for line in server.seen["stdout"]]

    def received(self, events):
        return [e.get("text", e.get("binary")) for e in events if "text" in e or "binary" in e]

    def run_exec(self, url, *command, options=(), timeout=20, **kw):
        """`wskit connect OPTIONS URL --exec COMMAND` to completion."""
        return self.wskit("connect", *options, url, "--exec", *command, timeout=timeout, **kw)

    def exec_process(self, url, *command, options=()):
        """The same, in the background, once it says it is connected."""
        p = self.start([WSKIT, "connect", *options, url, "--exec", *command])
        p.wait_line(r"^connected to ", stream="stdout")
        return p

    def listen(self):
        """`wskit listen 0` fed through a pipe to its stdin; returns
        (process, url)."""
        listen, url = self.start_wskit_server("listen", "0", stdin=subprocess.PIPE)
        self.addCleanup(listen.proc.stdin.close)
        return listen, url

    def need_bc(self):
        if shutil.which("bc") is None:
            self.skipTest("bc is not installed: it is Debian's package bc, which scripts/common.sh's "
                          "TEST_PACKAGES must list")

    def assertStdout(self, result, url, close):
        """wskit's stdout: the open and the close lines, nothing else."""
        lines = result.stdout.decode().splitlines()
        self.assertEqual(len(lines), 2, lines)
        self.assertEqual(lines[0], f"connected to {url}")
        self.assertRegex(lines[1], close)

    # --- the bridge: cat, bc, python3 -i ------------------------------------

    def test_cat_returns_each_message_and_wskit_stdin_is_not_read(self):
        server, url = self.plan_server([["send", "hello"], ["recv"], ["send", "héllo ✓ again"], ["recv"],
                                        ["send", ""], ["recv"], ["close", 1000, "done"]])
        r = self.run_exec(url, "cat", input="from wskit's stdin\n")
        self.assertExit(r, 0)
        events = self.seen_by(server)
        self.assertEqual(self.received(events), ["hello", "héllo ✓ again", ""])
        self.assertEqual(events[-1], {"closed": 1000, "reason": "done"})
        self.assertStdout(r, url, r"^disconnected \(code 1000, reason: done\)$")
        self.assertEqual(r.stderr, b"")

    def test_cat_against_wskit_listen(self):
        listen, url = self.listen()
        client = self.exec_process(url, "cat")
        listen.proc.stdin.write(b"one\ntwo words\n")
        listen.proc.stdin.flush()
        listen.wait_line(r"^one$", stream="stdout")
        listen.wait_line(r"^two words$", stream="stdout")
        self.assertIsNone(client.proc.poll())
        # listen's end closes with 1001 (going away): cat gets EOF, wskit
        # exits 0.
        listen.signal(signal.SIGTERM)
        self.assertEqual(client.wait(timeout=10), 0, client.seen)
        self.assertRegex(client.seen["stdout"][-1], r"^disconnected \(code 1001\b")

    def test_bc_answers_the_server(self):
        self.need_bc()
        server, url = self.plan_server([["send", "2+3"], ["recv"], ["send", "scale=3; 10/4"], ["recv"],
                                        ["send", "quit"], ["recv_all"]])
        r = self.run_exec(url, "bc", "-q")
        self.assertExit(r, 0)
        events = self.seen_by(server)
        self.assertEqual(self.received(events), ["5", "2.500"])
        self.assertEqual(events[-1], {"closed": 1000, "reason": ""})  # bc's exit on "quit"
        self.assertStdout(r, url, r"^closing \(code 1000\)$")

    def test_bc_against_wskit_listen(self):
        # listen sends "2+3", bc answers 5, listen prints it.
        self.need_bc()
        listen, url = self.listen()
        client = self.exec_process(url, "bc", "-q")
        listen.proc.stdin.write(b"2+3\n")
        listen.proc.stdin.flush()
        listen.wait_line(r"^5$", stream="stdout")
        listen.proc.stdin.write(b"2^100\nquit\n")
        listen.proc.stdin.flush()
        listen.wait_line(r"^1267650600228229401496703205376$", stream="stdout")
        self.assertEqual(client.wait(timeout=10), 0, client.seen)
        self.assertEqual(client.seen["stdout"][-1], "closing (code 1000)")

    def test_python_interactive_on_a_pty_against_wskit_echo(self):
        # python3 -i on a pipe would wait for 8 KiB of output: on a terminal
        # it answers each line. PYTHONSTARTUP (wskit's environment reaches
        # the process) prints two lines of Python: echo sends them back,
        # python runs them: 42 on its stderr (on wskit's), then exit().
        startup = self.script("startup.py", """
            print("import sys; print(6 * 7, file=sys.stderr)")
            print("exit()")
        """)
        _, url = self.start_wskit_server("echo", "0")
        r = self.run_exec(url, PYTHON, "-i", "-q", options=["--pty"],
                          env=dict(os.environ, PYTHONSTARTUP=startup))
        self.assertExit(r, 0)
        self.assertIn("42", r.stderr.decode().splitlines())
        self.assertStdout(r, url, r"^closing \(code 1000\)$")

    def test_python_interactive_on_a_pty_against_wskit_listen(self):
        listen, url = self.listen()
        client = self.exec_process(url, PYTHON, "-i", "-q", options=["--pty"])
        listen.proc.stdin.write(b"6 * 7\n")
        listen.proc.stdin.flush()
        # The prompt comes first (readline writes it on the terminal), no
        # echo of the input.
        listen.wait_line(r"^(>>> )*42$", stream="stdout")
        listen.proc.stdin.write(b"print('a' + 'b')\n1/0\n")
        listen.proc.stdin.flush()
        listen.wait_line(r"^(>>> )*ab$", stream="stdout")
        # Tracebacks go to stderr: wskit's.
        client.wait_line(r"^ZeroDivisionError: division by zero$")
        listen.proc.stdin.write(b"exit()\n")
        listen.proc.stdin.flush()
        self.assertEqual(client.wait(timeout=10), 0, client.seen)
        self.assertFalse([l for l in listen.seen["stdout"] if "6 * 7" in l], listen.seen["stdout"])

    # --- what crosses ---------------------------------------------------------

    def test_the_last_lines_go_before_the_close(self):
        server, url = self.plan_server([["recv_all"]])
        r = self.run_exec(url, "seq", "1", "3000")
        self.assertExit(r, 0)
        events = self.seen_by(server)
        self.assertEqual(self.received(events), [str(i) for i in range(1, 3001)])
        self.assertEqual(events[-1], {"closed": 1000, "reason": ""})

    def test_lines_that_are_not_utf8_go_as_binary(self):
        server, url = self.plan_server([["recv_all"]])
        r = self.run_exec(url, "printf", r"ok\n\377\376\nnaïve\n")
        self.assertExit(r, 0)
        self.assertEqual(self.seen_by(server)[1:], [{"text": "ok"}, {"binary": "fffe"}, {"text": "naïve"},
                                                    {"closed": 1000, "reason": ""}])
        # --binary: every line is binary.
        server, url = self.plan_server([["recv_all"]])
        r = self.run_exec(url, "printf", r"ok\n", options=["--binary"])
        self.assertExit(r, 0)
        self.assertEqual(self.seen_by(server)[1:], [{"binary": b"ok".hex()}, {"closed": 1000, "reason": ""}])

    def test_a_binary_message_reaches_the_process_as_its_bytes(self):
        out = self.path("got")
        server, url = self.plan_server([["send_binary", "00ff41"], ["send", "t"], ["close", 1000]])
        r = self.run_exec(url, "sh", "-c", f"cat > {out}")
        self.assertExit(r, 0)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), b"\x00\xffA\nt\n")

    def test_line_longer_than_max_size_comes_in_pieces(self):
        server, url = self.plan_server([["recv_all"]])
        r = self.run_exec(url, PYTHON, "-c", "print('x' * 2500)", options=["--max-size", "1000"])
        self.assertExit(r, 0)
        self.assertEqual([len(m) for m in self.received(self.seen_by(server))], [1000, 1000, 500])

    def test_arguments_after_exec_belong_to_the_program(self):
        server, url = self.plan_server([["recv_all"]])
        r = self.run_exec(url, PYTHON, "-u", "-c", "import sys; print(' '.join(sys.argv[1:]))", "--help", "-v",
                          "--exec")
        self.assertExit(r, 0)
        self.assertEqual(self.received(self.seen_by(server)), ["--help -v --exec"])

    # --- the process's end ----------------------------------------------------

    def test_failure_closes_with_1011_and_exits_1(self):
        server, url = self.plan_server([["recv_all"]])
        r = self.run_exec(url, "sh", "-c", "echo before; exit 3")
        self.assertExit(r, 1)
        events = self.seen_by(server)
        self.assertEqual(self.received(events), ["before"])
        self.assertEqual(events[-1], {"closed": 1011, "reason": "process exited with status 3"})
        self.assertEqual(r.stderr.decode().splitlines(), ["wskit: sh exited with status 3"])
        self.assertStdout(r, url, r"^closing \(code 1011\b.*reason: process exited with status 3\)$")

    def test_exec_error_code_is_the_close_code(self):
        server, url = self.plan_server([["recv_all"]])
        r = self.run_exec(url, "sh", "-c", "exit 7", options=["--exec-error-code", "4000"])
        self.assertExit(r, 1)
        self.assertEqual(self.seen_by(server)[-1], {"closed": 4000, "reason": "process exited with status 7"})
        self.assertIn("wskit: sh exited with status 7", r.stderr.decode().splitlines())

    def test_killed_process_closes_with_1011(self):
        server, url = self.plan_server([["recv_all"]])
        r = self.run_exec(url, "sh", "-c", "kill -9 $$")
        self.assertExit(r, 1)
        self.assertEqual(self.seen_by(server)[-1], {"closed": 1011, "reason": "process killed by SIGKILL"})

    # --- the server's end -----------------------------------------------------

    def test_server_close_gives_eof_and_the_connection_status(self):
        # cat ends at EOF: long before --kill-after, in both cases.
        for code, status in ((1000, 0), (1001, 0), (4001, 6)):
            with self.subTest(code=code):
                server, url = self.plan_server([["recv"], ["send", "last"], ["close", code, "bye"]])
                out = self.path(f"cat-{code}")
                start = time.monotonic()
                r = self.run_exec(url, "sh", "-c", f'trap "" TERM; echo $$; exec cat > {out}',
                                  options=["--kill-after", "5"])
                took = time.monotonic() - start
                self.assertExit(r, status)
                events = self.seen_by(server)
                pid = int(events[1]["text"])
                self.assertEqual(events[-1], {"closed": code, "reason": "bye"})  # wskit answered its close
                self.assertFalse(alive(pid), f"cat ({pid}) outlived wskit")
                self.assertLess(took, 4, "EOF did not end cat: a signal did")
                with open(out) as f:
                    self.assertEqual(f.read(), "last\n")  # what came before the close, then EOF
                self.assertStdout(r, url, r"^disconnected \(code %d\b.*reason: bye\)$" % code)

    def test_a_process_that_ignores_eof_and_sigterm_is_killed_after_twice_kill_after(self):
        server, url = self.plan_server([["recv"], ["close", 4001, "bye"]])
        kill_after = 0.5
        start = time.monotonic()
        r = self.run_exec(url, "sh", "-c", 'trap "" TERM; echo $$; cat > /dev/null; echo "stdin ended" >&2; '
                          'exec sleep 60', options=["--kill-after", str(kill_after)])
        took = time.monotonic() - start
        self.assertExit(r, 6)  # the connection's status, not the process's
        pid = int(self.seen_by(server)[1]["text"])
        self.assertFalse(alive(pid), f"the process ({pid}) outlived wskit")
        stderr = r.stderr.decode().splitlines()
        self.assertIn("stdin ended", stderr)  # EOF first
        self.assertIn("wskit: sh killed by SIGKILL", stderr)  # SIGTERM was ignored
        self.assertGreaterEqual(took, 2 * kill_after)
        self.assertLess(took, 2 * kill_after + 3, "wskit waited long after SIGKILL's time")

    def test_sigterm_after_kill_after_ends_a_process_that_ignores_eof(self):
        server, url = self.plan_server([["recv"], ["close", 1000]])
        start = time.monotonic()
        r = self.run_exec(url, "sh", "-c", "echo $$; exec sleep 60", options=["--kill-after", "0.4"])
        took = time.monotonic() - start
        self.assertExit(r, 0)
        self.assertFalse(alive(int(self.seen_by(server)[1]["text"])))
        self.assertIn("wskit: sh killed by SIGTERM", r.stderr.decode().splitlines())
        self.assertGreaterEqual(took, 0.4)
        self.assertLess(took, 0.8 + 2)

    def test_pty_process_gets_a_hangup_when_the_server_closes(self):
        server, url = self.plan_server([["recv"], ["close", 1000]])
        start = time.monotonic()
        r = self.run_exec(url, "sh", "-c", 'trap "echo hangup >&2; exit 0" HUP; '
                          'test -t 0 && test -t 1 && ! test -t 2 && echo terminal; while :; do sleep 0.05; done',
                          options=["--pty", "--kill-after", "5"])
        self.assertExit(r, 0)
        self.assertLess(time.monotonic() - start, 4, "no hangup: SIGTERM ended it")
        self.assertEqual(self.received(self.seen_by(server)), ["terminal"])
        self.assertIn("hangup", r.stderr.decode().splitlines())

    def test_connect_failure_never_runs_the_program(self):
        marker = self.path("ran")
        r = self.run_exec(f"ws://127.0.0.1:{free_port()}/", "sh", "-c", f"touch {marker}")
        self.assertExit(r, 3)
        self.assertIn(b"cannot connect to 127.0.0.1:", r.stderr)
        self.assertFalse(os.path.exists(marker))
        # A handshake refused: the same status as without --exec.
        _, url = self.start_python_peer("py_server.py", "--reject", "403")
        plain = self.wskit("connect", url)
        r = self.run_exec(url, "sh", "-c", f"touch {marker}")
        self.assertNotEqual(plain.returncode, 0)
        self.assertExit(r, plain.returncode)
        self.assertFalse(os.path.exists(marker))

    # --- stderr ---------------------------------------------------------------

    STDERR_PROGRAM = ("sh", "-c", r"echo oops >&2; printf 'esc \033[31mred\n' >&2; echo out")

    def test_stderr_log_is_escaped_on_wskit_stderr(self):
        server, url = self.plan_server([["recv_all"]])
        r = self.run_exec(url, *self.STDERR_PROGRAM)
        self.assertExit(r, 0)
        self.assertEqual(self.received(self.seen_by(server)), ["out"])
        self.assertEqual(r.stderr.decode().splitlines(), ["oops", r"esc \x1b[31mred"])
        r = self.run_exec(url, *self.STDERR_PROGRAM, options=["--exec-stderr", "log"])
        self.assertEqual(r.stderr.decode().splitlines(), ["oops", r"esc \x1b[31mred"])

    def test_stderr_server_sends_it(self):
        server, url = self.plan_server([["recv_all"]])
        r = self.run_exec(url, *self.STDERR_PROGRAM, options=["--exec-stderr", "server"])
        self.assertExit(r, 0)
        # Two pipes: the order between them is not kept.
        self.assertEqual(sorted(self.received(self.seen_by(server))), sorted(["oops", "esc \x1b[31mred", "out"]))
        self.assertEqual(r.stderr, b"")

    def test_stderr_ignore_drops_it(self):
        server, url = self.plan_server([["recv_all"]])
        r = self.run_exec(url, *self.STDERR_PROGRAM, options=["--exec-stderr", "ignore"])
        self.assertExit(r, 0)
        self.assertEqual(self.received(self.seen_by(server)), ["out"])
        self.assertEqual(r.stderr, b"")

    # --- environment ----------------------------------------------------------

    ENV_PROGRAM = ("sh", "-c", 'echo "$WSKIT_URL"; echo "${WSKIT_SUBPROTOCOL-unset}"; echo "$WSKIT_TEST_MARK"')

    def test_environment_has_the_url_and_the_subprotocol(self):
        server, base = self.plan_server([["recv_all"]], subprotocols=["chat"])
        url = base + "feed?room=1&x=two"
        env = dict(os.environ, WSKIT_TEST_MARK="inherited")
        # -s after the URL: see test_subprotocol_before_the_url_takes_the_url.
        r = self.wskit("connect", url, "-s", "other", "-s", "chat", "--exec", *self.ENV_PROGRAM, env=env)
        self.assertExit(r, 0)
        events = self.seen_by(server)
        self.assertEqual(events[0], {"open": "chat", "path": "/feed?room=1&x=two"})
        self.assertEqual(self.received(events), [url, "chat", "inherited"])
        # No subprotocol: set, and empty.
        server, url = self.plan_server([["recv_all"]])
        r = self.run_exec(url, *self.ENV_PROGRAM, env=env)
        self.assertExit(r, 0)
        self.assertEqual(self.received(self.seen_by(server)), [url, "", "inherited"])

    # -s (like -x) takes more than one value, yet "-s chat URL --exec CMD"
    # reads URL as the URL, not as a second subprotocol: the natural order
    # of this command line works.
    def test_subprotocol_before_the_url_takes_the_url(self):
        server, url = self.plan_server([["recv_all"]], subprotocols=["chat"])
        r = self.wskit("connect", "-s", "chat", url, "--exec", "sh", "-c", 'echo "$WSKIT_SUBPROTOCOL"')
        self.assertExit(r, 0)
        self.assertEqual(self.received(self.seen_by(server)), ["chat"])

    # --- what is printed ------------------------------------------------------

    def test_json_output_has_only_the_open_and_the_close(self):
        server, url = self.plan_server([["recv"], ["send", "back"], ["recv"]])
        r = self.run_exec(url, "sh", "-c", "echo hi; read line; echo got $line", options=["--json"])
        self.assertExit(r, 0)
        self.assertEqual(self.received(self.seen_by(server)), ["hi", "got back"])
        events = [json.loads(line) for line in r.stdout.decode().splitlines()]
        self.assertEqual([e["event"] for e in events], ["open", "close"], events)
        self.assertEqual(events[0]["url"], url)
        self.assertEqual((events[1]["code"], events[1]["dir"]), (1000, "out"))

    def test_verbose_shows_the_handshake_and_the_process(self):
        server, url = self.plan_server([["recv_all"]])
        r = self.run_exec(url, "sh", "-c", "echo $$", options=["-v"])
        self.assertExit(r, 0)
        pid = int(self.received(self.seen_by(server))[0])
        stderr = r.stderr.decode().splitlines()
        self.assertIn("> GET / HTTP/1.1", stderr)
        self.assertIn("< HTTP/1.1 101 Switching Protocols", stderr)
        self.assertIn(f"* process {pid} started: {shutil.which('sh')}", stderr)
        self.assertIn("wskit: sh exited with status 0", stderr)
        self.assertStdout(r, url, r"^closing \(code 1000\)$")

    # --- signals --------------------------------------------------------------

    def test_signals_close_with_1001_and_end_the_process(self):
        for signo, status in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
            with self.subTest(signal=signo):
                server, url = self.plan_server([["recv"], ["recv_all"]])
                client = self.exec_process(url, "sh", "-c", 'trap "" TERM; echo $$; exec sleep 60',
                                           options=["--kill-after", "0.3"])
                pid = int(json.loads(server.wait_line(r'^\{"text"', stream="stdout").string)["text"])
                self.assertTrue(alive(pid))
                client.signal(signo)
                self.assertEqual(client.wait(timeout=10), status, client.seen)
                self.assertEqual(self.seen_by(server)[-1], {"closed": 1001, "reason": "going away"})
                self.assertFalse(alive(pid), f"the process ({pid}) outlived wskit")

    # SIGINT (or SIGTERM) gives the process SIGTERM and leaves it
    # --kill-after seconds before SIGKILL, as --kill-after documents: a
    # process that cleans up on SIGTERM gets to.
    def test_sigint_leaves_kill_after_for_the_process_to_end_on_sigterm(self):
        server, url = self.plan_server([["recv"], ["recv_all"]])
        client = self.exec_process(url, "sh", "-c", 'trap "echo got TERM >&2; sleep 0.2; echo cleaned up >&2; exit 0" '
                                   'TERM; echo ready; while :; do sleep 0.05; done', options=["--kill-after", "3"])
        server.wait_line(r'^\{"text": "ready"\}$', stream="stdout")
        client.signal(signal.SIGINT)
        self.assertEqual(client.wait(timeout=10), 130, client.seen)
        self.assertEqual(self.seen_by(server)[-1], {"closed": 1001, "reason": "going away"})
        self.assertNotIn("wskit: sh killed by SIGKILL", client.seen["stderr"])
        self.assertIn("cleaned up", client.seen["stderr"])

    # --- bounded memory -------------------------------------------------------

    # wskit connect uses about 12 to 16 MiB here (13.6 MiB at rest, 15.8 at
    # most while these floods run): 32 MiB is twice that, and far below what
    # it takes to hold the 50 MB of the first flood.
    FLOOD_RSS_BOUND = 32 * MIB

    def test_a_slow_server_stops_a_process_that_writes_50_mb(self):
        lines, width = 50_000, 1000
        server, url = self.plan_server([["count", 1.5]], rcvbuf=4096)
        p = self.start([WSKIT, "connect", url, "--exec", "sh", "-c",
                        f"head -c {lines * width} /dev/zero | tr '\\0' 'a' | fold -w {width}"])
        watch = RssWatch(p.proc.pid)
        self.addCleanup(watch.stop)
        self.assertEqual(p.wait(timeout=60), 0, p.seen)
        peak = watch.stop()
        count = json.loads(server.wait_line(r'^\{"count"', stream="stdout", timeout=15).string)
        self.assertEqual(count, {"count": lines, "bytes": lines * width, "kinds": ["str"],
                                 "sha": sha_of_lines(b"a" * width, lines)})
        self.assertEqual(self.seen_by(server)[-1], {"closed": 1000, "reason": ""})
        self.assertGreater(len(watch.samples), 10)
        if not SANITIZED:
            self.assertLess(peak, self.FLOOD_RSS_BOUND, f"wskit's RSS reached {peak / MIB:.1f} MiB")

    def test_a_slow_process_stops_a_server_that_sends_20_mb(self):
        total, size = 20_000_000, 10_000
        out = self.path("count")
        # The server waits 0.5 s (wskit at rest), then floods and closes; the
        # process reads nothing for 1.5 s.
        server, url = self.plan_server([["sleep", 0.5], ["flood", total, size], ["close", 1000, "done"]])
        p = self.start([WSKIT, "connect", url, "--exec", "sh", "-c", f"sleep 1.5; wc -c > {out}"])
        p.wait_line(r"^connected to ", stream="stdout")
        rest = rss_bytes(p.proc.pid)
        watch = RssWatch(p.proc.pid)
        self.addCleanup(watch.stop)
        self.assertEqual(p.wait(timeout=30), 0, p.seen)
        peak = watch.stop()
        flooded = json.loads(server.wait_line(r'^\{"flooded"', stream="stdout").string)
        # The server could not hand over its 20 MB before the process read:
        # it waited for it (1 s after the flood's start).
        self.assertGreater(flooded["after"], 1.2, flooded)
        with open(out) as f:  # every message reached it, then EOF
            self.assertEqual(int(f.read()), total + total // size)
        if not SANITIZED:
            # Without the pause, most of the 20 MB would be wskit's.
            self.assertLess(peak - rest, 8 * MIB, f"wskit's RSS grew from {rest / MIB:.1f} to {peak / MIB:.1f} MiB")
            self.assertLess(peak, self.FLOOD_RSS_BOUND)

    # A process that exits while wskit has stopped reading its stdout (the
    # server is slow) still has lines in the pipe: all of them are sent,
    # however long the server takes to catch up, before the 1000 close.
    def test_the_last_lines_of_a_process_that_exits_while_paused_are_sent(self):
        server, url = self.plan_server([["count", 3.0]], rcvbuf=4096)
        r = self.run_exec(url, PYTHON, "-c", WRITE_UNTIL_BLOCKED, timeout=30)
        self.assertExit(r, 0)
        wrote = int(re.search(rb"^wrote (\d+)$", r.stderr, re.M).group(1))
        count = json.loads(server.wait_line(r'^\{"count"', stream="stdout", timeout=15).string)
        self.assertEqual(count["count"], wrote, f"{wrote - count['count']} of the process's {wrote} lines were lost")
        self.assertEqual(count["sha"], sha_of_lines(b"x" * 999, wrote))

    # --- refused --------------------------------------------------------------

    def test_refused_combinations_exit_2_with_one_line(self):
        url = f"ws://127.0.0.1:{free_port()}/"
        exclusive = "--exec gives the connection to the program: it takes no --stdio, -x, --reconnect, --count, " \
                    "--once, --until or --keep-open"
        cases = [(["--stdio"], exclusive), (["-x", "hi"], exclusive), (["--count", "2"], exclusive),
                 (["--once"], exclusive), (["--until", "x"], exclusive), (["--keep-open"], exclusive),
                 (["--reconnect"], exclusive),
                 (["--tcp-listen", "0"], "--tcp-listen relays local connections: it takes no "),
                 (["--exec-error-code", "1006"], "--exec-error-code: 1006 (abnormal closure)"),
                 (["--exec-error-code", "1005"], "--exec-error-code: 1005"),
                 (["--exec-error-code", "1015"], "--exec-error-code: 1015"),
                 (["--exec-error-code", "5000"], "--exec-error-code: 5000 is not a close code"),
                 (["--exec-error-code", "soon"], "--exec-error-code: expects a close code"),
                 (["--exec-stderr", "client"], "--exec-stderr: client not in {log,server,ignore}"),
                 (["--kill-after", "-1"], "--kill-after: expects a number of seconds"),
                 (["--max-forks", "2"], "")]
        marker = self.path("ran")
        for args, message in cases:
            with self.subTest(args=args):
                r = self.wskit("connect", url, *args, "--exec", "sh", "-c", f"touch {marker}", timeout=10)
                self.assertExit(r, 2)
                self.assertEqual(r.stdout, b"")
                lines = r.stderr.decode().splitlines()
                self.assertEqual(len(lines), 1, lines)
                self.assertTrue(lines[0].startswith("wskit: " + message), lines[0])
        self.assertFalse(os.path.exists(marker))

    def test_exec_options_need_exec(self):
        url = f"ws://127.0.0.1:{free_port()}/"
        for args in (["--pty"], ["--kill-after", "2"], ["--exec-stderr", "server"], ["--exec-error-code", "4000"]):
            with self.subTest(args=args):
                r = self.wskit("connect", url, *args, timeout=10)
                self.assertExit(r, 2)
                self.assertEqual(r.stderr.decode().splitlines(),
                                 [f"wskit: {args[0]} only applies with --exec CMD (see 'wskit connect --help')"])

    def test_unknown_program_is_a_usage_error_before_connecting(self):
        record = self.path("requests.jsonl")
        _, url = self.start_python_peer("py_server.py", "--record", record)
        for program, message in (("no-such-program-wskit", "'no-such-program-wskit' is not an executable program"),
                                 ("/etc/passwd", "'/etc/passwd' is not an executable program")):
            with self.subTest(program=program):
                r = self.run_exec(url, program, timeout=10)
                self.assertExit(r, 2)
                self.assertIn(message, r.stderr.decode())
                self.assertEqual(r.stdout, b"")
        self.assertFalse(os.path.exists(record), "wskit connected anyway")
        r = self.wskit("connect", url, "--exec", timeout=10)
        self.assertExit(r, 2)
        self.assertIn(b"--exec needs the program to run", r.stderr)
        # The URL after --exec is the program's: then there is no URL.
        r = self.wskit("connect", "--exec", "cat", url, timeout=10)
        self.assertExit(r, 2)


if __name__ == "__main__":
    main()
