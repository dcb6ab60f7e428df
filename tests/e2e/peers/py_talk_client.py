"""A Python `websockets` client that shows everything it gets, for tests of
servers that talk back (listen, chat). Prints one JSON object per line:
{"open": true, "subprotocol": S}, {"message": TEXT} or {"binary": HEX},
{"closed": CODE, "reason": R}, or {"status": HTTP_STATUS} when the
handshake is refused. Reads commands, one per line, from stdin:
  send TEXT           send a text message
  close CODE REASON   start the close handshake
Usage: py_talk_client.py URL [--origin O] [--subprotocol S]... [--header 'N: V']...
"""
import argparse
import asyncio
import json
import sys

import websockets


def out(**kw):
    print(json.dumps(kw), flush=True)


async def commands(ws):
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            return
        verb, _, rest = line.decode().rstrip("\n").partition(" ")
        if verb == "send":
            await ws.send(rest)
        elif verb == "close":
            code, _, reason = rest.partition(" ")
            await ws.close(int(code), reason)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--origin")
    p.add_argument("--subprotocol", action="append", default=[])
    p.add_argument("--header", action="append", default=[])
    a = p.parse_args()
    headers = [tuple(h.split(": ", 1)) for h in a.header]
    try:
        ws = await websockets.connect(a.url, origin=a.origin, subprotocols=a.subprotocol or None,
                                      extra_headers=headers, compression=None, ping_interval=None,
                                      max_size=None, open_timeout=5, close_timeout=2)
    except websockets.exceptions.InvalidStatusCode as e:
        out(status=e.status_code)
        return
    out(open=True, subprotocol=ws.subprotocol)
    task = asyncio.ensure_future(commands(ws))
    try:
        async for m in ws:
            if isinstance(m, bytes):
                out(binary=m.hex())
            else:
                out(message=m)
    except websockets.exceptions.ConnectionClosed:
        pass
    out(closed=ws.close_code, reason=ws.close_reason)
    task.cancel()


asyncio.run(main())
