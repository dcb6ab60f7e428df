"""A raw-socket server that answers WebSocket handshakes wrongly, one way
per MODE, for handshake-inspect's tests. Binds 127.0.0.1 port 0, prints
"listening on ws://127.0.0.1:PORT/" on stderr, and serves every connection
the same way until killed.

Modes (after reading the request):
  bad-accept        101 with a Sec-WebSocket-Accept that does not match the key
  no-upgrade        101 without an Upgrade header
  keep-alive        101 with "Connection: keep-alive" only
  ok-200            200 OK with a Content-Length body
  chunked-400       400 with a chunked body
  close-delimited   403 whose body ends when the connection does
  bad-subprotocol   101 choosing subprotocol "evil", which nobody offers
  bad-extension     101 enabling extension "x-evil", which nobody offers
  426-no-version    426 without Sec-WebSocket-Version
  masked-frame      a correct 101, then a masked text frame
  rsv-frame         a correct 101, then a text frame with RSV1 set
  silent            never answers
  mute              a correct 101, then reads every frame and answers none
  goodbye           a correct 101, then a close frame: 4000 and a reason with
                    an escape sequence in it
  tls-hello         answers with the bytes of a TLS ServerHello record, as a
                    TLS server would to a ClientHello, then waits
  drip              starts a 101 and sends its head one byte every 0.1 s,
                    never reaching the blank line that ends it
"""
import base64
import hashlib
import socket
import sys
import threading
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def accept_for(key):
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def upgrade(key, *extra, connection="Upgrade", upgrade_header=True, accept=None):
    lines = ["HTTP/1.1 101 Switching Protocols"]
    if upgrade_header:
        lines.append("Upgrade: websocket")
    lines.append(f"Connection: {connection}")
    lines.append(f"Sec-WebSocket-Accept: {accept or accept_for(key)}")
    lines.extend(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise EOFError
        data += chunk
    key = ""
    for line in data.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "sec-websocket-key":
            key = value.strip()
    return key


def drain(conn):
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass


def serve(conn, mode):
    with conn:
        try:
            key = read_request(conn)
        except (EOFError, OSError):
            return
        if mode == "silent":
            drain(conn)
            return
        if mode == "mute":
            conn.sendall(upgrade(key))
            drain(conn)
            return
        if mode == "drip":
            head = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nX-Drip: " + b"." * 100000
            try:
                for i in range(len(head)):
                    conn.sendall(head[i:i + 1])
                    time.sleep(0.1)
            except OSError:
                pass
            return
        answers = {
            "bad-accept": upgrade(key, accept="dGhpcyBpcyBub3QgaXQ="),
            "no-upgrade": upgrade(key, upgrade_header=False),
            "keep-alive": upgrade(key, connection="keep-alive"),
            "bad-subprotocol": upgrade(key, "Sec-WebSocket-Protocol: evil"),
            "bad-extension": upgrade(key, "Sec-WebSocket-Extensions: x-evil; level=9"),
            "ok-200": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 21\r\n\r\n<h1>just a page</h1>\n",
            "chunked-400": b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"6\r\nbroken\r\n9\r\n request\n\r\n0\r\n\r\n",
            "426-no-version": b"HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n\r\n",
            "masked-frame": upgrade(key) + bytes([0x81, 0x85, 1, 2, 3, 4]) + bytes(
                c ^ [1, 2, 3, 4][i % 4] for i, c in enumerate(b"hello")),
            "rsv-frame": upgrade(key) + bytes([0xC1, 0x02]) + b"hi",
            "goodbye": upgrade(key) + bytes([0x88, 2 + 16]) + (4000).to_bytes(2, "big") + b"go away \x1b[31mnow",
            # A record header (handshake, TLS 1.2) and the start of a ServerHello.
            "tls-hello": bytes([0x16, 0x03, 0x03, 0x00, 0x4a, 0x02, 0x00, 0x00, 0x46, 0x03, 0x03]) + bytes(32),
        }
        if mode == "close-delimited":
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n\r\nno entry\n")
            return
        conn.sendall(answers[mode])
        drain(conn)


def main():
    mode = sys.argv[1]
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    print(f"listening on ws://127.0.0.1:{srv.getsockname()[1]}/", file=sys.stderr, flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, mode), daemon=True).start()


if __name__ == "__main__":
    main()
