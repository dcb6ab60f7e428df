"""wskit connect URL --tcp-listen [HOST:]PORT: every local TCP connection
opens its own WebSocket to URL (websocat's tcp-l:, the client-side twin of
listen --to), driven by plain local sockets of this test in front of Python
`websockets` servers (peers/py_echo_server.py, peers/py_server.py, a flooding
server below), `wskit listen --json`, raw servers (rawws.py) and, for the
whole tunnel, `wskit listen --to` before a TCP service (StreamPeer, imported
from listen/test_to.py); and socat (Debian's) as a local client nobody here
wrote, fed by a file. What crosses (exact bytes both ways, binary out,
any payload back as bytes), one WebSocket per connection, how each end maps
to the other (EOF 1000, reset 1001, the server's close an EOF after its
data, a broken or failed WebSocket a reset), backpressure both ways with bounded memory, what is printed, signals,
and the values that are refused."""
import base64
import hashlib
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

import rawws
from harness import MIB, PYTHON, RSS_BOUND, SANITIZED, WSKIT, TestCase, free_port, main, port_of
from rawws import CLOSE

# StreamPeer (a scripted TCP service in threads) and until_blocked (flood
# until progress stops, sampling RSS) are listen --to's test helpers.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "listen"))
from test_to import StreamPeer, until_blocked  # noqa: E402

# A Python `websockets` server that sends PATTERN_MIB (1 MiB) as binary
# messages for ever to each client, saying "sent N" on stderr after each one
# the library has taken.
FLOOD_SERVER = r"""
import asyncio, sys, websockets
PATTERN_MIB = bytes(range(256)) * 4096
async def handler(ws, path=None):
    n = 0
    try:
        while True:
            await ws.send(PATTERN_MIB)
            n += 1
            print(f"sent {n}", file=sys.stderr, flush=True)
    except websockets.ConnectionClosed:
        pass
async def main():
    server = await websockets.serve(handler, "127.0.0.1", 0, max_size=None, ping_interval=None)
    print(f"listening on ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/", file=sys.stderr, flush=True)
    await asyncio.Future()
asyncio.run(main())
"""
PATTERN_MIB = bytes(range(256)) * 4096


# --- local TCP clients ----------------------------------------------------------------


def recv_exactly(sock, n):
    """n bytes from a socket (its timeout bounds each read), or fails with
    what came."""
    got = bytearray()
    while len(got) < n:
        try:
            chunk = sock.recv(min(n - len(got), 1 << 20))
        except socket.timeout:
            raise AssertionError(f"only {len(got)} of {n} bytes ({bytes(got[:60])!r}) in time")
        if not chunk:
            raise AssertionError(f"EOF after {len(got)} bytes ({bytes(got[:60])!r}), {n} expected")
        got += chunk
    return bytes(got)


def recv_to_end(sock, reset=False):
    """Everything up to EOF (b"" from recv), or with `reset` up to a reset
    (ECONNRESET); fails on a timeout or on the other end."""
    got = bytearray()
    while True:
        try:
            chunk = sock.recv(1 << 20)
        except socket.timeout:
            raise AssertionError(f"no {'reset' if reset else 'EOF'} in time after {len(got)} bytes "
                                 f"({bytes(got[:60])!r})")
        except ConnectionResetError:
            if reset:
                return bytes(got)
            raise AssertionError(f"a reset instead of EOF after {len(got)} bytes ({bytes(got[:60])!r})")
        if not chunk:
            if not reset:
                return bytes(got)
            raise AssertionError(f"EOF instead of a reset after {len(got)} bytes ({bytes(got[:60])!r})")
        got += chunk


def send_in_thread(sock, data, eof=False):
    """Sends data from a thread (and then a FIN, shutdown(SHUT_WR), with
    `eof`), so that the test reads meanwhile; returns join(), which raises
    what it met."""
    errors = []

    def run():
        try:
            sock.sendall(data)
            if eof:
                sock.shutdown(socket.SHUT_WR)
        except OSError as e:
            errors.append(e)
    t = threading.Thread(target=run, daemon=True)
    t.start()

    def join():
        t.join(timeout=30)
        if t.is_alive() or errors:
            raise AssertionError(f"sending {len(data)} bytes did not end: {errors!r}")
    return join


