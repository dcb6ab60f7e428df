"""A Python `websockets` client that follows a plan, for the listen --exec
tests. Usage: py_exec_client.py URL PLAN [HEADER...]
PLAN is a JSON list of steps; each prints one JSON line on stdout:
  ["send", TEXT]       send a text message            -> {"sent": TEXT}
  ["sendb", HEX]       send a binary message          -> {"sent": HEX}
  ["recv"]             wait (10 s) for a message      -> {"text": T} or {"binary": HEX}
  ["flood", SECS, N]   send N-byte text messages for SECS seconds, or until a
                       send blocks that long      -> {"flooded": BYTES}
  ["close"]            close with 1000 and wait       -> {"left": true}
  ["wait_close"]       print every message until the server closes,
                       then {"closed": CODE, "reason": R}
HEADER: extra request headers as "Name: value".
First prints {"open": true, "local_port": P}, or {"status": CODE} when the
handshake is refused.
"""
import asyncio
import json
import sys
import time

import websockets


def out(**kw):
    print(json.dumps(kw), flush=True)


def message_line(m):
    return {"binary": m.hex()} if isinstance(m, bytes) else {"text": m}


async def main(url, plan, headers):
    extra = [tuple(part.strip() for part in h.split(":", 1)) for h in headers]
    try:
        ws = await websockets.connect(url, extra_headers=extra, max_size=None, compression=None,
                                      ping_interval=None, open_timeout=5, close_timeout=3)
    except websockets.InvalidStatusCode as e:
        out(status=e.status_code)
        return
    out(open=True, local_port=ws.local_address[1])
    for step in plan:
        kind = step[0]
        if kind == "send":
            await ws.send(step[1])
            out(sent=step[1])
        elif kind == "sendb":
            await ws.send(bytes.fromhex(step[1]))
            out(sent=step[1])
        elif kind == "recv":
            print(json.dumps(message_line(await asyncio.wait_for(ws.recv(), 10))), flush=True)
        elif kind == "flood":
            deadline = time.monotonic() + step[1]
            message, sent = "x" * step[2], 0
            try:
                while time.monotonic() < deadline:
                    await asyncio.wait_for(ws.send(message), deadline - time.monotonic())
                    sent += len(message)
            except asyncio.TimeoutError:
                pass
            out(flooded=sent)
            return
        elif kind == "close":
            await ws.close()
            out(left=True)
        elif kind == "wait_close":
            try:
                async for m in ws:
                    print(json.dumps(message_line(m)), flush=True)
            except websockets.ConnectionClosed:
                pass
            out(closed=ws.close_code, reason=ws.close_reason)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], json.loads(sys.argv[2]), sys.argv[3:]))
