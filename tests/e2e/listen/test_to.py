"""wskit listen --to tcp:HOST:PORT | unix:PATH: each WebSocket client relayed
to its own byte stream (websockify's model), driven by Python `websockets`,
raw clients (rawws.py), wskit connect --stdio and headless Chromium, in front
of TCP and Unix-socket services that run in threads of this test (StreamPeer,
one scripted service for every test) and of socat (Debian's, a TCP service
nobody here wrote: issue #24). What crosses (exact bytes both ways),
how each end maps to the other (EOF 1000, reset and refusal 1011, the
client's close an EOF after its data, a broken client a reset), backpressure both ways with bounded
memory, what is printed, who is let in, and the values --to refuses."""
import asyncio
import hashlib
import os
import random
import re
import select
import shutil
import signal
import socket
import struct
import tempfile
import threading
import time

import rawws
from harness import MIB, RSS_BOUND, SANITIZED, WSKIT, TestCase, free_port, main, port_of, rss_bytes
from rawws import BINARY, CLOSE, TEXT

# --- the services behind --to ---------------------------------------------------


class Link:
    """One connection a StreamPeer accepted: what it read (`received`), how
    many bytes it sent (`sent`, counted as the kernel takes them), whether
    the other side finished sending (`eof`: recv gave b"") and whether its
    script is over (`done`; `error` when it failed)."""

    def __init__(self, sock):
        self.sock = sock
        self.received = bytearray()
        self.sent = 0
        self.eof = False
        self.done = False
        self.error = None
        self.changed = threading.Condition()

    def _note(self, data=b"", eof=False, done=False, error=None):
        with self.changed:
            self.received += data
            self.eof = self.eof or eof
            self.done = self.done or done
            self.error = self.error or error
            self.changed.notify_all()

    def wait_for(self, predicate, what, timeout=10):
        """Waits until predicate(link) holds (checked on every change)."""
        with self.changed:
            if not self.changed.wait_for(lambda: predicate(self), timeout):
                raise AssertionError(f"{what} not within {timeout} s: received {len(self.received)} bytes "
                                     f"({bytes(self.received[:60])!r}...), eof={self.eof}, sent={self.sent}, "
                                     f"done={self.done}, error={self.error!r}")

    def wait_received(self, n, timeout=10):
        """The first n bytes read, once they are all in."""
        self.wait_for(lambda l: len(l.received) >= n, f"{n} bytes at the service", timeout)
        return bytes(self.received[:n])

    def wait_eof(self, timeout=10):
        """Everything read up to the end of the stream (b"" from recv)."""
        self.wait_for(lambda l: l.eof or l.error, "the end of the stream at the service", timeout)
        if self.error:
            raise AssertionError(f"the service's connection failed: {self.error!r}")
        return bytes(self.received)


