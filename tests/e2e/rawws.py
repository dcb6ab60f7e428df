"""Raw-socket WebSocket peers for the protocol tests: frame builders and a
frame reader that send and check exact bytes (RFC 6455), the accept-key
computation, a raw HTTP exchange, a raw handshaking client, and a raw server
on 127.0.0.1 port 0 for wskit connect. The one library of every Python peer
that talks raw bytes (tests and peers/*.py run as scripts). Standard library
only; every socket operation in a test has a timeout, nothing sleeps.
"""
import base64
import hashlib
import os
import select
import socket
import struct
import sys
import time
import zlib

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TIMEOUT = 3.0

CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
OPCODE_NAMES = {CONT: "continuation", TEXT: "text", BINARY: "binary",
                CLOSE: "close", PING: "ping", PONG: "pong"}


def accept_key(key):
    """Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 4.2.2)."""
    digest = hashlib.sha1((key + GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def new_key():
    return base64.b64encode(os.urandom(16)).decode("ascii")


def mask_bytes(data, key):
    """XORs data with the 4-byte masking key (masking and unmasking)."""
    if not data:
        return b""
    n = len(data)
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")


def frame(opcode, payload=b"", fin=True, rsv=0, mask=True, key=None, length=None):
    """Builds one frame. `rsv` is the 3 reserved bits as a number 0-7 (4 is
    RSV1); `mask` adds a masking key (random unless `key`); `length`
    overrides the length written in the header (to lie about it)."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    b0 = (0x80 if fin else 0) | ((rsv & 7) << 4) | (opcode & 0x0F)
    n = len(payload) if length is None else length
    mbit = 0x80 if mask else 0
    if n < 126:
        head = struct.pack("!BB", b0, mbit | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        head = struct.pack("!BBQ", b0, mbit | 127, n)
    if mask:
        key = key if key is not None else os.urandom(4)
        return head + key + mask_bytes(payload, key)
    return head + payload


def close_payload(code=None, reason=b""):
    if isinstance(reason, str):
        reason = reason.encode("utf-8")
    return b"" if code is None else struct.pack("!H", code) + reason


def close_frame(code=None, reason=b"", mask=True):
    return frame(CLOSE, close_payload(code, reason), mask=mask)


class Frame:
    def __init__(self, fin, rsv, opcode, masked, key, payload):
        self.fin, self.rsv, self.opcode = fin, rsv, opcode
        self.masked, self.key, self.payload = masked, key, payload

    @property
    def close_code(self):
        """The status code of a close frame, or None when it has none."""
        return struct.unpack("!H", self.payload[:2])[0] if len(self.payload) >= 2 else None

    @property
    def close_reason(self):
        return self.payload[2:]

    def __repr__(self):
        name = OPCODE_NAMES.get(self.opcode, hex(self.opcode))
        extra = f" code={self.close_code}" if self.opcode == CLOSE else ""
        body = self.payload if len(self.payload) <= 40 else self.payload[:40] + b"..."
        return (f"<{name} fin={int(self.fin)} rsv={self.rsv} masked={int(self.masked)}"
                f"{extra} {len(self.payload)} B {body!r}>")


class Conn:
    """A TCP connection with a byte buffer: reads frames and HTTP heads."""

    def __init__(self, sock, buf=b"", timeout=TIMEOUT):
        """`timeout` None blocks for ever: for a peer process that waits as
        long as its client does (the test bounds the whole run)."""
        self.sock = sock
        self.sock.settimeout(timeout)
        self.buf = buf
        self.eof = False

    def send(self, data):
        self.sock.sendall(data)

    def send_frame(self, *args, **kw):
        self.send(frame(*args, **kw))

    def _fill(self):
        """Reads more bytes; False at EOF (or reset)."""
        if self.eof:
            return False
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _need(self, n):
        while len(self.buf) < n:
            if not self._fill():
                return False
        return True

    def read_frame(self):
        """The next frame, or None at EOF. socket.timeout when nothing comes."""
        if not self._need(2):
            return None
        b0, b1 = self.buf[0], self.buf[1]
        n = b1 & 0x7F
        pos = 2
        if n == 126:
            if not self._need(4):
                return None
            n = struct.unpack("!H", self.buf[2:4])[0]
            pos = 4
        elif n == 127:
            if not self._need(10):
                return None
            n = struct.unpack("!Q", self.buf[2:10])[0]
            pos = 10
        masked = bool(b1 & 0x80)
        key = None
        if masked:
            if not self._need(pos + 4):
                return None
            key = self.buf[pos:pos + 4]
            pos += 4
        if not self._need(pos + n):
            return None
        payload = self.buf[pos:pos + n]
        self.buf = self.buf[pos + n:]
        if masked:
            payload = mask_bytes(payload, key)
        return Frame(bool(b0 & 0x80), (b0 >> 4) & 7, b0 & 0x0F, masked, key, payload)

    def read_frames_until_close(self, frames=None):
        """Frames up to and including the first close frame (or EOF); the
        close frame is last, or absent when the peer just hung up. Frames
        are appended to `frames` as they come (to report them on a timeout)."""
        frames = [] if frames is None else frames
        while True:
            f = self.read_frame()
            if f is None:
                return frames
            frames.append(f)
            if f.opcode == CLOSE:
                return frames

    def binary_until_close(self):
        """(sha256 hex digest, size) of the binary payloads up to a close
        frame, which is returned last: a byte stream carried in binary
        messages. Fails on another opcode, or on EOF before the close."""
        digest, size = hashlib.sha256(), 0
        while True:
            f = self.read_frame()
            if f is None:
                raise AssertionError(f"EOF after {size} bytes, before a close frame")
            if f.opcode == CLOSE:
                return digest.hexdigest(), size, f
            if f.opcode != BINARY:
                raise AssertionError(f"opcode {f.opcode} after {size} bytes: binary messages expected")
            digest.update(f.payload)
            size += len(f.payload)

    def wait_eof(self):
        """True when the peer closes the TCP connection within TIMEOUT,
        discarding anything else it sends."""
        try:
            while self._fill():
                pass
            return True
        except socket.timeout:
            return False

    def read_http_head(self):
        """Reads an HTTP head; returns (start_line, {lower-name: value}, raw)."""
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                raise EOFError(f"connection closed before the end of the HTTP head: {self.buf!r}")
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            value = value.strip()
            headers[name] = headers[name] + ", " + value if name in headers else value
        return lines[0], headers, head + b"\r\n\r\n"

    def shutdown_write(self):
        """Sends a FIN after what was sent (a TCP half-close); reading goes on."""
        self.sock.shutdown(socket.SHUT_WR)

    def abort(self):
        """Drops the connection with a TCP reset instead of a FIN, as a peer
        that crashed would."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def connect(port, host="127.0.0.1", rcvbuf=None, timeout=TIMEOUT, tls=None):
    """`rcvbuf` fixes the receive buffer before connecting, so that the
    kernel holds little for a peer that does not read. `tls`, an
    ssl.SSLContext, makes it a TLS connection to `host`."""
    if rcvbuf is None:
        sock = socket.create_connection((host, port), timeout=timeout)
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.settimeout(timeout)
        sock.connect((host, port))
    if tls is not None:
        sock = tls.wrap_socket(sock, server_hostname=host)
    return Conn(sock, timeout=timeout)


class HttpResponse:
    def __init__(self, status, reason, headers, body):
        self.status, self.reason, self.headers, self.body = status, reason, headers, body

    def __repr__(self):
        return f"<HTTP {self.status} {self.reason} {self.headers!r} {self.body[:200]!r}>"


def http_exchange(port, request):
    """Sends raw request bytes, returns the HttpResponse (body read by
    Content-Length, or to EOF)."""
    conn = connect(port)
    try:
        conn.send(request if isinstance(request, bytes) else request.encode("latin-1"))
        start, headers, _ = conn.read_http_head()
        parts = start.split(" ", 2)
        status = int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        if status != 101:
            if "content-length" in headers:
                conn._need(int(headers["content-length"]))
                body = conn.buf[:int(headers["content-length"])]
            else:
                conn.wait_eof()
                body = conn.buf
        else:
            body = b""
        return HttpResponse(status, reason, headers, body)
    finally:
        conn.close()


def upgrade_request(host_port, path="/", key=None, method="GET", version="HTTP/1.1",
                    headers=None, drop=()):
    """A handshake request; `headers` adds or replaces (name -> value, None
    removes), `drop` lists header names to leave out."""
    fields = {
        "Host": host_port,
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": key if key is not None else new_key(),
        "Sec-WebSocket-Version": "13",
    }
    for name, value in (headers or {}).items():
        fields[name] = value
    lines = [f"{method} {path} {version}"]
    for name, value in fields.items():
        if value is None or name in drop:
            continue
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# permessage-deflate (RFC 7692 7.2): a message's payload is raw deflate,
# sync-flushed, without the final 00 00 ff ff; RSV1 (rsv=4) on its first frame.
DEFLATE_TAIL = b"\x00\x00\xff\xff"
RSV1 = 4


def deflate(data, wbits=15, level=6):
    """One message compressed on its own (no context taken over)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    c = zlib.compressobj(level, zlib.DEFLATED, -wbits)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(DEFLATE_TAIL)
    return out[:-4]


def deflated_text_ending_in_the_tail(valid):
    """A compressed text message whose last byte comes out only when the
    receiver appends DEFLATE_TAIL: `valid` (ASCII), then the first five bits
    of the fixed Huffman code of 0x90 (110010000), whose last four are the
    tail's first zero bits. 0x90 alone is not UTF-8, but a receiver that
    checks only what the payload itself inflates to lets it through."""
    bits = [0, 1, 0]  # BFINAL=0, BTYPE=01 (fixed codes): header fields go least significant bit first
    for code, length in [(0x30 + c, 8) for c in valid.encode("ascii")] + [(0b11001, 5)]:
        bits += [(code >> i) & 1 for i in reversed(range(length))]  # Huffman codes most significant bit first
    assert len(bits) % 8 == 0  # 3 + 8n + 5
    payload = bytes(sum(b << i for i, b in enumerate(bits[k:k + 8])) for k in range(0, len(bits), 8))
    d = zlib.decompressobj(-15)
    assert d.decompress(payload) == valid.encode() and d.decompress(DEFLATE_TAIL) == b"\x90"
    return payload


def inflate(payload, wbits=15):
    """A compressed message's payload inflated with a window of 2^wbits (a
    peer that used a larger window fails here)."""
    d = zlib.decompressobj(-wbits)
    return d.decompress(payload + DEFLATE_TAIL) + d.flush()


def ws_handshake(port, headers=None):
    """A raw client after a successful handshake: (Conn, response headers)."""
    key = new_key()
    conn = connect(port)
    conn.send(upgrade_request(f"127.0.0.1:{port}", "/", key=key, headers=headers))
    start, resp_headers, raw = conn.read_http_head()
    if not start.startswith("HTTP/1.1 101") or resp_headers.get("sec-websocket-accept") != accept_key(key):
        conn.close()
        raise AssertionError(f"handshake refused: {raw!r}")
    return conn, resp_headers


def ws_connect(port, path="/", headers=None, rcvbuf=None, tls=None):
    """A raw client after a successful handshake: returns a Conn."""
    key = new_key()
    conn = connect(port, rcvbuf=rcvbuf, tls=tls)
    conn.send(upgrade_request(f"127.0.0.1:{port}", path, key=key, headers=headers))
    start, resp_headers, raw = conn.read_http_head()
    if not start.startswith("HTTP/1.1 101"):
        conn.close()
        raise AssertionError(f"handshake refused: {raw!r}")
    if resp_headers.get("sec-websocket-accept") != accept_key(key):
        conn.close()
        raise AssertionError(f"bad Sec-WebSocket-Accept in {raw!r}")
    return conn


def handshake_response(key, status="101 Switching Protocols", headers=None, drop=(), accept=None,
                       body=b""):
    """A server's answer: a correct 101 for `key` unless told otherwise."""
    fields = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Accept": accept if accept is not None else accept_key(key),
    }
    if not status.startswith("101"):
        fields = {"Content-Type": "text/plain", "Content-Length": str(len(body))}
    for name, value in (headers or {}).items():
        fields[name] = value
    lines = [f"HTTP/1.1 {status}"]
    lines += [f"{n}: {v}" for n, v in fields.items() if v is not None and n not in drop]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def answer_handshake(conn, request_headers, **response):
    """Answers a handshake request read from `conn` with a correct 101 for
    its key (or what `response` says, see handshake_response)."""
    conn.send(handshake_response(request_headers.get("sec-websocket-key", ""), **response))


