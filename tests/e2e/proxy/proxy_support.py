"""What the `wskit proxy` end-to-end tests share: a proxy in front of a
server, the server of peers/proxy_upstream.py (which says on stdout what
reached it and obeys its client's '/' commands), and a raw client (rawws)
that can send and see exactly what crosses: pings, pongs, close frames,
fragments, handshake headers."""
import json
import queue
import time

import rawws
from harness import TestCase, port_of


def header_map(pairs):
    """[[name, value], ...] as {lower-case name: value}, repeated names
    joined with ', '."""
    out = {}
    for name, value in pairs:
        name = name.lower()
        out[name] = out[name] + ", " + value if name in out else value
    return out


class Handshake:
    """A raw client's opening handshake with a proxy: the answer's status,
    headers (lower-case names) and body; `conn` is the open connection
    after a 101, None otherwise."""

    def __init__(self, port, path="/", headers=None, key=None):
        self.key = key or rawws.new_key()
        host = (headers or {}).get("Host", f"127.0.0.1:{port}")
        conn = rawws.connect(port)
        try:
            conn.send(rawws.upgrade_request(host, path, key=self.key, headers=headers))
            start, self.headers, self.raw = conn.read_http_head()
            self.status = int(start.split(" ", 2)[1])
            self.body = b""
            if self.status != 101:
                n = int(self.headers.get("content-length", "0"))
                conn._need(n)
                self.body = conn.buf[:n]
                conn.close()
                conn = None
        except BaseException:
            conn.close()
            raise
        self.conn = conn

    def __repr__(self):
        return f"<handshake {self.status} {self.headers!r} {self.body[:300]!r}>"


def read_message(conn):
    """The next frame that is not a data frame, or the next data message
    with its fragments joined: (opcode, payload). (None, b"") at EOF."""
    first = conn.read_frame()
    if first is None:
        return None, b""
    if first.opcode not in (rawws.TEXT, rawws.BINARY) or first.fin:
        return first.opcode, first.payload if first.opcode != rawws.CLOSE else first
    payload = first.payload
    while True:
        f = conn.read_frame()
        if f is None:
            raise AssertionError(f"EOF inside a fragmented message after {len(payload)} B")
        if f.opcode != rawws.CONT:
            raise AssertionError(f"a {f!r} inside a fragmented message")
        payload += f.payload
        if f.fin:
            return first.opcode, payload


class ProxyCase(TestCase):
    """Starts upstream servers and proxies that stop with the test."""

    def upstream(self, *args, script="proxy_upstream.py"):
        """A peer server (proxy_upstream.py unless `script`): (process, url)."""
        return self.start_python_peer(script, *args)

    def proxy(self, upstream_url, *args, after=(), **kw):
        """`wskit proxy ARGS 0 UPSTREAM AFTER`: (process, url, port). Its
        stdout is human lines (the proxy prints human lines into a pipe)."""
        p, url = self.start_wskit_server("proxy", *args, "0", upstream_url, *after, **kw)
        p.wait_line(r"^forwarding to ")
        return p, url, port_of(url)

    def client(self, port, path="/", headers=None, **kw):
        """A raw client through the proxy (101 checked), closed with the test."""
        conn = rawws.ws_connect(port, path, headers=headers, **kw)
        self.addCleanup(conn.close)
        return conn

    def handshake(self, port, path="/", headers=None):
        h = Handshake(port, path, headers)
        if h.conn is not None:
            self.addCleanup(h.conn.close)
        return h

    def wait_lines(self, proc, lines, stream="stdout", timeout=10):
        """Waits until each of `lines` (whole lines) has come on `stream`,
        in any order; other lines are passed over."""
        pending = list(lines)
        try:
            while pending:
                line = proc.wait_line(r"", stream=stream, timeout=timeout).string
                if line in pending:
                    pending.remove(line)
        except AssertionError as e:
            raise AssertionError(f"still waiting for {pending!r}: {e}") from None

    def event(self, upstream, name, **fields):
        """Waits for proxy_upstream.py's next JSON line of event `name`
        with these fields (lines before it are passed over)."""
        pattern = r'^\{"event": "%s"' % name
        while True:
            line = json.loads(upstream.wait_line(pattern, stream="stdout").string)
            if all(line.get(k) == v for k, v in fields.items()):
                return line

    def saw(self, upstream, name, timeout=10, **fields):
        """Waits until proxy_upstream.py has said an event `name` with these
        fields, even if an earlier wait passed over it; returns it. Once it
        returns, every line the server printed before it is in `events`."""
        deadline = time.monotonic() + timeout
        while True:
            for e in self.events(upstream, name):
                if all(e.get(k) == v for k, v in fields.items()):
                    return e
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"the server never said {name} {fields!r}: {upstream.seen['stdout'][-20:]!r}")
            try:
                if upstream.lines["stdout"].get(timeout=min(left, 0.5)) is None:
                    upstream.lines["stdout"].put(None)  # at its end: look once more, then time out
                    time.sleep(min(left, 0.05))
            except queue.Empty:
                pass

    def events(self, upstream, name=None):
        """proxy_upstream.py's JSON lines read so far (of event `name`)."""
        lines = [json.loads(l) for l in list(upstream.seen["stdout"]) if l.startswith("{")]
        return [l for l in lines if name is None or l["event"] == name]

    def texts(self, upstream, conn=1):
        return [e["text"] for e in self.events(upstream, "text") if e["conn"] == conn]

    def expect_message(self, conn, opcode, payload):
        got = read_message(conn)
        if isinstance(payload, str):
            payload = payload.encode()
        self.assertEqual(got, (opcode, payload), f"expected {rawws.OPCODE_NAMES[opcode]} {payload[:80]!r}")

    def expect_close(self, conn, code, reason=None, answer=True):
        """Reads up to the close frame, which must carry `code` (and
        `reason`); answers it with the same code and reason unless told not
        to. Returns the data messages read before it."""
        before = []
        while True:
            opcode, payload = read_message(conn)
            self.assertIsNotNone(opcode, f"EOF without a close frame after {before!r}")
            if opcode == rawws.CLOSE:
                break
            before.append((opcode, payload))
        frame = payload
        self.assertEqual(frame.close_code, code, f"{frame!r} after {before!r}")
        if reason is not None:
            self.assertEqual(frame.close_reason.decode(), reason, repr(frame))
        if answer:
            conn.send(rawws.close_frame(frame.close_code, frame.close_reason))
        return before