class StreamPeer:
    """A service on a TCP port of 127.0.0.1 (port 0; `host` "::1" for IPv6)
    or on a Unix socket at `path`, in threads of the test process, stopped
    with the test. Each connection it accepts plays `script`, a list of
    steps, in a thread of its own:
      ("send", BYTES)  sends them (link.sent grows as the kernel takes them)
      ("recv", N)      reads until N more bytes have come
      ("echo",)        sends back all it reads, until EOF
      ("read",)        reads until EOF
      ("hold",)        reads nothing until peer.release is set
      ("close",)       closes (a FIN)
      ("reset",)       closes with a TCP reset (SO_LINGER 0)
    then closes the connection. Everything read is kept in link.received."""

    def __init__(self, test, script, host="127.0.0.1", path=None):
        self.script = script
        self.release = threading.Event()
        self.links = []
        self.accepted = threading.Condition()
        if path is not None:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.bind(path)
            self.target = f"unix:{path}"
        else:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            self.sock = socket.socket(family, socket.SOCK_STREAM)
            self.sock.bind((host, 0))
            self.port = self.sock.getsockname()[1]
            self.target = f"tcp:[{host}]:{self.port}" if family == socket.AF_INET6 else f"tcp:{host}:{self.port}"
        self.sock.listen(16)
        test.addCleanup(self.close)
        threading.Thread(target=self._accept, daemon=True).start()

    def next_link(self, index=None, timeout=10):
        """The connection number `index` (0 first; default: the next one not
        asked for yet), once accepted."""
        if index is None:
            index = getattr(self, "_asked", 0)
            self._asked = index + 1
        with self.accepted:
            if not self.accepted.wait_for(lambda: len(self.links) > index, timeout):
                raise AssertionError(f"connection {index + 1} to {self.target} not accepted within {timeout} s")
            return self.links[index]

    def close(self):
        self.release.set()
        for s in [self.sock] + [l.sock for l in self.links]:
            try:
                s.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked on it
            except OSError:
                pass
            s.close()

    def _accept(self):
        while True:
            try:
                s, _ = self.sock.accept()
            except OSError:
                return
            link = Link(s)
            with self.accepted:
                self.links.append(link)
                self.accepted.notify_all()
            threading.Thread(target=self._play, args=(link,), daemon=True).start()

    def _read(self, link):
        data = link.sock.recv(256 * 1024)
        link._note(data, eof=not data)
        return data

    def _play(self, link):
        s = link.sock
        try:
            for step, *arg in self.script:
                if step == "send":
                    view = memoryview(arg[0])
                    while view:
                        n = s.send(view[:256 * 1024])
                        link.sent += n
                        view = view[n:]
                elif step == "recv":
                    want = len(link.received) + arg[0]
                    while len(link.received) < want:
                        if not self._read(link):
                            raise EOFError(f"EOF before {arg[0]} bytes")
                elif step == "echo":
                    while data := self._read(link):
                        s.sendall(data)
                        link.sent += len(data)
                elif step == "read":
                    while self._read(link):
                        pass
                elif step == "hold":
                    self.release.wait()
                elif step == "reset":
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    s.close()
                elif step == "close":
                    s.close()
            s.close()
            link._note(done=True)
        except (OSError, EOFError) as e:
            link._note(done=True, error=e)


# --- clients ---------------------------------------------------------------------


def read_exactly(stream, n, timeout=10):
    """n bytes from a pipe, or fails after `timeout` with what came."""
    got = bytearray()
    deadline = time.monotonic() + timeout
    while len(got) < n:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([stream], [], [], left)[0]:
            raise AssertionError(f"only {len(got)} of {n} bytes ({bytes(got[:60])!r}) within {timeout} s")
        chunk = os.read(stream.fileno(), min(n - len(got), 1 << 20))
        if not chunk:
            raise AssertionError(f"end of output after {len(got)} bytes ({bytes(got[:60])!r}), {n} expected")
        got += chunk
    return bytes(got)


def frames_until_close(conn, answer=False):
    """A raw client's frames up to the close frame, which must come; returns
    (frames before it, the close frame). `answer` sends the close frame back
    (its code), as a client ends the close handshake."""
    frames = []
    try:
        conn.read_frames_until_close(frames)
    except socket.timeout:
        raise AssertionError(f"no close frame; got {frames!r}")
    if not frames or frames[-1].opcode != CLOSE:
        raise AssertionError(f"the connection ended without a close frame after {frames!r}")
    if answer:
        conn.send_frame(CLOSE, frames[-1].payload[:2])
    return frames[:-1], frames[-1]


def echo_through_websockets(url, messages, expected):
    """Python websockets sends `messages` while it reads what comes back,
    until `expected` bytes have; returns (those bytes, the types of the
    messages that brought them, the close code once it has closed)."""
    import websockets

    async def run():
        async with websockets.connect(url, max_size=None, compression=None) as ws:
            async def send():
                for m in messages:
                    await ws.send(m)
            sender = asyncio.ensure_future(send())
            got = bytearray()
            kinds = set()
            while len(got) < expected:
                message = await ws.recv()
                kinds.add(type(message))
                got += message
            await sender
        return bytes(got), kinds, ws.close_code
    return asyncio.run(asyncio.wait_for(run(), 60))


def until_blocked(progress, pump, pid, total, quiet=0.75, timeout=20):
    """Runs pump() (each call about 0.1 s of flooding, or of waiting) until
    progress() has not grown for `quiet` seconds, or has reached `total`, or
    `timeout` has passed. Returns (progress, blocked, peak RSS of pid)."""
    peak, last, since = 0, -1, time.monotonic()
    deadline = since + timeout
    while True:
        pump()
        peak = max(peak, rss_bytes(pid))
        now, done = time.monotonic(), progress()
        if done >= total or now > deadline:
            return done, False, peak
        if done != last:
            last, since = done, now
        elif now - since >= quiet:
            return done, True, peak