class RawServer:
    """A raw TCP server on 127.0.0.1 port 0 for one client at a time; the
    test drives each connection byte by byte. It says "listening on URL" on
    stderr, as wskit does, so that a peer process can be started like wskit.
    `timeout` (accepting and each connection's reads) None blocks for ever:
    for a peer process, whose test bounds the whole run."""

    def __init__(self, timeout=TIMEOUT, backlog=8):
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(backlog)
        self.sock.settimeout(timeout)
        self.port = self.sock.getsockname()[1]
        self.url = f"ws://127.0.0.1:{self.port}/"
        print(f"listening on {self.url}", file=sys.stderr, flush=True)

    def accept_conn(self):
        """Accepts a client and reads nothing yet."""
        s, _ = self.sock.accept()
        return Conn(s, timeout=self.timeout)

    def accept(self):
        """Accepts a client and reads its handshake request; returns
        (Conn, request line, headers)."""
        conn = self.accept_conn()
        start, headers, _ = conn.read_http_head()
        return conn, start, headers

    def accept_ws(self, **response):
        """Accepts a client and completes the handshake with a correct 101
        (or what `response` says, see handshake_response)."""
        conn, start, headers = self.accept()
        answer_handshake(conn, headers, **response)
        return conn, headers

    def close(self):
        self.sock.close()


class Flooder:
    """Sends `chunk` (whole frames) over and over on a connected raw socket,
    never reading, while the test samples the server."""

    def __init__(self, conn, chunk):
        self.sock = conn.sock
        self.sock.setblocking(False)
        self.chunk = chunk
        self.offset = 0
        self.sent = 0

    def pump(self, seconds):
        """Sends for `seconds` whenever the socket takes more."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            _, writable, _ = select.select([], [self.sock], [], min(left, 0.05))
            if not writable:
                continue
            try:
                n = self.sock.send(self.chunk[self.offset:] if self.offset else self.chunk)
            except BlockingIOError:
                continue
            except OSError:
                return  # the server dropped us
            self.sent += n
            self.offset = (self.offset + n) % len(self.chunk)
