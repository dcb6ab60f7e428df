"""wskit listen --exec: one process per client (websocketd's model), driven
by Python websockets and Node ws clients and by wskit connect. Processes are
watched through /proc: the children of the wskit process
(/proc/PID/task/*/children), and every process of a child's process group."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import textwrap
import time

from harness import NODE, PEERS, PYTHON, SANITIZED, CertsTestCase, TestCase, main, rss_bytes


def children_of(pid):
    """The pids of pid's children, zombies included."""
    found = set()
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found.update(int(p) for p in f.read().split())
    except FileNotFoundError:
        pass
    return found


def group_members(pgid):
    """The pids of the processes of process group pgid, zombies included
    (wskit reaps its processes' orphans too, as their subreaper)."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[2]) == pgid:
            found.add(int(entry))
    return found


def alive(pid):
    """Whether pid is a running process (a zombie is not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def group_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[2])


def wait_until(predicate, timeout, what):
    """Polls predicate() (a state of /proc, which sends no event) until true;
    returns the seconds it took."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{what} not within {timeout} s")
        time.sleep(0.02)
    return time.monotonic() - start


class ListenExec(TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wskit-exec-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def script(self, name, body):
        """Writes a Python script into the test's folder; returns its path."""
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(textwrap.dedent(body))
        return path

    def serve(self, *exec_args, options=(), env=None):
        server, url = self.start_wskit_server("listen", *options, "0", "--exec", *exec_args, env=env)
        return server, url

    def client(self, lang, url, plan, *headers):
        if lang == "py":
            args = [PYTHON, os.path.join(PEERS, "py_exec_client.py"), url, json.dumps(plan), *headers]
        else:
            args = [NODE, os.path.join(PEERS, "node_exec_client.cjs"), url, json.dumps(plan)]
        return self.start(args)

    def run_client(self, lang, url, plan, *headers, timeout=30):
        """Runs a client to completion; returns its JSON lines."""
        p = self.client(lang, url, plan, *headers)
        try:
            code = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail(f"{lang} client did not finish: {p.seen}")
        for t in p._threads:
            t.join(timeout=5)
        self.assertEqual(code, 0, f"{lang} client failed: {p.seen}")
        return [json.loads(line) for line in p.seen["stdout"]]

    def received(self, lines):
        return [l.get("text", l.get("binary")) for l in lines if "text" in l or "binary" in l]

    # --- the bridge ----------------------------------------------------------

    def check_cat(self, lang):
        server, url = self.serve("cat")
        lines = self.run_client(lang, url, [["send", "hello"], ["recv"], ["send", "héllo ✓ again"], ["recv"],
                                            ["close"]])
        self.assertIn({"text": "hello"}, lines)
        self.assertIn({"text": "héllo ✓ again"}, lines)
        self.assertEqual(self.received(lines), ["hello", "héllo ✓ again"])
        server.wait_line(r"^#1 connected from 127\.0\.0\.1:\d+ to /", "stdout")
        server.wait_line(r"^#1 disconnected", "stdout")
        # cat ends on EOF at once: nothing is left, and no zombie.
        wait_until(lambda: not children_of(server.proc.pid), 3, "cat's exit")

    def test_cat_with_python_client(self):
        self.check_cat("py")

    def test_cat_with_node_client(self):
        self.check_cat("node")

    def test_cat_with_wskit_connect_and_distinct_processes(self):
        server, url = self.serve("cat")
        first = self.wskit("connect", url, input="one\ntwo\n")
        self.assertExit(first, 0)
        self.assertEqual(first.stdout.decode().split(), ["one", "two"])
        second = self.wskit("connect", url, input="three\n")
        self.assertExit(second, 0)
        self.assertEqual(second.stdout.decode().split(), ["three"])
        server.wait_line(r"^#2 connected", "stdout")

    def test_environment_carries_the_request(self):
        script = self.script("env.py", """
            import json, os
            print(json.dumps(dict(os.environ)))
        """)
        env = dict(os.environ, WSKIT_TEST_SECRET="do-not-pass", PATH=os.environ.get("PATH", "/usr/bin:/bin"))
        server, url = self.serve(PYTHON, script, env=env)
        port = int(url.rsplit(":", 1)[1].strip("/"))
        lines = self.run_client("py", url + "some/path?x=1&y=two%20words", [["wait_close"]],
                                "X-Custom-Thing: custom value", "User-Agent: exec-test/1.0")
        local_port = lines[0]["local_port"]
        got = json.loads(self.received(lines)[0])
        self.assertEqual(lines[-1], {"closed": 1000, "reason": ""})
        expected = {
            "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_PORT": str(local_port),
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(port),
            "REQUEST_URI": "/some/path?x=1&y=two%20words",
            "PATH_INFO": "/some/path",
            "QUERY_STRING": "x=1&y=two%20words",
            "HTTP_X_CUSTOM_THING": "custom value",
            "HTTP_USER_AGENT": "exec-test/1.0",
            "WSKIT_CONN_ID": "1",
            "REQUEST_METHOD": "GET",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SCHEME": "ws",
        }
        self.assertEqual({k: got.get(k) for k in expected}, expected)
        self.assertEqual(got.get("HTTP_HOST"), f"127.0.0.1:{port}")
        self.assertTrue(got.get("SERVER_SOFTWARE", "").startswith("wskit/"))
        self.assertIn("HTTP_SEC_WEBSOCKET_KEY", got)
        self.assertEqual(got.get("PATH"), env["PATH"])
        self.assertNotIn("WSKIT_TEST_SECRET", got)
        self.assertNotIn("HTTPS", got)

    def test_process_exit_closes_with_1000_after_its_last_lines(self):
        _, url = self.serve("sh", "-c", "echo first; echo last")
        for lang in ("py", "node"):
            lines = self.run_client(lang, url, [["wait_close"]])
            self.assertEqual(self.received(lines), ["first", "last"], lang)
            self.assertEqual(lines[-1]["closed"], 1000, lang)

    def test_nonzero_exit_closes_with_1011(self):
        server, url = self.serve("sh", "-c", "echo before; exit 3")
        lines = self.run_client("py", url, [["wait_close"]])
        self.assertEqual(self.received(lines), ["before"])
        self.assertEqual(lines[-1], {"closed": 1011, "reason": "process exited with status 3"})
        server.wait_line(r"^wskit: #1: sh exited with status 3$")

    def test_killed_process_closes_with_1011(self):
        _, url = self.serve("sh", "-c", "kill -9 $$")
        lines = self.run_client("node", url, [["wait_close"]])
        self.assertEqual(lines[-1], {"closed": 1011, "reason": "process killed by SIGKILL"})

    def test_stderr_lines_are_prefixed_with_the_id_and_escaped(self):
        server, url = self.serve("sh", "-c", r"echo oops >&2; printf 'esc \033[31mred\n' >&2; echo out")
        lines = self.run_client("py", url, [["wait_close"]])
        self.assertEqual(self.received(lines), ["out"])
        server.wait_line(r"^#1 oops$")
        server.wait_line(r"^#1 esc \\x1b\[31mred$")

    def test_binary_flag_and_lines_that_are_not_utf8(self):
        _, url = self.serve("cat", options=["--binary"])
        lines = self.run_client("py", url, [["send", "hi"], ["recv"], ["close"]])
        self.assertIn({"binary": b"hi".hex()}, lines)
        # Without --binary, a line that is not UTF-8 still arrives, as binary.
        _, url = self.serve("printf", r"ok\n\377\376\n")
        lines = self.run_client("py", url, [["wait_close"]])
        self.assertEqual(lines[1:], [{"text": "ok"}, {"binary": "fffe"}, {"closed": 1000, "reason": ""}])

    def test_line_longer_than_max_size_comes_in_pieces(self):
        _, url = self.serve(PYTHON, "-c", "print('x' * 2500)", options=["--max-size", "1000"])
        lines = self.run_client("py", url, [["wait_close"]])
        self.assertEqual([len(m) for m in self.received(lines)], [1000, 1000, 500])

    def test_arguments_after_exec_belong_to_the_program(self):
        # -u and -c are python's, --help the script's: none is wskit's.
        _, url = self.serve(PYTHON, "-u", "-c", "import sys; print(' '.join(sys.argv[1:]))", "--help", "9000")
        lines = self.run_client("py", url, [["wait_close"]])
        self.assertEqual(self.received(lines), ["--help 9000"])

    # --- ending processes ----------------------------------------------------

    def test_client_leaving_ends_a_process_that_ignores_eof(self):
        # Ignores EOF and SIGTERM alike, and leaves a child of its own in its
        # group: only SIGKILL ends them, kill-after after SIGTERM.
        script = self.script("stubborn.py", """
            import signal, subprocess, time
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            subprocess.Popen(["sleep", "60"])
            print("ready", flush=True)
            while True:
                time.sleep(1)
        """)
        server, url = self.serve(PYTHON, script, options=["--kill-after", "0.3"])
        client = self.client("py", url, [["recv"], ["close"]])
        client.wait_line(r'"ready"', "stdout")
        (child,) = children_of(server.proc.pid)
        self.assertEqual(len(group_members(child)), 2)  # the script and its sleep
        client.wait_line(r'"left"', "stdout")
        # The bound only catches a hang (a loaded machine reaps late); the
        # lower one below is what is checked.
        took = wait_until(lambda: not children_of(server.proc.pid), 0.3 + 5, "the process's end")
        self.assertGreater(took, 0.3)  # SIGTERM was ignored: SIGKILL did it
        wait_until(lambda: not group_members(child), 5, "the end of its process group")
        server.wait_line(r"^#1 disconnected", "stdout")

    def test_client_leaving_sends_sigterm_after_kill_after(self):
        server, url = self.serve("sleep", "60", options=["--kill-after", "0.5"])
        client = self.client("node", url, [["close"]])
        client.wait_line(r'"left"', "stdout")
        left = time.monotonic()
        wait_until(lambda: not children_of(server.proc.pid), 0.5 + 5, "sleep's end")
        self.assertGreater(time.monotonic() - left, 0.4)  # EOF alone does not end sleep

    def test_sigterm_to_wskit_leaves_no_process(self):
        server, url = self.serve("sh", "-c", "trap '' TERM; echo ready; sleep 60 & wait",
                                 options=["--kill-after", "0.3"])
        clients = [self.client(lang, url, [["recv"], ["wait_close"]]) for lang in ("py", "node")]
        for c in clients:
            c.wait_line(r'"ready"', "stdout")
        kids = children_of(server.proc.pid)
        self.assertEqual(len(kids), 2)
        server.signal(signal.SIGTERM)
        self.assertEqual(server.wait(timeout=5), 143)
        for c in clients:
            c.wait_line(r'"closed": ?1001', "stdout")
        for kid in kids:
            self.assertFalse(os.path.exists(f"/proc/{kid}"), f"process {kid} outlived wskit")
            self.assertEqual(group_members(kid), set(), f"the group of {kid} outlived wskit")

    # A daemon of the script's own: setsid takes it out of the session and
    # process group that signals to the group reach. It prints its pid.
    DAEMON = 'setsid sleep 1000 & echo "$!"; exec '

    def start_daemon(self, *program, options=()):
        server, url = self.serve("sh", "-c", self.DAEMON + " ".join(program), options=options)
        client = self.client("py", url, [["recv"], ["wait_close"]])
        daemon = int(json.loads(client.wait_line(r'"text"', "stdout").string)["text"])
        (child,) = children_of(server.proc.pid)
        self.assertTrue(alive(daemon))
        # Out of the group indeed, once setsid has run.
        wait_until(lambda: group_of(daemon) != group_of(child), 3, "the daemon's setsid")
        return server, client, daemon

    def test_a_setsid_daemon_ends_when_its_client_leaves(self):
        server, client, daemon = self.start_daemon("cat")
        client.stop()  # the client leaves; cat ends on EOF
        wait_until(lambda: not alive(daemon), 3, "the daemon's end")
        wait_until(lambda: not children_of(server.proc.pid), 3, "cat's end")

    def test_a_setsid_daemon_of_a_process_that_ignores_eof_ends_with_it(self):
        server, client, daemon = self.start_daemon("sleep", "60", options=["--kill-after", "0.2"])
        client.stop()
        wait_until(lambda: not alive(daemon), 3, "the daemon's end")

    def test_a_setsid_daemon_ends_on_sigterm_to_wskit(self):
        server, client, daemon = self.start_daemon("cat")
        server.signal(signal.SIGTERM)
        self.assertEqual(server.wait(timeout=5), 143)
        # Killed before wskit exits; SIGKILL takes effect when it next runs.
        wait_until(lambda: not alive(daemon), 3, f"the end of the daemon {daemon}")

    # --- --exec-stderr -------------------------------------------------------

    def test_exec_stderr_client_bridges_a_repl(self):
        # python3 -i writes its prompts and tracebacks on stderr: a client of
        # an interpreter needs them.
        server, url = self.serve(PYTHON, "-q", "-u", "-i", options=["--exec-stderr", "client"])
        lines = self.run_client("py", url, [["send", "print(6 * 7)"], ["send", "1/0"], ["send", "exit()"],
                                            ["wait_close"]])
        got = self.received(lines)
        self.assertIn("42", got)
        self.assertTrue(any(l.endswith("ZeroDivisionError: division by zero") for l in got), got)
        self.assertEqual(lines[-1]["closed"], 1000)
        self.assertFalse([l for l in server.seen["stderr"] if "ZeroDivisionError" in l])

    def test_exec_stderr_ignore_drops_it(self):
        server, url = self.serve("sh", "-c", "echo oops >&2; echo out", options=["--exec-stderr", "ignore"])
        lines = self.run_client("py", url, [["wait_close"]])
        self.assertEqual(self.received(lines), ["out"])
        server.signal(signal.SIGTERM)
        server.wait()
        self.assertFalse([l for l in server.seen["stderr"] if "oops" in l], server.seen["stderr"])

    # --- the environment holds no forged line -------------------------------

    def test_control_characters_of_the_request_do_not_reach_the_environment(self):
        import rawws
        server, url = self.serve("sh", "-c", "env")
        port = int(url.rsplit(":", 1)[1].strip("/"))
        conn = rawws.connect(port)
        self.addCleanup(conn.close)
        conn.send(rawws.upgrade_request(f"127.0.0.1:{port}", "/a%0AFORGED_PATH=1%0d",
                                        headers={"X-Note": "one\rFORGED_HEADER=1"}))
        start, _, _ = conn.read_http_head()
        self.assertIn(" 101 ", start)
        lines = []
        while True:
            f = conn.read_frame()
            if f.opcode == rawws.CLOSE:
                break
            lines.append(f.payload.decode())
        names = [l.split("=", 1)[0] for l in lines]
        self.assertNotIn("FORGED_PATH", names)
        self.assertNotIn("FORGED_HEADER", names)
        self.assertIn("PATH_INFO=/a%0AFORGED_PATH=1%0d", lines)
        self.assertIn("HTTP_X_NOTE=one FORGED_HEADER=1", lines)

    # --- --max-forks ---------------------------------------------------------

    def test_max_forks_refuses_with_503(self):
        server, url = self.serve("cat", options=["--max-forks", "1"])
        first = self.client("py", url, [["send", "x"], ["recv"], ["wait_close"]])
        first.wait_line(r'"text": "x"', "stdout")
        self.assertEqual(self.run_client("py", url, []), [{"status": 503}])
        self.assertEqual(self.run_client("node", url, []), [{"status": 503}])
        server.wait_line(r"^wskit: refused a client from 127\.0\.0\.1:\d+: 1 processes running \(--max-forks\)")
        first.stop()
        wait_until(lambda: not children_of(server.proc.pid), 3, "the first process's end")
        # children_of() finds none in a server that is gone: say so, and how.
        self.assertIsNone(server.proc.poll(), f"wskit listen ended with {server.proc.returncode}: "
                                              f"stderr={server.seen['stderr'][-10:]!r}")
        lines = self.run_client("py", url, [["send", "again"], ["recv"], ["close"]])
        self.assertIn({"text": "again"}, lines)

    # --- --pty ---------------------------------------------------------------

    UNFLUSHED = """
        import sys
        # No flush: into a pipe, this output waits for 8 KiB or the exit.
        for line in sys.stdin:
            print(line.rstrip("\\n").upper())
        print("bye")
    """

    def test_pty_answers_line_by_line(self):
        script = self.script("upper.py", self.UNFLUSHED)
        server, url = self.serve(PYTHON, script, options=["--pty", "--kill-after", "10"])
        for lang in ("py", "node"):
            lines = self.run_client(lang, url, [["send", "abc"], ["recv"], ["send", "déf\x03"], ["recv"], ["close"]])
            # No echo of the input, no CR, ^C is data.
            self.assertEqual(self.received(lines), ["ABC", "DÉF\x03"], lang)
        # Leaving hangs up the terminal: the script ends long before SIGTERM.
        wait_until(lambda: not children_of(server.proc.pid), 3, "the scripts' end on hangup")

    def test_without_pty_the_same_script_does_not_answer(self):
        # The control for the test above: the pain --pty removes.
        script = self.script("upper.py", self.UNFLUSHED)
        _, url = self.serve(PYTHON, script)
        client = self.client("py", url, [["send", "abc"], ["recv"]])
        client.wait_line(r'"sent"', "stdout")
        with self.assertRaises(AssertionError):
            client.wait_line(r'"text"', "stdout", timeout=1.5)

    def test_pty_process_gets_its_stderr_apart(self):
        _, url = self.serve("sh", "-c", "test -t 0 && test -t 1 && ! test -t 2 && echo terminal", options=["--pty"])
        lines = self.run_client("py", url, [["wait_close"]])
        self.assertEqual(self.received(lines), ["terminal"])
        self.assertEqual(lines[-1]["closed"], 1000)

    # --- bounded memory ------------------------------------------------------

    def test_client_that_does_not_read_pauses_the_process(self):
        import rawws
        server, url = self.serve("yes", "a fairly long line of output to fill the socket")
        port = int(url.rsplit(":", 1)[1].strip("/"))
        conn = rawws.ws_connect(port, rcvbuf=4096)  # handshakes, then never reads
        self.addCleanup(conn.close)
        server.wait_line(r"^#1 connected", "stdout")
        time.sleep(2)  # what is measured: memory after `yes` had time to flood
        if not SANITIZED:
            self.assertLess(rss_bytes(server.proc.pid), 64 << 20)
        (child,) = children_of(server.proc.pid)
        with open(f"/proc/{child}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        self.assertEqual(state, "S")  # blocked on its writes, not spinning

    def test_process_that_does_not_read_pauses_its_client(self):
        server, url = self.serve("sleep", "60")
        client = self.client("py", url, [["flood", 3, 64 << 10]])
        flooded = json.loads(client.wait_line(r'"flooded"', "stdout", timeout=15).string)["flooded"]
        # Without the pause, loopback takes gigabytes in 3 s; with it, the
        # socket buffers, a read buffer and the 1 MiB stdin queue.
        self.assertLess(flooded, 48 << 20)
        if not SANITIZED:
            self.assertLess(rss_bytes(server.proc.pid), 64 << 20)
        self.assertEqual(len(children_of(server.proc.pid)), 1)

    def test_json_output_has_the_connection_events(self):
        server, url = self.serve("cat", options=["--json"])
        self.run_client("node", url, [["send", "x"], ["recv"], ["close"]])
        opened = json.loads(server.wait_line(r'"event":\s*"open"', "stdout").string)
        closed = json.loads(server.wait_line(r'"event":\s*"close"', "stdout").string)
        self.assertEqual((opened["conn"], closed["conn"], closed["code"]), (1, 1, 1000))

    # --- bad paths -----------------------------------------------------------

    def test_unknown_program_is_a_usage_error(self):
        r = self.wskit("listen", "0", "--exec", "no-such-program-wskit")
        self.assertExit(r, 2)
        self.assertIn(b"'no-such-program-wskit' is not an executable program in PATH", r.stderr)
        r = self.wskit("listen", "0", "--exec", "/etc/passwd")
        self.assertExit(r, 2)

    def test_exec_options_need_exec(self):
        for args in (["--pty"], ["--kill-after", "2"], ["--max-forks", "3"]):
            r = self.wskit("listen", "0", *args)
            self.assertExit(r, 2)
            self.assertIn(b"only applies with --exec CMD", r.stderr)

    def test_the_address_after_exec_goes_to_the_program_and_is_said(self):
        r = self.wskit("listen", "--exec", "cat", "9120")
        self.assertExit(r, 2)
        self.assertEqual(r.stderr.decode().splitlines(), [
            "wskit: --exec takes the rest of the command line (the program and its arguments), so '9120' went to "
            "the program: give the address first, as in 'wskit listen 9120 --exec cat' (see 'wskit listen --help')"])
        r = self.wskit("listen", "9120", "--exec")
        self.assertExit(r, 2)
        self.assertEqual(r.stderr.decode().splitlines(), [
            "wskit: --exec needs the program to run, with its arguments after it: wskit listen 9000 --exec CMD "
            "[ARGS...] (see 'wskit listen --help')"])
        r = self.wskit("listen")
        self.assertExit(r, 2)
        self.assertIn(b"listen needs the address to listen on, [HOST:]PORT", r.stderr)

    def test_bad_values(self):
        for args in (["--kill-after", "-1"], ["--kill-after", "soon"], ["--max-forks", "-2"]):
            r = self.wskit("listen", "0", *args, "--exec", "cat")
            self.assertExit(r, 2)
        r = self.wskit("listen", "0", "--exec")
        self.assertExit(r, 2)


class ListenExecTls(CertsTestCase):
    def test_wss_sets_scheme_and_https(self):
        env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
        _, url = self.start_wskit_server("listen", "--cert", self.certs.server_cert, "--key", self.certs.server_key,
                                         "0", "--exec", "sh", "-c", 'echo "$SCHEME $HTTPS $SERVER_PORT"', env=env)
        r = self.wskit("connect", url, "--ca", self.certs.ca, env=env)
        self.assertExit(r, 0)
        port = url.rsplit(":", 1)[1].strip("/")
        self.assertEqual(r.stdout.decode().strip(), f"wss on {port}")


if __name__ == "__main__":
    main()
