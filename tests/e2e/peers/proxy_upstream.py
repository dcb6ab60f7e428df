"""A Python `websockets` server that stands behind `wskit proxy` in its
end-to-end tests: it says on stdout, one JSON object per line, everything
that reached it, so that a test can check what the proxy forwarded, and it
does what its client's text commands tell it, so that a test can make the
server close, drop, ping or flood through the proxy. Binds 127.0.0.1 port 0
and prints "listening on ws://127.0.0.1:PORT/" on stderr.

Options:
  --subprotocol NAME   accept this subprotocol (repeatable)
  --header 'N: V'      add this header to every 101 answer (repeatable)

Lines on stdout ("conn" numbers the connections from 1, in order of opening):
  {"event": "request", "path": P, "headers": [[NAME, VALUE], ...]}
  {"event": "open", "conn": N, "path": P, "subprotocol": S or null}
  {"event": "text", "conn": N, "text": T}
  {"event": "binary", "conn": N, "size": BYTES, "sha256": HEX}
  {"event": "ping" or "pong", "conn": N, "data": PAYLOAD}
  {"event": "flooding", "conn": N, "bytes": SENT}     (each MiB of a flood)
  {"event": "closed", "conn": N, "code": C, "reason": R}  (1006: no close frame)

Every message is echoed, except the text commands, which begin with '/':
  /close CODE REASON   close with this code and reason
  /drop                drop the TCP connection, no close frame
  /ping PAYLOAD        send a ping (its pong is said on stdout)
  /send N TEXT         send N text messages "TEXT 1" ... "TEXT N"
  /binary SIZE         send one binary message of SIZE bytes
  /flood SIZE          send binary messages of SIZE bytes until the
                       connection ends (60 s at most), reading on meanwhile
"""
import argparse
import asyncio
import hashlib
import json
import sys

import websockets
from websockets.frames import Opcode
from websockets.legacy.server import WebSocketServerProtocol

FLOOD_SECONDS = 60


def out(**kw):
    print(json.dumps(kw), flush=True)


class Recording(WebSocketServerProtocol):
    """Says each ping and pong it reads (websockets answers pings itself)."""
    conn = 0

    async def read_frame(self, max_size):
        frame = await super().read_frame(max_size)
        if frame.opcode in (Opcode.PING, Opcode.PONG):
            out(event=frame.opcode.name.lower(), conn=self.conn, data=frame.data.decode("utf-8", "replace"))
        return frame


async def flood(ws, size):
    payload = bytes(i % 251 for i in range(size))
    sent = 0
    reported = 0
    deadline = asyncio.get_running_loop().time() + FLOOD_SECONDS
    try:
        while asyncio.get_running_loop().time() < deadline:
            await ws.send(payload)
            sent += size
            if sent - reported >= 1024 * 1024:
                reported = sent
                out(event="flooding", conn=ws.conn, bytes=sent)
    except websockets.ConnectionClosed:
        pass


async def command(ws, text, tasks):
    verb, _, rest = text[1:].partition(" ")
    if verb == "close":
        code, _, reason = rest.partition(" ")
        await ws.close(int(code), reason)
    elif verb == "drop":
        ws.transport.abort()
    elif verb == "ping":
        await ws.ping(rest.encode())
    elif verb == "send":
        count, _, body = rest.partition(" ")
        for i in range(1, int(count) + 1):
            await ws.send(f"{body} {i}")
    elif verb == "binary":
        await ws.send(bytes(i % 251 for i in range(int(rest))))
    elif verb == "flood":
        tasks.append(asyncio.ensure_future(flood(ws, int(rest))))


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--subprotocol", action="append", default=[])
    ap.add_argument("--header", action="append", default=[])
    args = ap.parse_args()
    answer_headers = [tuple(h.split(": ", 1)) for h in args.header]
    opened = 0

    async def process_request(path, headers):
        out(event="request", path=path, headers=[list(h) for h in headers.raw_items()])
        return None

    async def handler(ws, path=None):
        nonlocal opened
        opened += 1
        ws.conn = opened
        out(event="open", conn=ws.conn, path=ws.path, subprotocol=ws.subprotocol)
        tasks = []
        try:
            async for message in ws:
                if isinstance(message, bytes):
                    out(event="binary", conn=ws.conn, size=len(message),
                        sha256=hashlib.sha256(message).hexdigest())
                    await ws.send(message)
                    continue
                out(event="text", conn=ws.conn, text=message)
                if message.startswith("/"):
                    await command(ws, message, tasks)
                else:
                    await ws.send(message)
        except websockets.ConnectionClosed:
            pass
        await ws.wait_closed()
        for t in tasks:
            t.cancel()
        out(event="closed", conn=ws.conn, code=ws.close_code, reason=ws.close_reason)

    server = await websockets.serve(handler, "127.0.0.1", 0, create_protocol=Recording, max_size=None,
                                    compression=None, subprotocols=args.subprotocol or None,
                                    extra_headers=answer_headers, process_request=process_request,
                                    ping_interval=None, close_timeout=2)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on ws://127.0.0.1:{port}/", file=sys.stderr, flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
