"""Every server on a Unix-domain socket (unix:PATH as its address, issue #24):
echo, listen (plain, --exec, --to), broadcast-chat, handshake-inspect
--listen and proxy, with peers nobody here wrote (Node ws's ws+unix:// URLs,
Python websockets' unix_connect), TLS over the socket, the socket file's
mode whatever the umask (and that it keeps other users out), its removal on
SIGINT and SIGTERM, a stale file replaced, one in use, a file that is not a
socket left alone, the usage errors, and clients named unix:uid=N,pid=M.
Every socket is made in a fresh temporary folder of its test."""
import asyncio
import json
import os
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import tempfile
import threading

import websockets

from harness import NODE, PEERS, PYTHON, SOURCE_DIR, WSKIT, TestCase, main

UID = os.getuid()

# What each server needs around its address: handshake-inspect takes it as
# --listen's value, proxy an upstream after it (never reached unless a
# client comes, so a closed port does for the tests that have none).
SERVERS = ("echo", "listen", "broadcast-chat", "handshake-inspect", "proxy")
NOWHERE = "ws://127.0.0.1:9/"


def server_args(name, address, *extra, upstream=NOWHERE, tail=()):
    if name == "handshake-inspect":
        return [name, *extra, "--listen", address, *tail]
    if name == "proxy":
        return [name, *extra, address, upstream, *tail]
    return [name, *extra, address, *tail]


def node_env():
    env = dict(os.environ)
    env.setdefault("NODE_PATH", os.path.join(SOURCE_DIR, "build", "npm", "node_modules"))
    return env


