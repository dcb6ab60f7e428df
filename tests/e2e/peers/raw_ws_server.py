"""A WebSocket server on a raw socket, for liveness tests: it completes the
opening handshake and then behaves as told, including in ways a library
would not (never answering pings). Binds 127.0.0.1 port 0 and prints
"listening on ws://127.0.0.1:PORT/" on stderr.
  --mode silent   read and report frames, never answer anything (default)
  --mode deaf     never read after the handshake
  --mode pong     answer pings with pongs, echo text/binary, answer a close
Prints "open" per connection, "frame ping len=N data=TEXT" (etc.) per frame
read, "eof" when the client's side ends, each on stderr."""
import argparse
import base64
import hashlib
import socket
import struct
import sys
import threading

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
NAMES = {0: "continuation", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}


def say(line):
    print(line, file=sys.stderr, flush=True)


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def read_frame(sock):
    b0, b1 = read_exact(sock, 2)
    opcode, masked, length = b0 & 0x0F, b1 & 0x80, b1 & 0x7F
    if length == 126:
        length = struct.unpack("!H", read_exact(sock, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", read_exact(sock, 8))[0]
    mask = read_exact(sock, 4) if masked else b"\0\0\0\0"
    payload = bytes(c ^ mask[i % 4] for i, c in enumerate(read_exact(sock, length)))
    return opcode, payload


def frame(opcode, payload):
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return header + payload


def handshake(sock):
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = sock.recv(4096)
        if not chunk:
            raise EOFError
        request += chunk
    key = ""
    for line in request.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "sec-websocket-key":
            key = value.strip()
    accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    sock.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n").encode())


def serve(sock, mode, held):
    try:
        handshake(sock)
        say("open")
        if mode == "deaf":
            held.append(sock)  # keep it open, never read
            return
        while True:
            opcode, payload = read_frame(sock)
            say(f"frame {NAMES.get(opcode, opcode)} len={len(payload)} "
                f"data={payload.decode('utf-8', 'replace')}")
            if mode != "pong":
                continue
            if opcode == 9:
                sock.sendall(frame(10, payload))
            elif opcode in (1, 2):
                sock.sendall(frame(opcode, payload))
            elif opcode == 8:
                sock.sendall(frame(8, payload[:2]))
                sock.close()
                return
    except (EOFError, OSError):
        say("eof")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["silent", "deaf", "pong"], default="silent")
    args = ap.parse_args()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    say(f"listening on ws://127.0.0.1:{listener.getsockname()[1]}/")
    held = []
    while True:
        sock, _ = listener.accept()
        threading.Thread(target=serve, args=(sock, args.mode, held), daemon=True).start()


if __name__ == "__main__":
    main()
