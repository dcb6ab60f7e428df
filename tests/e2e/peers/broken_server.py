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
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import rawws  # noqa: E402
from rawws import RSV1, TEXT, close_frame, frame, handshake_response  # noqa: E402

# A record header (handshake, TLS 1.2) and the start of a ServerHello.
TLS_SERVER_HELLO = bytes([0x16, 0x03, 0x03, 0x00, 0x4a, 0x02, 0x00, 0x00, 0x46, 0x03, 0x03]) + bytes(32)


def answer(mode, key):
    """The bytes a mode sends after reading the request, all at once."""
    ok = handshake_response(key)
    return {
        "bad-accept": handshake_response(key, accept="dGhpcyBpcyBub3QgaXQ="),
        "no-upgrade": handshake_response(key, drop=("Upgrade",)),
        "keep-alive": handshake_response(key, headers={"Connection": "keep-alive"}),
        "bad-subprotocol": handshake_response(key, headers={"Sec-WebSocket-Protocol": "evil"}),
        "bad-extension": handshake_response(key, headers={"Sec-WebSocket-Extensions": "x-evil; level=9"}),
        "ok-200": handshake_response(key, "200 OK", headers={"Content-Type": "text/html"},
                                     body=b"<h1>just a page</h1>\n"),
        "chunked-400": handshake_response(key, "400 Bad Request", headers={"Transfer-Encoding": "chunked"},
                                          drop=("Content-Type", "Content-Length"),
                                          body=b"6\r\nbroken\r\n9\r\n request\n\r\n0\r\n\r\n"),
        # No Content-Length: the body ends when the connection does.
        "close-delimited": handshake_response(key, "403 Forbidden", drop=("Content-Length",),
                                              body=b"no entry\n"),
        "426-no-version": handshake_response(key, "426 Upgrade Required", drop=("Content-Type",)),
        "masked-frame": ok + frame(TEXT, b"hello", mask=True, key=bytes([1, 2, 3, 4])),
        "rsv-frame": ok + frame(TEXT, b"hi", rsv=RSV1, mask=False),
        "goodbye": ok + close_frame(4000, b"go away \x1b[31mnow", mask=False),
        "mute": ok,
        "tls-hello": TLS_SERVER_HELLO,
    }[mode]


def drip(conn, key):
    """Sends a 101 head one byte every 0.1 s, cut before the blank line that
    would end it (only its first bytes ever go out)."""
    head = handshake_response(key, headers={"X-Drip": "." * 100000},
                              drop=("Connection", "Sec-WebSocket-Accept"))[:-len(b"\r\n\r\n")]
    try:
        for i in range(len(head)):
            conn.send(head[i:i + 1])
            time.sleep(0.1)
    except OSError:
        pass


def serve(conn, mode):
    try:
        _, headers, _ = conn.read_http_head()
        key = headers.get("sec-websocket-key", "")
        if mode == "drip":
            drip(conn, key)
            return
        if mode == "close-delimited":
            conn.send(answer(mode, key))
            return
        if mode != "silent":
            conn.send(answer(mode, key))
        conn.wait_eof()
    except (EOFError, OSError):
        pass
    finally:
        conn.close()


def main():
    mode = sys.argv[1]
    server = rawws.RawServer(timeout=None)
    while True:
        conn = server.accept_conn()
        threading.Thread(target=serve, args=(conn, mode), daemon=True).start()


if __name__ == "__main__":
    main()
