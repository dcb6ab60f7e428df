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
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import rawws  # noqa: E402
from rawws import CLOSE, CONT, TEXT, answer_handshake, frame, handshake_response  # noqa: E402


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def reject_slowly(conn):
    """A 403 whose head comes at once and whose body comes 0.3 s later."""
    body = b"not allowed here\n"
    answer = handshake_response("", "403 Forbidden", headers={"X-Rejected-By": "raw_server"}, body=body)
    conn.send(answer[:-len(body)])
    time.sleep(0.3)
    conn.send(body)
    log("body sent")
    conn.wait_eof()


def send_crafted(conn, mode):
    """What a mode sends right after the handshake."""
    if mode == "invalid-utf8":
        conn.send(frame(TEXT, b"ok \xff\xfe", mask=False))
    elif mode == "split-utf8":
        e = "é!".encode()
        conn.send(frame(TEXT, e[:1], fin=False, mask=False) + frame(CONT, e[1:], mask=False))
    elif mode == "truncated-utf8":
        e = "é".encode()
        conn.send(frame(TEXT, b"ab", fin=False, mask=False) + frame(CONT, e[:1], mask=False))
    elif mode != "silent":
        raise SystemExit(f"unknown mode {mode}")


def report_frames(conn, mode):
    """Logs every frame the client sends; answers a close (but in silent
    mode) and, in split-utf8 mode, echoes each message."""
    while True:
        f = conn.read_frame()
        if f is None:
            log("eof")
            return
        if f.opcode == CLOSE:
            log(f"frame opcode=8 len={len(f.payload)} code={f.close_code}")
            if mode != "silent":
                conn.send(frame(CLOSE, f.payload[:2], mask=False))
                return
        else:
            log(f"frame opcode={f.opcode} len={len(f.payload)}")
            if mode == "split-utf8" and f.opcode in (1, 2):
                conn.send(frame(f.opcode, f.payload, mask=False))


def main():
    mode = sys.argv[1]
    server = rawws.RawServer(timeout=None, backlog=1)
    conn = server.accept_conn()
    _, headers, _ = conn.read_http_head()
    if mode == "reject-slow-body":
        reject_slowly(conn)
        return
    answer_handshake(conn, headers)
    if mode == "drop":
        conn.send(frame(TEXT, b"hello", mask=False))
        log("dropping")
        conn.abort()
        return
    send_crafted(conn, mode)
    try:
        report_frames(conn, mode)
    except ConnectionError:
        log("eof")
    finally:
        conn.close()


if __name__ == "__main__":
    main()
