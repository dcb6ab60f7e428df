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
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import rawws  # noqa: E402
from rawws import BINARY, CLOSE, OPCODE_NAMES, PING, PONG, TEXT, answer_handshake, frame  # noqa: E402


def say(line):
    print(line, file=sys.stderr, flush=True)


def answer(conn, f):
    """The pong mode's answer to a frame; False once the connection is done."""
    if f.opcode == PING:
        conn.send(frame(PONG, f.payload, mask=False))
    elif f.opcode in (TEXT, BINARY):
        conn.send(frame(f.opcode, f.payload, mask=False))
    elif f.opcode == CLOSE:
        conn.send(frame(CLOSE, f.payload[:2], mask=False))
        conn.close()
        return False
    return True


def serve(conn, mode, held):
    try:
        _, headers, _ = conn.read_http_head()
        answer_handshake(conn, headers)
        say("open")
        if mode == "deaf":
            held.append(conn)  # keep it open, never read
            return
        while (f := conn.read_frame()) is not None:
            say(f"frame {OPCODE_NAMES.get(f.opcode, f.opcode)} len={len(f.payload)} "
                f"data={f.payload.decode('utf-8', 'replace')}")
            if mode == "pong" and not answer(conn, f):
                return
        say("eof")
    except (EOFError, OSError):
        say("eof")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["silent", "deaf", "pong"], default="silent")
    args = ap.parse_args()
    server = rawws.RawServer(timeout=None, backlog=16)
    held = []
    while True:
        conn = server.accept_conn()
        threading.Thread(target=serve, args=(conn, args.mode, held), daemon=True).start()


if __name__ == "__main__":
    main()