class ListenTo(TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wskit-to-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def listen(self, target, *options):
        """`wskit listen OPTIONS 0 --to TARGET`; returns (process, url)."""
        return self.start_wskit_server("listen", *options, "0", "--to", target)

    def stdio(self, url):
        """`wskit connect --stdio url` with pipes, stopped with the test."""
        return self.popen([WSKIT, "connect", "--stdio", url])

    def raw(self, url, **kw):
        conn = rawws.ws_connect(port_of(url), **kw)
        self.addCleanup(conn.close)
        return conn

    def socat_echo(self):
        """`socat -d -d TCP-LISTEN:PORT,bind=127.0.0.1,reuseaddr EXEC:cat`:
        one connection, each byte sent back through cat, on a free port, once
        socat says it listens (-d -d's notices). free_port() releases the port
        before socat binds it, so a port taken meanwhile is tried again with
        another. Returns (process, port)."""
        for _ in range(5):
            port = free_port()
            p = self.start(["socat", "-d", "-d", f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr", "EXEC:cat"])
            if "listening" in p.wait_line(r" N listening on | E ").group(0):
                return p, port
            p.stop()
        raise AssertionError(f"socat could not listen: {p.seen['stderr'][-5:]!r}")

    # --- bytes both ways --------------------------------------------------------

    def test_random_bytes_from_python_websockets_cross_exactly(self):
        peer = StreamPeer(self, [("echo",)])
        listen, url = self.listen(peer.target)
        data = os.urandom(5 * MIB)
        # Binary messages of many sizes, whose edges fall anywhere in the
        # target's reads, and a text message last: its bytes go as well.
        rng = random.Random(6455)
        sizes = [1, 2, 100, 65535, 65536, 65537, 300_000, MIB]
        while sum(sizes) < len(data):
            sizes.append(rng.randint(1, 256 * 1024))
        messages, at = [], 0
        for n in sizes:
            messages.append(data[at:at + n])
            at += n
        messages.append("déjà vu")
        data += "déjà vu".encode()
        got, kinds, code = echo_through_websockets(url, messages, len(data))
        self.assertEqual(kinds, {bytes})  # binary messages only, without --text
        self.assertEqual(len(got), len(data))
        self.assertEqual(hashlib.sha256(got).hexdigest(), hashlib.sha256(data).hexdigest())
        self.assertEqual(code, 1000)
        # The service read exactly the messages' bytes, then EOF.
        at_target = peer.next_link().wait_eof()
        self.assertEqual(len(at_target), len(data))
        self.assertEqual(hashlib.sha256(at_target).hexdigest(), hashlib.sha256(data).hexdigest())
        listen.wait_line(r"^#1 disconnected \(code 1000\)$", stream="stdout")

    def test_random_bytes_through_socat_and_cat_cross_exactly(self):
        # The service is socat relaying its one connection to cat: a few MiB
        # in binary messages of many sizes come back byte for byte; the
        # client's close is an EOF to socat, which ends cat, closes, and
        # exits 0, and listen counts every byte each way.
        socat, port = self.socat_echo()
        target = f"tcp:127.0.0.1:{port}"
        listen, url = self.listen(target, "-v")
        data = os.urandom(4 * MIB + 12345)
        rng = random.Random(24)
        messages, at = [], 0
        while at < len(data):
            n = rng.randint(1, 256 * 1024)
            messages.append(data[at:at + n])
            at += n
        got, kinds, code = echo_through_websockets(url, messages, len(data))
        self.assertEqual(kinds, {bytes})
        self.assertEqual(len(got), len(data))
        self.assertEqual(hashlib.sha256(got).hexdigest(), hashlib.sha256(data).hexdigest())
        self.assertEqual(code, 1000)
        self.assertEqual(socat.wait(), 0, socat.seen["stderr"][-10:])
        # Socket 1 is socat's TCP side, 2 its pipe to cat: the EOF came from
        # listen first (the client's close), and cat's end followed it.
        eofs = [m.group(1) for m in (re.search(r" N socket (\d) \(fd \d+\) is at EOF$", l)
                                     for l in socat.seen["stderr"]) if m]
        self.assertEqual(eofs, ["1", "2"], socat.seen["stderr"])
        self.assertRegex(socat.seen["stderr"][-1], r" N exiting with status 0$")
        listen.wait_line(r"^#1 connected to %s$" % re.escape(target))
        listen.wait_line(r"^#1 %s closed: %d bytes to it, %d from it$" % (re.escape(target), len(data), len(data)))
        listen.wait_line(r"^#1 disconnected \(code 1000\)$", stream="stdout")

    def test_ssh_like_chain_through_connect_stdio(self):
        # ProxyCommand wskit connect --stdio ws://... in front of
        # listen --to tcp:sshd: each few bytes come back before the next go.
        peer = StreamPeer(self, [("echo",)])
        listen, url = self.listen(peer.target)
        p = self.stdio(url)
        chunks = (b"SSH-2.0-OpenSSH_9.2\r\n", b"\x00\x00\x01\x0c\x0a\x14", b"\xff", b"\r\n\x00")
        for chunk in chunks:
            p.stdin.write(chunk)
            p.stdin.flush()
            self.assertEqual(read_exactly(p.stdout, len(chunk)), chunk)
        data = os.urandom(3 * MIB)
        writer = threading.Thread(target=lambda: (p.stdin.write(data), p.stdin.flush()), daemon=True)
        writer.start()
        got = read_exactly(p.stdout, len(data), timeout=30)
        writer.join(10)
        self.assertEqual(hashlib.sha256(got).hexdigest(), hashlib.sha256(data).hexdigest())
        p.stdin.close()
        self.assertEqual(p.wait(timeout=10), 0, p.stderr.read())
        self.assertEqual(p.stdout.read(), b"")
        # The service read it all, then EOF: connect's close went through.
        self.assertEqual(peer.next_link().wait_eof(), b"".join(chunks) + data)
        listen.wait_line(r"^#1 disconnected \(code 1000\)$", stream="stdout")

    def test_each_client_has_its_own_connection(self):
        peer = StreamPeer(self, [("echo",)])
        _, url = self.listen(peer.target)
        first, second = self.raw(url), self.raw(url)
        links = [peer.next_link(), peer.next_link()]
        first.send_frame(BINARY, b"one")
        second.send_frame(BINARY, b"two")
        self.assertEqual(first.read_frame().payload, b"one")
        self.assertEqual(second.read_frame().payload, b"two")
        self.assertEqual(sorted(l.wait_received(3) for l in links), [b"one", b"two"])

    # --- ends -------------------------------------------------------------------

    def test_target_eof_closes_with_1000_after_its_data(self):
        big = os.urandom(3 * MIB)  # more than the 1 MiB mark: the close waits behind a backlog
        for sent in (b"hello", big):
            peer = StreamPeer(self, [("send", sent), ("close",)])
            listen, url = self.listen(peer.target)
            conn = self.raw(url)
            frames, close = frames_until_close(conn)
            self.assertEqual({f.opcode for f in frames}, {BINARY}, frames[:5])
            self.assertEqual(b"".join(f.payload for f in frames), sent)
            self.assertEqual((close.close_code, close.close_reason), (1000, b""))
            conn.send_frame(CLOSE, rawws.close_payload(1000))
            self.assertTrue(conn.wait_eof())
            listen.wait_line(r"^#1 closing \(code 1000\)$", stream="stdout")

    def test_target_reset_closes_with_1011(self):
        peer = StreamPeer(self, [("recv", 4), ("reset",)])
        listen, url = self.listen(peer.target)
        conn = self.raw(url)
        conn.send_frame(BINARY, b"ping")
        frames, close = frames_until_close(conn, answer=True)
        self.assertEqual(frames, [])
        self.assertEqual(close.close_code, 1011)
        reason = close.close_reason.decode()
        self.assertRegex(reason, r"^%s: .*reset" % re.escape(peer.target))
        listen.wait_line(r"^#1 %s$" % re.escape(reason))
        listen.wait_line(r"^#1 closing \(code 1011", stream="stdout")

    def test_unreachable_target_closes_with_1011_and_the_reason(self):
        port = free_port()
        listen, url = self.listen(f"tcp:127.0.0.1:{port}")
        conn = self.raw(url)
        frames, close = frames_until_close(conn, answer=True)
        self.assertEqual(frames, [])
        reason = f"cannot connect to tcp:127.0.0.1:{port}: connection refused"
        self.assertEqual((close.close_code, close.close_reason.decode()), (1011, reason))
        listen.wait_line(r"^#1 %s$" % re.escape(reason))
        listen.wait_line(r"^#1 closing \(code 1011 .*%s" % re.escape(reason), stream="stdout")
        self.assertIsNone(listen.proc.poll())

    def test_client_close_gives_the_target_its_data_then_eof(self):
        peer = StreamPeer(self, [("read",)])
        listen, url = self.listen(peer.target)
        conn = self.raw(url)
        big = os.urandom(2 * MIB + 3)
        conn.send_frame(TEXT, "héllo ✓")
        conn.send_frame(BINARY, b"\x00\xff\r\n")
        conn.send_frame(BINARY, big)
        # A message in fragments is its bytes too.
        conn.send_frame(TEXT, "frag", fin=False)
        conn.send_frame(rawws.CONT, "ments")
        # A ping is answered by listen, and is no data.
        conn.send_frame(rawws.PING, b"not data")
        conn.send_frame(CLOSE, rawws.close_payload(1000, "bye"))
        frames, close = frames_until_close(conn)
        self.assertEqual([(f.opcode, f.payload) for f in frames], [(rawws.PONG, b"not data")])
        self.assertEqual(close.close_code, 1000)
        link = peer.next_link()
        self.assertEqual(link.wait_eof(), "héllo ✓".encode() + b"\x00\xff\r\n" + big + b"fragments")
        listen.wait_line(r"^#1 disconnected \(code 1000", stream="stdout")

    def test_a_client_that_breaks_resets_its_target(self):
        """An error close (1011) or a drop without one (1006) is no normal
        end: the target's connection gets a TCP reset, not EOF."""
        for how in ("close 1011", "drop"):
            with self.subTest(how=how):
                peer = StreamPeer(self, [("read",)])
                listen, url = self.listen(peer.target)
                conn = self.raw(url)
                conn.send_frame(BINARY, b"abc")
                link = peer.next_link()
                link.wait_received(3)
                if how == "drop":
                    conn.close()
                else:
                    conn.send_frame(CLOSE, rawws.close_payload(1011, "broke"))
                link.wait_for(lambda l: l.done, "the end of the target's connection")
                self.assertIsInstance(link.error, ConnectionResetError, f"eof={link.eof}")

    def test_sigterm_closes_clients_with_1001_and_ends_targets(self):
        peer = StreamPeer(self, [("read",)])
        listen, url = self.listen(peer.target)
        conn = self.raw(url)
        conn.send_frame(BINARY, b"abc" * 1000)
        link = peer.next_link()
        link.wait_received(3000)
        listen.signal(signal.SIGTERM)
        _, close = frames_until_close(conn, answer=True)
        self.assertEqual(close.close_code, 1001)
        self.assertEqual(listen.wait(), 143)
        self.assertEqual(link.wait_eof(), b"abc" * 1000)

    # --- --text, unix:, addresses ---------------------------------------------------

    def test_text_sends_utf8_as_text_and_the_rest_as_binary(self):
        # Each chunk waits for the client's answer to the one before, so that
        # it is read alone.
        peer = StreamPeer(self, [("send", "héllo ✓".encode()), ("recv", 1), ("send", b"\xff\xfe\x00"), ("recv", 1),
                                 ("send", b"plain"), ("close",)])
        _, url = self.listen(peer.target, "--text")
        conn = self.raw(url)
        got = []
        for _ in range(2):
            f = conn.read_frame()
            got.append((f.opcode, f.payload))
            conn.send_frame(BINARY, b".")
        frames, close = frames_until_close(conn)
        got += [(f.opcode, f.payload) for f in frames]
        self.assertEqual(got, [(TEXT, "héllo ✓".encode()), (BINARY, b"\xff\xfe\x00"), (TEXT, b"plain")])
        self.assertEqual(close.close_code, 1000)

    def test_unix_socket_target(self):
        path = os.path.join(self.tmp, "echo.sock")
        peer = StreamPeer(self, [("echo",)], path=path)
        listen, url = self.listen(f"unix:{path}", "-v")
        conn = self.raw(url)
        payload = os.urandom(200_000)
        conn.send_frame(BINARY, payload)
        got = b""
        while len(got) < len(payload):
            f = conn.read_frame()
            self.assertEqual(f.opcode, BINARY)
            got += f.payload
        self.assertEqual(got, payload)
        listen.wait_line(r"^#1 connected to unix:%s$" % re.escape(path))
        conn.send_frame(CLOSE, rawws.close_payload(1000))
        frames_until_close(conn)
        self.assertEqual(peer.next_link().wait_eof(), payload)
        listen.wait_line(r"^#1 unix:%s closed: 200000 bytes to it, 200000 from it$" % re.escape(path))

    def test_names_and_bracketed_ipv6(self):
        peer = StreamPeer(self, [("echo",)])
        listen, url = self.listen(f"tcp:localhost:{peer.port}", "-v")
        conn = self.raw(url)
        conn.send_frame(BINARY, b"by name")
        self.assertEqual(conn.read_frame().payload, b"by name")
        listen.wait_line(r"^#1 connected to tcp:localhost:%d$" % peer.port)
        try:
            v6 = StreamPeer(self, [("echo",)], host="::1")
        except OSError as e:
            self.skipTest(f"no IPv6 loopback: {e}")
        self.assertEqual(v6.target, f"tcp:[::1]:{v6.port}")
        listen, url = self.listen(v6.target, "-v")
        conn = self.raw(url)
        conn.send_frame(BINARY, b"over v6")
        self.assertEqual(conn.read_frame().payload, b"over v6")
        listen.wait_line(r"^#1 connected to tcp:\[::1\]:%d$" % v6.port)

    # --- Chromium ---------------------------------------------------------------------

    def test_chromium_pages_allowed_by_origin_and_refused_otherwise(self):
        peer = StreamPeer(self, [("echo",)])
        _, allowed = self.start_wskit_server("echo", "0")  # the page of the allowed site (its 426 page)
        _, other = self.start_wskit_server("echo", "0")    # a page of another site
        allowed_page, other_page = allowed.replace("ws://", "http://"), other.replace("ws://", "http://")
        listen, url = self.listen(peer.target, "--text", "--origin", allowed_page.rstrip("/"))
        got = self.browser_websocket(url, [allowed_page, other_page], send="hello from noVNC")
        self.assertEqual([g["result"] for g in got], ["open", "error"], got)
        self.assertEqual(got[0]["reply"], "hello from noVNC")
        listen.wait_line(r"^wskit: refused 127\.0\.0\.1:\d+: origin '%s' is not allowed"
                         % re.escape(other_page.rstrip("/")))
        # noVNC's way: binary frames read as ArrayBuffers, every byte value.
        script = """
            const ws = new WebSocket(args.url);
            ws.binaryType = 'arraybuffer';
            await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
            const sent = new Uint8Array(256).map((_, i) => i);
            let got = [];
            const done = new Promise((resolve) => {
              ws.onmessage = (e) => {
                // With --text, a read that happens to hold only bytes below
                // 0x80 comes as text: the same bytes.
                const bytes = typeof e.data === 'string' ? new TextEncoder().encode(e.data) : new Uint8Array(e.data);
                got = got.concat(Array.from(bytes));
                if (got.length >= sent.length) resolve();
              };
            });
            ws.send(sent);
            await done;
            ws.close(1000);
            return got;
        """
        lines = self.run_browser(allowed_page, script, args={"url": url})
        self.assertEqual(lines[-1]["done"], list(range(256)))
        # The refused page never reached the service: two pages, two links.
        for _ in range(2):
            listen.wait_line(r"^#\d+ disconnected", stream="stdout")
        self.assertEqual(len(peer.links), 2)
        self.assertEqual(peer.links[1].wait_eof(), bytes(range(256)))

    # --- backpressure -------------------------------------------------------------

    def test_a_target_that_does_not_read_stops_its_client(self):
        peer = StreamPeer(self, [("hold",), ("read",)])
        listen, url = self.listen(peer.target)
        conn = self.raw(url)
        link = peer.next_link()
        payload = os.urandom(MIB)
        chunk = rawws.frame(BINARY, payload)
        count = 64
        flooder = rawws.Flooder(conn, chunk)
        sent, blocked, peak = until_blocked(lambda: flooder.sent, lambda: flooder.pump(0.1), listen.proc.pid,
                                            count * len(chunk))
        self.assertTrue(blocked, f"the client's flood never blocked ({sent / MIB:.1f} MiB taken)")
        self.assertLess(sent, count * len(chunk) // 2, "the client got most of its flood out")
        if not SANITIZED:
            self.assertLess(peak, RSS_BOUND, f"listen's RSS reached {peak / MIB:.1f} MiB")
        # The service reads at last: the rest of the flood goes, and every
        # byte of it arrives, in order.
        peer.release.set()
        conn.sock.settimeout(30)
        conn.sock.sendall(chunk[flooder.offset:] if flooder.offset else b"")
        for _ in range(count - (sent + len(chunk) - 1) // len(chunk)):
            conn.sock.sendall(chunk)
        conn.send_frame(CLOSE, rawws.close_payload(1000))
        got = link.wait_eof(timeout=30)
        self.assertEqual(len(got), count * MIB)
        for i in range(count):
            self.assertEqual(got[i * MIB:(i + 1) * MIB], payload, f"message {i} differs")
        listen.wait_line(r"^#1 disconnected \(code 1000\)$", stream="stdout")

    def test_a_client_that_does_not_read_stops_its_target(self):
        data = os.urandom(64 * MIB)
        peer = StreamPeer(self, [("send", data), ("close",)])
        listen, url = self.listen(peer.target)
        conn = self.raw(url, rcvbuf=4096)  # reads nothing yet
        link = peer.next_link()
        # Sampled every 0.1 s: a send that blocks says nothing.
        sent, blocked, peak = until_blocked(lambda: link.sent, lambda: time.sleep(0.1), listen.proc.pid, len(data))
        self.assertTrue(blocked, f"the service's flood never blocked ({sent / MIB:.1f} MiB taken)")
        self.assertLess(sent, len(data) // 2, "the service got most of its flood out")
        if not SANITIZED:
            self.assertLess(peak, RSS_BOUND, f"listen's RSS reached {peak / MIB:.1f} MiB")
        # The client reads at last: everything comes, then close 1000.
        conn.sock.settimeout(10)
        got, size, close = conn.binary_until_close()
        self.assertEqual(size, len(data))
        self.assertEqual(got, hashlib.sha256(data).hexdigest())
        self.assertEqual(close.close_code, 1000)

    # --- what is printed --------------------------------------------------------------

    def test_only_connections_on_stdout_and_v_adds_the_pairs_on_stderr(self):
        peer = StreamPeer(self, [("echo",)])
        for verbose in ((), ("-v",)):
            with self.subTest(verbose=verbose):
                listen, url = self.listen(peer.target, *verbose)
                conn = self.raw(url)
                for message in (b"one", b"two two", os.urandom(100_000)):
                    conn.send_frame(BINARY, message)
                    got = b""
                    while len(got) < len(message):
                        got += conn.read_frame().payload
                    self.assertEqual(got, message)
                conn.send_frame(CLOSE, rawws.close_payload(1000))
                frames_until_close(conn)
                listen.wait_line(r"^#1 disconnected \(code 1000\)$", stream="stdout")
                n = 3 + 7 + 100_000
                if verbose:
                    listen.wait_line(r"^#1 connected to %s$" % re.escape(peer.target))
                    listen.wait_line(r"^#1 %s closed: %d bytes to it, %d from it$" % (re.escape(peer.target), n, n))
                else:
                    self.assertFalse([l for l in listen.seen["stderr"] if l.startswith("#1")], listen.seen["stderr"])
                stdout = listen.seen["stdout"]
                self.assertEqual(len(stdout), 2, stdout)
                self.assertRegex(stdout[0], r"^#1 connected from 127\.0\.0\.1:\d+ to /")
                listen.stop()

    def test_non_loopback_binding_warns_unless_guarded(self):
        target = f"tcp:127.0.0.1:{free_port()}"
        listen, _ = self.start_wskit_server("listen", "--host", "0.0.0.0", "0", "--to", target)
        warnings = [l for l in listen.seen["stderr"] if "warning" in l]
        self.assertEqual(warnings, [
            f"wskit: warning: --to on 0.0.0.0, which is not loopback: anyone who can reach the port can reach "
            f"{target}; require a secret with --token SECRET (or bind 127.0.0.1)"])
        for guard in (["--token", "s3cret"], ["--origin", "https://app.test"]):
            with self.subTest(guard):
                guarded, _ = self.start_wskit_server("listen", "--host", "0.0.0.0", *guard, "0", "--to", target)
                self.assertFalse([l for l in guarded.seen["stderr"] if "warning" in l], guarded.seen["stderr"])
        star, _ = self.listen(target, "--origin", "*")
        self.assertEqual([l for l in star.seen["stderr"] if "warning" in l], [
            f"wskit: warning: --origin '*' with --to: any web page a browser here visits can reach {target} "
            f"through this server; list the pages' origins instead"])
        loopback, _ = self.listen(target)
        self.assertFalse([l for l in loopback.seen["stderr"] if "warning" in l], loopback.seen["stderr"])

    def test_bad_values_exit_2_with_one_line(self):
        cases = [
            (["--to", "ftp:x"], "expected tcp:HOST:PORT or unix:PATH"),
            (["--to", "tcp:host"], "expected tcp:HOST:PORT"),
            (["--to", "tcp:h:0"], "the port is a number from 1 to 65535"),
            (["--to", "tcp:h:70000"], "the port is a number from 1 to 65535"),
            (["--to", "tcp:::1:22"], r"an IPv6 address goes in brackets: tcp:\[::1\]:22"),
            (["--to", "unix:"], "expected unix:PATH"),
            (["--to", "tcp:127.0.0.1:22", "--exec", "cat"], "--to, --exec and --replay cannot go together"),
            (["--text"], "--text goes with --to"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                r = self.wskit("listen", "0", *args, timeout=10)
                self.assertExit(r, 2)
                self.assertEqual(r.stdout, b"")
                lines = r.stderr.decode().splitlines()
                self.assertEqual(len(lines), 1, lines)
                self.assertRegex(lines[0], r"^wskit: .*" + message)
                if args[0] == "--to" and len(args) == 2:
                    self.assertTrue(lines[0].startswith(f"wskit: --to '{args[1]}': "), lines)

    # --- targets that cannot be --------------------------------------------------------

    def test_unix_path_longer_than_sun_path_does_not_kill_the_server(self):
        # A unix: path longer than sockaddr_un's sun_path (107 bytes) is
        # refused at start (exit 2), or that client closed with 1011 and the
        # server going on: never an exception out of the loop.
        path = os.path.join(self.tmp, "s" * 120)
        listen = self.start([WSKIT, "listen", "0", "--to", f"unix:{path}"])
        first = listen.wait_line(r"listening on (\S+)|^wskit: ")
        if first.group(1) is None:
            self.assertEqual(listen.wait(), 2)
            return
        for _ in range(2):
            conn = self.raw(first.group(1))
            frames, close = frames_until_close(conn)
            self.assertEqual(close.close_code, 1011)
        self.assertIsNone(listen.proc.poll(), listen.seen["stderr"])

    def test_close_reason_is_utf8(self):
        # The 1011 reason quotes the target's path: escaped, and cut at 123
        # bytes between characters, since a close reason must be UTF-8 (RFC
        # 6455 7.1.6) and clients fail the connection on one that is not.
        raw_path = os.fsencode(self.tmp) + b"/\xff.sock"  # no such file, not UTF-8
        # A socket file nobody listens on: "cannot connect to unix:PATH:
        # connection refused", whose byte 123 is the middle of "é".
        prefix = "cannot connect to unix:"
        pad = 122 - len(prefix) - len(self.tmp) - 1
        cut_path = os.path.join(self.tmp, "s" * pad + "é.sock")
        self.assertEqual(len(prefix + self.tmp + "/") + pad, 122)
        self.assertLessEqual(len(os.fsencode(cut_path)), 107)
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stale.bind(cut_path)
        self.addCleanup(stale.close)
        for target in (b"unix:" + raw_path, b"unix:" + os.fsencode(cut_path)):
            with self.subTest(target=target):
                listen = self.start([os.fsencode(WSKIT), b"listen", b"0", b"--to", target])
                url = listen.wait_line(r"listening on (\S+)").group(1)
                conn = self.raw(url)
                _, close = frames_until_close(conn)
                self.assertEqual(close.close_code, 1011)
                self.assertLessEqual(len(close.close_reason), 123)
                try:
                    close.close_reason.decode("utf-8")
                except UnicodeDecodeError as e:
                    self.fail(f"the close reason {close.close_reason!r} is not UTF-8: {e}")


if __name__ == "__main__":
    main()