def run(coro, timeout=20):
    """Runs a coroutine of the test's own Python websockets client."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def unix_connect(path, uri="ws://localhost/py", **kw):
    return websockets.unix_connect(path, uri, open_timeout=5, close_timeout=2, ping_interval=None,
                                   compression=None, max_size=None, **kw)


async def exchange(path, messages, uri="ws://localhost/py", **kw):
    """Sends each message in turn and returns the reply to each."""
    async with unix_connect(path, uri, **kw) as ws:
        replies = []
        for m in messages:
            await ws.send(m)
            replies.append(await asyncio.wait_for(ws.recv(), 10))
        return replies


async def until_message(ws, pattern):
    """Reads messages until a text one matches `pattern` (a regex)."""
    import re
    seen = []
    while True:
        try:
            m = await asyncio.wait_for(ws.recv(), 10)
        except asyncio.TimeoutError:
            raise AssertionError(f"no message matching {pattern!r} within 10 s; got {seen!r}")
        seen.append(m)
        if isinstance(m, str) and re.search(pattern, m):
            return m


class UnixCase(TestCase):
    def tmpdir(self):
        d = tempfile.mkdtemp(prefix="wskit-unix-")
        self.addCleanup(shutil.rmtree, d, True)
        return d

    def socket_path(self, name="s.sock"):
        return os.path.join(self.tmpdir(), name)

    def serve(self, name, path, *extra, upstream=NOWHERE, tail=(), **kw):
        """Starts server `name` on unix:path (`tail` after the address);
        checks the URL it prints and the socket file."""
        p, url = self.start_wskit_server(*server_args(name, f"unix:{path}", *extra, upstream=upstream, tail=tail),
                                         **kw)
        self.assertEqual(url, f"ws+unix://{path}:/")
        self.assertTrue(stat.S_ISSOCK(os.lstat(path).st_mode), f"{path} is not a socket")
        return p, url

    def node_client(self, url, until, *messages):
        """peers/node_unix_client.cjs to completion; its JSON lines (the
        first one {"pid": ...}), after checking it closed with 1000."""
        r = subprocess.run([NODE, os.path.join(PEERS, "node_unix_client.cjs"), url, str(until), *messages],
                           capture_output=True, timeout=30, env=node_env(), start_new_session=True)
        lines = [json.loads(l) for l in r.stdout.decode().splitlines() if l.startswith("{")]
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual([l for l in lines if "error" in l], [], r)
        self.assertEqual(lines[-1], {"closed": 1000}, r)
        return lines


class Peers(UnixCase):
    """Each server answers Node ws and Python websockets over the socket."""

    def test_echo_answers_node_ws_and_python_websockets(self):
        path = self.socket_path("echo.sock")
        _, url = self.serve("echo", path)
        lines = self.node_client(url + "node", 2, "héllo ✓ from node", "hex:00ff7f80")
        self.assertEqual(lines[2:4], [{"message": "héllo ✓ from node"}, {"binary": "00ff7f80"}])
        big = os.urandom(1024 * 1024)  # more than a socket buffer either way
        sent = ["héllo ✓ from python", b"\x00\xff\x80", "", big]
        self.assertEqual(run(exchange(path, sent)), sent)

    def test_listen_names_each_client_by_its_uid_and_pid(self):
        path = self.socket_path("listen.sock")
        server, url = self.serve("listen", path, "--json", stdin=subprocess.PIPE)
        self.addCleanup(server.proc.stdin.close)

        def event(kind):
            """The next event of `kind` from a client (not one listen sent)."""
            while True:
                e = json.loads(server.wait_line(rf'^\{{"event":"{kind}".*', stream="stdout").group(0))
                if e.get("dir", "in") == "in":
                    return e

        async def python_client():
            async with unix_connect(path, "ws://localhost/py?q=1") as ws:
                opened = event("open")
                server.proc.stdin.write(b"to python\n")
                server.proc.stdin.flush()
                reply = await asyncio.wait_for(ws.recv(), 10)
                await ws.send("from python")
                return opened, reply

        opened, reply = run(python_client())
        # The pid is this test's process: the client's, as the kernel gives it.
        self.assertEqual(opened["peer"], f"unix:uid={UID},pid={os.getpid()}", opened)
        self.assertEqual(opened["url"], "ws://localhost/py?q=1", opened)
        self.assertEqual(reply, "to python")
        self.assertEqual(event("message")["text"], "from python")
        self.assertEqual(event("close")["code"], 1000)

        lines = self.node_client(url + "node", 0, "from node")
        opened = event("open")
        self.assertEqual(opened["peer"], f"unix:uid={UID},pid={lines[0]['pid']}", opened)
        self.assertNotEqual(lines[0]["pid"], os.getpid())
        message = event("message")
        self.assertEqual((message["conn"], message["text"]), (opened["conn"], "from node"))

    def test_broadcast_chat_relays_between_node_and_python(self):
        path = self.socket_path("chat.sock")
        server, url = self.serve("broadcast-chat", path)

        async def body():
            async with unix_connect(path, "ws://localhost/room") as ws:
                await until_message(ws, r"^\* you are guest-1 in /room")
                node = self.start([NODE, os.path.join(PEERS, "node_unix_client.cjs"), url + "room",
                                   r"^guest-1: hello from python$", "hello from node"], env=node_env())
                await until_message(ws, r"^guest-2: hello from node$")
                await ws.send("hello from python")
                return node

        node = run(body())
        self.assertEqual(node.wait(timeout=15), 0, node.seen)
        lines = [json.loads(l) for l in node.seen["stdout"]]
        self.assertIn({"message": "guest-1: hello from python"}, lines)
        self.assertEqual(lines[-1], {"closed": 1000})
        server.wait_line(r"^#2 /room guest-2: hello from node$", stream="stdout")
        server.wait_line(r"^#1 /room guest-1: hello from python$", stream="stdout")

    def test_handshake_inspect_listen_shows_the_request_and_who_sent_it(self):
        path = self.socket_path("inspect.sock")
        server, url = self.serve("handshake-inspect", path)
        pid = self.node_client(url + "ins?q=1", 0)[0]["pid"]
        server.wait_line(rf"^request #1 from unix:uid={UID},pid={pid}$", stream="stdout")
        server.wait_line(r"^  > GET /ins\?q=1 HTTP/1\.1$", stream="stdout")
        server.wait_line(r"^  > Host: localhost$", stream="stdout")
        run(exchange(path, [], uri="ws://named.example/second"))
        server.wait_line(rf"^request #2 from unix:uid={UID},pid={os.getpid()}$", stream="stdout")
        server.wait_line(r"^  > GET /second HTTP/1\.1$", stream="stdout")
        server.wait_line(r"^  > Host: named\.example$", stream="stdout")

    def test_proxy_on_a_unix_socket_forwards_to_a_tcp_upstream(self):
        _, upstream = self.start_python_peer("py_echo_server.py")
        path = self.socket_path("proxy.sock")
        server, url = self.serve("proxy", path, upstream=upstream)
        sent = ["through the proxy", b"\x01\x02\xfe"]
        self.assertEqual(run(exchange(path, sent, uri="ws://localhost/py")), sent)
        server.wait_line(rf"^#1 C: connected from unix:uid={UID},pid={os.getpid()} to /py$", stream="stdout")
        lines = self.node_client(url + "node", 1, "from node")
        self.assertEqual(lines[2], {"message": "from node"})
        server.wait_line(rf"^#2 C: connected from unix:uid={UID},pid={lines[0]['pid']} to /node$", stream="stdout")

    def test_tls_over_the_socket(self):
        from certs import Certs
        certs = Certs(self.tmpdir())
        path = self.socket_path("tls.sock")
        p, url = self.start_wskit_server("echo", "--cert", certs.server_cert, "--key", certs.server_key,
                                         f"unix:{path}")
        self.assertEqual(url, f"wss+unix://{path}:/")
        context = ssl.create_default_context(cafile=certs.ca)
        got = run(exchange(path, ["secret ✓", b"\x00"], uri="wss://localhost/tls", ssl=context,
                           server_hostname="localhost"))
        self.assertEqual(got, ["secret ✓", b"\x00"])
        r = self.wskit("connect", "--ca", certs.ca, url + "w", "-x", "over tls")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"over tls\n")
        r = self.wskit("connect", url, "-x", "x")  # the test CA is not trusted
        self.assertExit(r, 4)
        self.assertIn(b"TLS verification of localhost failed", r.stderr)
        # A client that does not speak TLS gets no WebSocket.
        with self.assertRaises(Exception):
            run(exchange(path, ["plain"]), timeout=10)
        self.assertIsNone(p.proc.poll())

    def test_listen_exec_gets_remote_addr(self):
        path = self.socket_path("exec.sock")
        self.serve("listen", path, tail=["--exec", "sh", "-c", 'echo "$REMOTE_ADDR"; read line; echo "got $line"'])

        async def body():
            async with unix_connect(path) as ws:
                first = await asyncio.wait_for(ws.recv(), 10)
                await ws.send("ping")
                return first, await asyncio.wait_for(ws.recv(), 10)

        self.assertEqual(run(body()), (f"unix:uid={UID}", "got ping"))

    def test_listen_to_relays_a_unix_client_to_a_unix_service(self):
        d = self.tmpdir()
        service_path = os.path.join(d, "service.sock")
        service = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(service.close)
        service.bind(service_path)
        service.listen(4)

        def echo_once():
            try:
                conn, _ = service.accept()
            except OSError:
                return
            with conn:
                while data := conn.recv(65536):
                    conn.sendall(data)
        threading.Thread(target=echo_once, daemon=True).start()

        path = os.path.join(d, "to.sock")
        self.serve("listen", path, "--to", f"unix:{service_path}")
        self.assertEqual(run(exchange(path, [b"\x00bytes\xff"])), [b"\x00bytes\xff"])


class SocketFile(UnixCase):
    """The file: its mode, its removal, and what is at the path already."""

    def start_with_umask(self, umask, args):
        return self.start_server(["sh", "-c", f'umask {umask} && exec "$0" "$@"', WSKIT, *args])

    def test_the_mode_is_600_or_socket_mode_whatever_the_umask(self):
        started = []
        for name in SERVERS:
            for umask, extra, mode in (("000", [], 0o600), ("000", ["--socket-mode", "660"], 0o660),
                                       ("077", ["--socket-mode", "0666"], 0o666)):
                path = self.socket_path(f"{name}.sock")
                self.start_with_umask(umask, server_args(name, f"unix:{path}", *extra))
                started.append((name, umask, extra, path, mode))
        for name, umask, extra, path, mode in started:
            with self.subTest(name=name, umask=umask, extra=extra):
                st = os.lstat(path)
                self.assertTrue(stat.S_ISSOCK(st.st_mode))
                self.assertEqual(oct(stat.S_IMODE(st.st_mode)), oct(mode))

    @staticmethod
    def as_nobody(script, *args):
        """Runs Python `script` as uid and gid 65534, without root's groups."""
        return subprocess.run([PYTHON, "-c", script, *args], capture_output=True, timeout=30,
                              user=65534, group=65534, extra_groups=[])

    def test_the_mode_keeps_other_users_out_and_names_those_let_in(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to run a client as another user")
        d = self.tmpdir()
        os.chmod(d, 0o755)
        private, group, open_ = (os.path.join(d, n) for n in ("private.sock", "group.sock", "open.sock"))
        self.serve("echo", private)
        self.serve("echo", group, "--socket-mode", "660")
        server, _ = self.serve("listen", open_, "--json", "--socket-mode", "666")
        script = (
            "import asyncio, errno, json, os, socket, sys, websockets\n"
            "for path in sys.argv[1:3]:\n"
            "    s = socket.socket(socket.AF_UNIX)\n"
            "    try:\n"
            "        s.connect(path); print(json.dumps({path: 'connected'}))\n"
            "    except OSError as e:\n"
            "        print(json.dumps({path: errno.errorcode[e.errno]}))\n"
            "async def talk():\n"
            "    async with websockets.unix_connect(sys.argv[3], 'ws://localhost/nobody') as ws:\n"
            "        await ws.send('from nobody')\n"
            "asyncio.run(talk())\n"
            "print(json.dumps({'pid': os.getpid()}))\n")
        r = self.as_nobody(script, private, group, open_)
        self.assertEqual(r.returncode, 0, r)
        lines = [json.loads(l) for l in r.stdout.decode().splitlines()]
        self.assertEqual(lines[:2], [{private: "EACCES"}, {group: "EACCES"}])
        opened = json.loads(server.wait_line(r'^\{"event":"open".*', stream="stdout").group(0))
        self.assertEqual(opened["peer"], f"unix:uid=65534,pid={lines[2]['pid']}")

    def test_removed_on_sigint_and_sigterm(self):
        _, upstream = self.start_python_peer("py_echo_server.py")
        for name in SERVERS:
            for signo, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
                with self.subTest(name=name, signal=signo.name):
                    path = self.socket_path()
                    p, _ = self.serve(name, path, upstream=upstream)
                    # A client served first: the server's loop runs, so its
                    # handler is in place (see the test below for why).
                    run(exchange(path, []))
                    p.signal(signo)
                    self.assertEqual(p.wait(timeout=10), code, p.seen["stderr"])
                    self.assertFalse(os.path.lexists(path), f"{name} left {path} after {signo.name}")

    def test_removed_on_a_signal_right_after_listening_on(self):
        # A server handles SIGINT/SIGTERM as soon as it has printed
        # "listening on": a signal sent the moment that line is read still
        # ends it with 130/143 and removes the socket file, rather than
        # killing it with the default action and leaving the file behind.
        outcomes = []
        for name in SERVERS:
            for signo, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)) * 2:
                path = self.socket_path()
                p, _ = self.serve(name, path)
                p.signal(signo)
                outcomes.append((name, signo.name, p.wait(timeout=10), code, os.path.lexists(path)))
        self.assertEqual([o for o in outcomes if o[2] != o[3] or o[4]], [],
                         "(server, signal, exit, expected exit, socket file left)")

    def test_removed_when_a_client_is_connected(self):
        path = self.socket_path()
        p, _ = self.serve("echo", path)

        async def body():
            async with unix_connect(path) as ws:
                await ws.send("x")
                await asyncio.wait_for(ws.recv(), 10)
                p.signal(signal.SIGTERM)
                await asyncio.wait_for(ws.wait_closed(), 10)
                return ws.close_code

        self.assertEqual(run(body()), 1001)
        self.assertEqual(p.wait(timeout=10), 143)
        self.assertFalse(os.path.lexists(path))

    def test_listen_once_removes_it_when_its_client_leaves(self):
        path = self.socket_path()
        p, _ = self.serve("listen", path, "--once")
        run(exchange(path, []))
        self.assertEqual(p.wait(timeout=10), 0, p.seen["stderr"])
        self.assertFalse(os.path.lexists(path))

    def test_a_stale_socket_is_replaced(self):
        # One path for every server in turn, each killed with SIGKILL: it
        # cannot remove its file, which the next one finds and replaces.
        _, upstream = self.start_python_peer("py_echo_server.py")
        path = self.socket_path("stale.sock")
        for i, name in enumerate(SERVERS):
            with self.subTest(name):
                if i:
                    self.assertTrue(stat.S_ISSOCK(os.lstat(path).st_mode))
                    with socket.socket(socket.AF_UNIX) as s, self.assertRaises(ConnectionRefusedError):
                        s.connect(path)
                p, _ = self.serve(name, path, upstream=upstream)
                self.assertEqual(run(exchange(path, ["hi"] if name in ("echo", "proxy") else [])),
                                 ["hi"] if name in ("echo", "proxy") else [])
                os.kill(p.proc.pid, signal.SIGKILL)
                self.assertEqual(p.wait(timeout=10), -signal.SIGKILL)
                self.assertTrue(os.path.lexists(path))

    def test_a_socket_in_use_is_left_to_its_server(self):
        path = self.socket_path("busy.sock")
        first, _ = self.serve("echo", path)
        inode = os.lstat(path).st_ino
        for name in SERVERS:
            with self.subTest(name):
                r = self.wskit(*server_args(name, f"unix:{path}"), timeout=10)
                self.assertExit(r, 1)
                self.assertIn(f"wskit: cannot listen on unix:{path}: another server listens on it".encode(),
                              r.stderr)
                self.assertEqual(os.lstat(path).st_ino, inode)
        self.assertEqual(run(exchange(path, ["still served"])), ["still served"])
        self.assertIsNone(first.proc.poll())

        # The same in front of a server nobody here wrote.
        other = self.socket_path("python.sock")
        self.start_python_peer("py_unix_server.py", other)
        r = self.wskit("listen", f"unix:{other}", timeout=10)
        self.assertExit(r, 1)
        self.assertIn(b"another server listens on it", r.stderr)
        r = self.wskit("connect", f"ws+unix://{other}:/", "-x", "python still there")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"python still there\n")

    def test_a_file_that_is_not_a_socket_is_left_alone(self):
        d = self.tmpdir()
        path = os.path.join(d, "notes.txt")
        with open(path, "wb") as f:
            f.write(b"precious\n")
        os.chmod(path, 0o640)
        before = os.lstat(path)
        folder = os.path.join(d, "folder")
        os.mkdir(folder)
        for name in SERVERS:
            for target in (path, folder):
                with self.subTest(name=name, target=os.path.basename(target)):
                    r = self.wskit(*server_args(name, f"unix:{target}"), timeout=10)
                    self.assertExit(r, 1)
                    self.assertRegex(r.stderr.decode(), rf"^wskit: cannot listen on unix:{target}: .*not a socket"
                                                        r".*\(not replaced\)")
        with open(path, "rb") as f:
            self.assertEqual(f.read(), b"precious\n")
        after = os.lstat(path)
        self.assertEqual((after.st_ino, after.st_mode, after.st_mtime_ns), (before.st_ino, before.st_mode,
                                                                           before.st_mtime_ns))
        self.assertTrue(os.path.isdir(folder))

    def test_a_server_removes_only_its_own_socket_file(self):
        # The first server's file is deleted and a second server binds the
        # path: when the first one exits, the file it finds is not its own.
        path = self.socket_path()
        first, _ = self.serve("echo", path)
        os.unlink(path)
        self.serve("echo", path)
        inode = os.lstat(path).st_ino
        first.signal(signal.SIGTERM)
        self.assertEqual(first.wait(timeout=10), 143)
        self.assertEqual(os.lstat(path).st_ino, inode)
        self.assertEqual(run(exchange(path, ["second"])), ["second"])

    def test_usage_errors_exit_2_and_make_no_file(self):
        path = self.socket_path()
        for name in SERVERS:
            cases = [(["--socket-mode", bad], r"--socket-mode: expected octal permissions")
                     for bad in ("999", "abc", "", "-600")]
            if name != "handshake-inspect":  # its --host is the Host header it sends
                cases.append((["--host", "127.0.0.1"], r"--host has no meaning with a unix:PATH address"))
            for extra, message in cases:
                with self.subTest(name=name, extra=extra):
                    r = self.wskit(*server_args(name, f"unix:{path}", *extra), timeout=10)
                    self.assertExit(r, 2)
                    self.assertRegex(r.stderr.decode(), "^wskit: " + message)
                    self.assertFalse(os.path.lexists(path))
        for address in ("unix:", "unix:" + os.path.join(os.path.dirname(path), "x" * 108)):
            with self.subTest(address=address):
                self.assertExit(self.wskit("echo", address, timeout=10), 2)

    def test_a_missing_folder_is_named_in_the_error(self):
        # The reason printed is the error binding met (here ENOENT), so the
        # user can tell what is wrong with the path.
        path = os.path.join(self.tmpdir(), "nodir", "s.sock")
        r = self.wskit("echo", f"unix:{path}", timeout=10)
        self.assertExit(r, 1)
        self.assertEqual(r.stderr.decode(), f"wskit: cannot listen on unix:{path}: No such file or directory\n")


if __name__ == "__main__":
    main()