def reset(sock):
    """Closes with a TCP reset (SO_LINGER 0) instead of a FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def is_listening(port):
    """Whether some socket of this host listens on TCP `port` (from
    /proc/net/tcp and tcp6: state 0A)."""
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                rows = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                return True
    return False


def sha(data):
    return hashlib.sha256(data).hexdigest()


class TcpListen(TestCase):
    def tunnel(self, url, *options, at="0"):
        """`wskit connect OPTIONS --tcp-listen AT URL`, once it says where it
        listens and where it forwards; returns (process, port)."""
        p = self.start([WSKIT, "connect", *options, "--tcp-listen", at, url])
        port = int(p.wait_line(r"^listening on tcp:127\.0\.0\.1:(\d+)$").group(1))
        p.wait_line(r"^forwarding to %s$" % re.escape(url))
        return p, port

    def local(self, port, host="127.0.0.1", rcvbuf=None, timeout=10):
        """A local TCP client of the tunnel, closed with the test."""
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
        self.addCleanup(s.close)
        if rcvbuf is not None:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.settimeout(timeout)
        s.connect((host, port))
        return s

    def raw_server(self, rcvbuf=None):
        """A raw WebSocket server driven by the test (rawws.RawServer)."""
        raw = rawws.RawServer()
        self.addCleanup(raw.close)
        if rcvbuf is not None:  # inherited by the connections it accepts
            raw.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        return raw

    def assertAlive(self, p):
        self.assertIsNone(p.proc.poll(), f"wskit ended: stderr={p.seen['stderr'][-20:]!r}")

    # --- bytes both ways ---------------------------------------------------------------

    def test_bytes_cross_a_python_echo_server_exactly(self):
        _, url = self.start_python_peer("py_echo_server.py")
        tunnel, port = self.tunnel(url)
        c = self.local(port)
        # What an ssh session does: a few bytes, then waiting for the answer
        # with the connection still open.
        for chunk in (b"SSH-2.0-x\r\n", b"\x00\xff", b"z"):
            c.sendall(chunk)
            self.assertEqual(recv_exactly(c, len(chunk)), chunk)
        # Then a bulk transfer: every byte comes back; the local side's FIN
        # then ends it (close 1000), and the local side reads EOF.
        data = os.urandom(4 * MIB)
        join = send_in_thread(c, data)
        got = recv_exactly(c, len(data))
        join()
        self.assertEqual(sha(got), sha(data))
        c.shutdown(socket.SHUT_WR)
        self.assertEqual(recv_to_end(c), b"")
        self.assertAlive(tunnel)

    def test_each_local_connection_gets_its_own_websocket(self):
        tmp = tempfile.TemporaryDirectory(prefix="wskit-tcpl-")
        self.addCleanup(tmp.cleanup)
        record = os.path.join(tmp.name, "requests.jsonl")
        _, url = self.start_python_peer("py_echo_server.py", "--record", record)
        tunnel, port = self.tunnel(url, "-v")
        n = 5
        clients = [self.local(port) for _ in range(n)]
        # All five are open at once: each answers before any sends more.
        for i, c in enumerate(clients):
            hello = f"hello from {i}".encode()
            c.sendall(hello)
            self.assertEqual(recv_exactly(c, len(hello)), hello)
        # Then all send at the same time, each its own bytes.
        datas = [os.urandom(512 * 1024 + i) for i in range(n)]
        results, threads = [None] * n, []

        def exchange(i):
            join = send_in_thread(clients[i], datas[i])
            try:
                results[i] = recv_exactly(clients[i], len(datas[i]))
                join()
                clients[i].shutdown(socket.SHUT_WR)
                if recv_to_end(clients[i]) != b"":
                    raise AssertionError("bytes after the echo")
            except (AssertionError, OSError) as e:
                results[i] = e
        for i in range(n):
            threads.append(threading.Thread(target=exchange, args=(i,), daemon=True))
            threads[-1].start()
        for t in threads:
            t.join(timeout=30)
        for i in range(n):
            self.assertIsInstance(results[i], bytes, f"connection {i}: {results[i]!r}")
            self.assertEqual(len(results[i]), len(datas[i]), f"connection {i}")
            self.assertEqual(sha(results[i]), sha(datas[i]), f"connection {i} got other bytes")
        # Five WebSocket handshakes reached the server, with five keys.
        with open(record) as f:
            requests = [json.loads(line) for line in f]
        keys = {r["headers"].get("Sec-WebSocket-Key") for r in requests}
        self.assertEqual((len(requests), len(keys)), (n, n), requests)
        # -v names each by its local peer, with its own counts.
        for _ in range(n):
            tunnel.wait_line(r"^#\d+ \S+ closed: ")
        stderr = tunnel.seen["stderr"]
        for i, c in enumerate(clients):
            peer = re.escape(f"127.0.0.1:{c.getsockname()[1]}")
            opened = [m for m in (re.match(r"^#(\d+) %s connected$" % peer, l) for l in stderr) if m]
            self.assertEqual(len(opened), 1, stderr)
            size = len(f"hello from {i}") + len(datas[i])
            self.assertIn(f"#{opened[0].group(1)} 127.0.0.1:{c.getsockname()[1]} closed: {size} bytes sent, "
                          f"{size} received", stderr)
        self.assertEqual(sorted(int(re.match(r"^#(\d+)", l).group(1)) for l in stderr if l.endswith(" connected")),
                         list(range(1, n + 1)))

    def test_binary_at_the_server_and_text_back_without_a_newline(self):
        server, url = self.start_server([WSKIT, "listen", "--json", "0"], stdin=subprocess.PIPE)
        self.addCleanup(server.proc.stdin.close)
        tunnel, port = self.tunnel(url)
        c = self.local(port)
        server.wait_line(r'"event":"open"', stream="stdout")
        data = b"line one\nline two\n\x00\xff"
        c.sendall(data)
        got = b""
        while len(got) < len(data):
            event = json.loads(server.wait_line(r'^\{"event":"message".*"dir":"in".*', stream="stdout").group(0))
            self.assertEqual(event["opcode"], "binary", event)
            got += base64.b64decode(event["base64"])
        self.assertEqual(got, data)
        # listen sends each line of its input as a text message: the local
        # side reads the payloads, nothing between them.
        server.proc.stdin.write(b"hello\nworld\n")
        server.proc.stdin.flush()
        self.assertEqual(recv_exactly(c, 10), b"helloworld")
        c.shutdown(socket.SHUT_WR)
        self.assertEqual(recv_to_end(c), b"")
        close = json.loads(server.wait_line(r'^\{"event":"close".*', stream="stdout").group(0))
        self.assertEqual((close["dir"], close["code"]), ("in", 1000), close)

    # --- how each end maps to the other ----------------------------------------------

    def test_local_eof_closes_with_1000_and_a_reset_with_1001(self):
        server, url = self.start_python_peer("py_server.py")  # echoes; says each close code it got
        tunnel, port = self.tunnel(url)
        # EOF: what was sent comes back first, then the local side reads EOF.
        c = self.local(port)
        c.sendall(b"abc" * 1000)
        c.shutdown(socket.SHUT_WR)
        self.assertEqual(recv_to_end(c), b"abc" * 1000)
        server.wait_line(r"^closed code=1000 reason=$")
        # A reset: 1001, and a line on stderr.
        c2 = self.local(port)
        c2.sendall(b"xyz")
        self.assertEqual(recv_exactly(c2, 3), b"xyz")
        local_port = c2.getsockname()[1]
        reset(c2)
        server.wait_line(r"^closed code=1001 reason=")
        tunnel.wait_line(r"^wskit: #2 \S*127\.0\.0\.1:%d: .*[Rr]eset" % local_port)
        self.assertAlive(tunnel)

    def test_server_close_gives_the_local_side_what_came_then_eof(self):
        # py_server sends "tail", then 2 MB of binary, then closes with 1000.
        size = 2_000_000
        server, url = self.start_python_peer("py_server.py", "--send", "tail", "--send-binary-size", str(size),
                                             "--close", "1000")
        tunnel, port = self.tunnel(url, "-v")
        c = self.local(port)
        got = recv_to_end(c)
        self.assertEqual(len(got), 4 + size)
        self.assertEqual(got, b"tail" + bytes(i % 251 for i in range(size)))
        server.wait_line(r"^closed code=1000 reason=bye$")  # wskit answered the close
        tunnel.wait_line(r"^#1 127\.0\.0\.1:%d closed: 0 bytes sent, %d received$" % (c.getsockname()[1], 4 + size))

    def test_server_error_close_or_drop_resets_the_local_side(self):
        """A WebSocket that broke is no normal end: the local program gets a
        reset, not EOF (what came before it may be lost with it, as TCP's)."""
        _, url = self.start_python_peer("py_server.py", "--send", "tail", "--close", "1011")
        tunnel, port = self.tunnel(url)
        c = self.local(port)
        self.assertTrue(b"tail".startswith(recv_to_end(c, reset=True)))
        raw = self.raw_server()
        tunnel, port = self.tunnel(raw.url)
        c = self.local(port)
        conn, _ = raw.accept_ws()
        c.sendall(b"x")
        self.assertEqual(conn.read_frame().payload, b"x")  # open, and relaying
        conn.close()  # no close frame: 1006
        self.assertEqual(recv_to_end(c, reset=True), b"")
        self.assertAlive(tunnel)

    def test_unreachable_url_gives_a_reset_and_the_tunnel_goes_on(self):
        target = free_port()
        tunnel, port = self.tunnel(f"ws://127.0.0.1:{target}/")
        for n in (1, 2):
            c = self.local(port)
            self.assertEqual(recv_to_end(c, reset=True), b"")
            tunnel.wait_line(r"^wskit: #%d cannot connect to 127\.0\.0\.1:%d: connection refused" % (n, target))
            self.assertAlive(tunnel)
        # With no connection left, SIGINT ends it at once.
        tunnel.signal(signal.SIGINT)
        self.assertEqual(tunnel.wait(), 130)

    # --- backpressure ------------------------------------------------------------------

    def test_a_local_side_that_does_not_read_stops_the_server(self):
        flood, url = self.start_server([PYTHON, "-c", FLOOD_SERVER])
        tunnel, port = self.tunnel(url)
        c = self.local(port, rcvbuf=4096)  # reads nothing yet

        def progress():
            sent = [l for l in flood.seen["stderr"] if l.startswith("sent ")]
            return int(sent[-1].split()[1]) if sent else 0
        total = 200
        sent, blocked, peak = until_blocked(progress, lambda: time.sleep(0.1), tunnel.proc.pid, total)
        self.assertTrue(blocked, f"the server's flood never blocked ({sent} MiB taken)")
        self.assertLess(sent, total // 4, "the server got most of its flood out")
        if not SANITIZED:
            self.assertLess(peak, RSS_BOUND, f"wskit's RSS reached {peak / MIB:.1f} MiB")
        # The local side reads at last: more than was sent when it blocked
        # comes, so the flow went on, every byte in order.
        want = sent + 4
        got = recv_exactly(c, want * MIB)
        for i in range(want):
            self.assertEqual(got[i * MIB:(i + 1) * MIB], PATTERN_MIB, f"MiB {i} differs")

    def test_a_server_that_does_not_read_stops_the_local_sender(self):
        raw = self.raw_server(rcvbuf=4096)
        tunnel, port = self.tunnel(raw.url)
        c = rawws.connect(port)
        self.addCleanup(c.close)
        conn, _ = raw.accept_ws()  # and reads nothing yet
        self.addCleanup(conn.close)
        chunk = os.urandom(MIB)
        total = 64 * MIB
        flooder = rawws.Flooder(c, chunk)
        sent, blocked, peak = until_blocked(lambda: flooder.sent, lambda: flooder.pump(0.1), tunnel.proc.pid, total)
        self.assertTrue(blocked, f"the local flood never blocked ({sent / MIB:.1f} MiB taken)")
        self.assertLess(sent, total // 2, "the local side got most of its flood out")
        if not SANITIZED:
            self.assertLess(peak, RSS_BOUND, f"wskit's RSS reached {peak / MIB:.1f} MiB")
        # The local side ends; the server reads at last: every byte it was
        # given, in binary messages, then the close 1000.
        c.sock.shutdown(socket.SHUT_WR)
        conn.sock.settimeout(10)
        got, size, close = conn.binary_until_close()
        self.assertEqual(size, sent)
        expected = hashlib.sha256()
        for _ in range(sent // MIB):
            expected.update(chunk)
        expected.update(chunk[:sent % MIB])
        self.assertEqual(got, expected.hexdigest())
        self.assertEqual(close.close_code, 1000)
        conn.send_frame(CLOSE, rawws.close_payload(1000), mask=False)
        c.sock.settimeout(10)
        self.assertEqual(recv_to_end(c.sock), b"")

    def test_socat_fed_by_a_file_half_closes_and_gets_every_byte_back(self):
        # `socat STDIO TCP:127.0.0.1:PORT < file > out`, as a script pipes a
        # file through the tunnel: at the file's end socat shuts its write
        # side (a half-close) and reads on. Every byte's echo comes back,
        # the tunnel closes the WebSocket with 1000 once the server has been
        # silent for --wait, and its EOF then ends socat, which exits 0.
        # -t 60: how long socat reads on after its own EOF (0.5 s by default,
        # no longer than --wait: socat would race the tunnel); the test's
        # own timeout is shorter, so only the tunnel's EOF can end it in time.
        server, url = self.start_python_peer("py_server.py")  # echoes; says each close code it got
        tunnel, port = self.tunnel(url, "-v")
        tmp = tempfile.TemporaryDirectory(prefix="wskit-tcpl-")
        self.addCleanup(tmp.cleanup)
        sent, back = os.path.join(tmp.name, "sent.bin"), os.path.join(tmp.name, "back.bin")
        data = os.urandom(4 * MIB + 777)
        with open(sent, "wb") as f:
            f.write(data)
        with open(sent, "rb") as stdin, open(back, "wb") as stdout:
            try:
                done = subprocess.run(["socat", "-d", "-d", "-t", "60", "STDIO", f"TCP:127.0.0.1:{port}"],
                                      stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, timeout=30,
                                      start_new_session=True)
            except subprocess.TimeoutExpired as e:
                raise AssertionError(f"socat did not end within 30 s: stderr={e.stderr!r}")
        notices = done.stderr.decode().splitlines()
        self.assertEqual(done.returncode, 0, notices)
        with open(back, "rb") as f:
            got = f.read()
        self.assertEqual(len(got), len(data), f"{len(data) - len(got)} bytes of the echo lost")
        self.assertEqual(sha(got), sha(data))
        # Socket 1 is socat's standard input, 2 the tunnel: the file's end
        # came first, then the tunnel's EOF, not socat's -t running out.
        eofs = [m.group(1) for m in (re.search(r" N socket (\d) \(fd \d+\) is at EOF$", l) for l in notices) if m]
        self.assertEqual(eofs, ["1", "2"], notices)
        server.wait_line(r"^closed code=1000 reason=$")
        tunnel.wait_line(r"^#1 127\.0\.0\.1:\d+ closed: %d bytes sent, %d received$" % (len(data), len(data)))
        self.assertAlive(tunnel)

    # --- both ends of a tunnel -----------------------------------------------------------

    def test_with_listen_to_on_the_other_side(self):
        # local client -> connect --tcp-listen -> WebSocket -> listen --to -> TCP echo service
        peer = StreamPeer(self, [("echo",)])
        listen, url = self.start_wskit_server("listen", "0", "--to", peer.target)
        tunnel, port = self.tunnel(url)
        c = self.local(port)
        data = os.urandom(3 * MIB)
        join = send_in_thread(c, data)
        got = recv_exactly(c, len(data))
        join()
        self.assertEqual(sha(got), sha(data))
        c.shutdown(socket.SHUT_WR)
        self.assertEqual(recv_to_end(c), b"")
        # The local FIN went all the way: the service read the bytes, then EOF.
        self.assertEqual(sha(peer.next_link().wait_eof()), sha(data))
        listen.wait_line(r"^#1 disconnected \(code 1000", stream="stdout")

    # --- what is printed, signals --------------------------------------------------------

    def test_v_says_each_connection_with_byte_counts_and_vv_its_steps(self):
        _, url = self.start_python_peer("py_echo_server.py")
        for verbose in ("-v", "-vv"):
            with self.subTest(verbose=verbose):
                tunnel, port = self.tunnel(url, verbose)
                c = self.local(port)
                tunnel.wait_line(r"^#1 127\.0\.0\.1:%d connected$" % c.getsockname()[1])
                data = b"hello" + os.urandom(100_000)
                join = send_in_thread(c, data)
                self.assertEqual(recv_exactly(c, len(data)), data)
                join()
                c.shutdown(socket.SHUT_WR)
                self.assertEqual(recv_to_end(c), b"")
                tunnel.wait_line(r"^#1 127\.0\.0\.1:%d closed: %d bytes sent, %d received$"
                                 % (c.getsockname()[1], len(data), len(data)))
                steps = [l for l in tunnel.seen["stderr"] if l.startswith("#1 * ")]
                if verbose == "-v":
                    self.assertEqual(steps, [])
                else:
                    self.assertIn(f"#1 * Trying 127.0.0.1:{port_of(url)}...", steps)
                tunnel.stop()

    def test_signals_close_every_websocket_with_1001(self):
        server, url = self.start_python_peer("py_server.py")
        for signo, code in ((signal.SIGTERM, 143), (signal.SIGINT, 130)):
            with self.subTest(signal=signo):
                tunnel, port = self.tunnel(url)
                clients = [self.local(port) for _ in range(2)]
                for c in clients:  # open, both
                    c.sendall(b"hi")
                    self.assertEqual(recv_exactly(c, 2), b"hi")
                tunnel.signal(signo)
                self.assertEqual(tunnel.wait(), code, tunnel.seen["stderr"])
                for _ in clients:
                    server.wait_line(r"^closed code=1001 reason=")
                for c in clients:
                    self.assertEqual(recv_to_end(c), b"")

    # --- addresses and refused values ----------------------------------------------------

    def test_loopback_by_default_and_a_given_host(self):
        _, url = self.start_python_peer("py_echo_server.py")
        _, port = self.tunnel(url)
        # Bound to 127.0.0.1 only: another loopback address is refused.
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.2", port), timeout=5).close()
        try:
            with socket.socket(socket.AF_INET6) as probe:
                probe.bind(("::1", 0))
        except OSError as e:
            self.skipTest(f"no IPv6 loopback: {e}")
        v6 = self.start([WSKIT, "connect", "-v", "--tcp-listen", "[::1]:0", url])
        v6_port = int(v6.wait_line(r"^listening on tcp:\[::1\]:(\d+)$").group(1))
        c = self.local(v6_port, host="::1")
        c.sendall(b"over v6")
        self.assertEqual(recv_exactly(c, 7), b"over v6")
        v6.wait_line(r"^#1 \[::1\]:%d connected$" % c.getsockname()[1])

    def test_refused_combinations_and_addresses_exit_2_with_one_line(self):
        url = f"ws://127.0.0.1:{free_port()}/"
        cases = [(["--stdio"], "--tcp-listen relays local connections: it takes no --stdio, -x, --exec, --record or "
                               "--reconnect"),
                 (["-x", "hi"], "--tcp-listen relays local connections"),
                 (["--record", "r.ndjson"], "--tcp-listen relays local connections"),
                 (["--reconnect"], "--tcp-listen relays local connections")]
        cases += [(["--tcp-listen", bad], re.escape(f"invalid listen address '{bad}'"))
                  for bad in ("abc", "70000", "-1", "host:", "127.0.0.1:x", "[::1")]
        for args, message in cases:
            with self.subTest(args=args):
                if args[0] != "--tcp-listen":
                    args = ["--tcp-listen", "0", *args]
                r = self.wskit("connect", *args, url, timeout=10)
                self.assertExit(r, 2)
                self.assertEqual(r.stdout, b"")
                lines = r.stderr.decode().splitlines()
                self.assertEqual(len(lines), 1, lines)
                self.assertRegex(lines[0], r"^wskit: " + message)

    def test_address_in_use_exits_1_with_one_line(self):
        taken = socket.socket()
        self.addCleanup(taken.close)
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        for at in (str(port), f"127.0.0.1:{port}"):
            with self.subTest(at=at):
                r = self.wskit("connect", "--tcp-listen", at, f"ws://127.0.0.1:{free_port()}/", timeout=10)
                self.assertExit(r, 1)
                self.assertEqual(r.stdout, b"")
                self.assertEqual(r.stderr.decode().splitlines(),
                                 [f"wskit: cannot listen on 127.0.0.1:{port}: Address already in use"])

    # --- bugs ----------------------------------------------------------------------------

    # --tcp-listen "" is refused, not taken as no --tcp-listen at all (an
    # ordinary session on stdin).
    def test_empty_address_exits_2(self):
        r = self.wskit("connect", "--tcp-listen", "", f"ws://127.0.0.1:{free_port()}/", timeout=10)
        self.assertExit(r, 2)
        self.assertRegex(r.stderr.decode(), r"^wskit: --tcp-listen needs \[HOST:\]PORT")

    # A host name is resolved, as `wskit listen localhost:0` does.
    def test_a_host_name_is_listened_on(self):
        _, url = self.start_python_peer("py_echo_server.py")
        p = self.start([WSKIT, "connect", "--tcp-listen", "localhost:0", url])
        first = p.wait_line(r"^listening on tcp:\S+:(\d+)$|^wskit: ")
        self.assertIsNotNone(first.group(1), f"not listening: {p.seen['stderr']!r}")
        c = self.local(int(first.group(1)))
        c.sendall(b"by name")
        self.assertEqual(recv_exactly(c, 7), b"by name")

    # A WebSocket still opening when SIGTERM comes is closed with 1001 as
    # soon as it opens, not dropped without a close frame at exit.
    def test_sigterm_closes_a_websocket_that_was_opening_with_1001(self):
        raw = self.raw_server()
        tunnel, port = self.tunnel(raw.url)
        c = self.local(port)
        conn, _, headers = raw.accept()  # the handshake request, not answered yet
        self.addCleanup(conn.close)
        tunnel.signal(signal.SIGTERM)
        # stop() closes the listener and then every WebSocket, in one go.
        deadline = time.monotonic() + 5
        while is_listening(port):
            self.assertLess(time.monotonic(), deadline, "SIGTERM did not stop the listener")
            time.sleep(0.01)
        rawws.answer_handshake(conn, headers)
        frames = conn.read_frames_until_close()
        self.assertTrue(frames and frames[-1].opcode == CLOSE,
                        f"no close frame after the open, only {[(f.opcode, f.payload[:20]) for f in frames]!r}")
        self.assertEqual(frames[-1].close_code, 1001)
        conn.send_frame(CLOSE, rawws.close_payload(1001), mask=False)
        self.assertEqual(tunnel.wait(), 143)
        self.assertEqual(recv_to_end(c), b"")

    # The local side is not read before its WebSocket is open: -v counts
    # nothing sent to a server that was never reached.
    def test_bytes_sent_counts_nothing_when_the_websocket_never_opened(self):
        target = free_port()
        tunnel, port = self.tunnel(f"ws://127.0.0.1:{target}/", "-v")
        c = self.local(port)
        c.sendall(b"GET / HTTP/1.0\r\n\r\n")
        self.assertEqual(recv_to_end(c, reset=True), b"")
        line = tunnel.wait_line(r"^#1 127\.0\.0\.1:%d closed: .*" % c.getsockname()[1]).group(0)
        self.assertTrue(line.endswith(" closed: 0 bytes sent, 0 received"), line)

    # The local side's FIN is no WebSocket close: a WebSocket has no
    # half-close, so it closes once the server has been silent for --wait,
    # and what the server still sends after the FIN comes back whole (a
    # client that sends its request, shuts its write side and reads the
    # answer to EOF: nc -N, HTTP/1.0 clients). With listen --to on the
    # other side too.
    def test_what_the_server_sends_after_the_local_eof_still_comes(self):
        _, echo_url = self.start_python_peer("py_echo_server.py")
        peer = StreamPeer(self, [("echo",)])
        _, chain_url = self.start_wskit_server("listen", "0", "--to", peer.target)
        for name, url in (("python websockets echo", echo_url), ("listen --to a TCP echo", chain_url)):
            with self.subTest(server=name):
                tunnel, port = self.tunnel(url)
                c = self.local(port)
                data = os.urandom(3 * MIB)
                join = send_in_thread(c, data, eof=True)
                got = recv_to_end(c)
                join()
                self.assertEqual(len(got), len(data), f"{len(data) - len(got)} bytes of the reply lost")
                self.assertEqual(sha(got), sha(data))

    # -vv shows each WebSocket's steps and its handshake, as `wskit connect
    # -v` does, each line marked with the local connection's id.
    def test_vv_shows_each_websocket_handshake(self):
        _, url = self.start_python_peer("py_echo_server.py")
        tunnel, port = self.tunnel(url, "-vv")
        c = self.local(port)
        c.sendall(b"x")
        self.assertEqual(recv_exactly(c, 1), b"x")
        c.shutdown(socket.SHUT_WR)
        self.assertEqual(recv_to_end(c), b"")
        tunnel.wait_line(r"^#1 \S+ closed: ")
        stderr = tunnel.seen["stderr"]
        self.assertIn("#1 > GET / HTTP/1.1", stderr)
        self.assertIn("#1 < HTTP/1.1 101 Switching Protocols", stderr)


if __name__ == "__main__":
    main()
