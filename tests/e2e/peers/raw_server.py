"""A raw-socket WebSocket server that sends crafted bytes no library would
send, for wskit connect's end-to-end tests. Binds 127.0.0.1 port 0, prints
"listening on ws://127.0.0.1:PORT/" on stderr, serves one connection.

After a correct RFC 6455 handshake it does, by MODE:
  drop          send text "hello", then drop the TCP connection (no close frame)
  invalid-utf8  send a text frame whose payload is not UTF-8 ("ok \\xff\\xfe")
  split-utf8    send "é!" as a text message fragmented in the middle of "é"
  truncated-utf8 send a text message that ends in the middle of "é"
  silent        never answer anything, not even a close frame
Mode reject-slow-body answers the handshake with a 403 whose body follows
the head 0.3 s later.
Every frame received from the client is reported on stderr as
"frame opcode=N len=L" (and " code=C" for a close frame); a clean EOF from the
client as "eof". In every mode but silent, a client close is answered with a
close frame echoing its code, then the socket is closed.
"""
import base64
import hashlib
import socket
import struct
import sys
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def frame(opcode, payload, fin=True):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


class Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def until(self, marker):
        while marker not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def frame(self):
        b0, b1 = self.need(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.need(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.need(8))[0]
        mask = self.need(4) if b1 & 0x80 else b"\0\0\0\0"
        data = bytes(c ^ mask[i % 4] for i, c in enumerate(self.need(n)))
        return b0 & 0x0F, data


def main():
    mode = sys.argv[1]
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    log(f"listening on ws://127.0.0.1:{srv.getsockname()[1]}/")
    conn, _ = srv.accept()
    r = Reader(conn)
    request = r.until(b"\r\n\r\n").decode("latin-1")
    key = ""
    for line in request.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "sec-websocket-key":
            key = value.strip()
    if mode == "reject-slow-body":
        body = b"not allowed here\n"
        conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n"
                     b"X-Rejected-By: raw_server\r\nContent-Length: %d\r\n\r\n" % len(body))
        time.sleep(0.3)
        conn.sendall(body)
        log("body sent")
        try:
            while conn.recv(65536):
                pass
        except ConnectionError:
            pass
        return
    accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
    conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n").encode())

    if mode == "drop":
        conn.sendall(frame(0x1, b"hello"))
        log("dropping")
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
        return
    if mode == "invalid-utf8":
        conn.sendall(frame(0x1, b"ok \xff\xfe"))
    elif mode == "split-utf8":
        e = "é!".encode()
        conn.sendall(frame(0x1, e[:1], fin=False) + frame(0x0, e[1:], fin=True))
    elif mode == "truncated-utf8":
        e = "é".encode()
        conn.sendall(frame(0x1, b"ab", fin=False) + frame(0x0, e[:1], fin=True))
    elif mode != "silent":
        raise SystemExit(f"unknown mode {mode}")

    try:
        while True:
            opcode, data = r.frame()
            if opcode == 0x8:
                code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None
                log(f"frame opcode=8 len={len(data)} code={code}")
                if mode != "silent":
                    conn.sendall(frame(0x8, data[:2]))
                    conn.close()
                    return
            else:
                log(f"frame opcode={opcode} len={len(data)}")
                if mode == "split-utf8" and opcode in (1, 2):
                    conn.sendall(frame(opcode, data))
    except (EOFError, ConnectionError):
        log("eof")


if __name__ == "__main__":
    main()
