"""A Python `websockets` client for wskit echo's end-to-end tests. Prints one
JSON object per line on stdout. Usage: py_client.py MODE URL [ARG]
  checks URL      text, binary, 0 B text and binary, 16 MiB binary and a
                  ping, each {"check": NAME, "ok": BOOL, "detail": ...}
  hold URL        connect, print {"open": true}, wait until the server
                  closes, print {"closed": CODE, "reason": R}
  handshake URL   try to connect; print {"open": true} or {"status": CODE}
  oversize URL N  send a binary message of N bytes; print how it ended:
                  {"echo": LEN} or {"closed": CODE}
  rtt URL         send one message; print {"ms": round-trip milliseconds}
"""
import asyncio
import hashlib
import json
import os
import sys
import time

import websockets


def out(**kw):
    print(json.dumps(kw), flush=True)


def connect(url):
    return websockets.connect(url, max_size=None, compression=None, ping_interval=None,
                              open_timeout=5, close_timeout=2)


async def checks(url):
    async with connect(url) as ws:
        async def roundtrip(name, message):
            await ws.send(message)
            got = await asyncio.wait_for(ws.recv(), 10)
            same = type(got) is type(message) and got == message
            out(check=name, ok=same, detail=f"sent {type(message).__name__} {len(message)}, "
                f"got {type(got).__name__} {len(got)}")

        await roundtrip("text", "héllo from python ✓")
        await roundtrip("binary", bytes(range(256)) + b"\xff\xfe\xfd")
        await roundtrip("empty-text", "")
        await roundtrip("empty-binary", b"")
        big = os.urandom(16 * 1024 * 1024)
        await roundtrip("16MiB", big)
        data = b"are you there?"
        pong = await ws.ping(data)  # resolves when the pong carrying `data` arrives
        await asyncio.wait_for(pong, 5)
        out(check="ping", ok=True, detail="pong with the ping's payload")
    out(check="close", ok=ws.close_code == 1000, detail=f"close code {ws.close_code}")


async def hold(url):
    async with connect(url) as ws:
        out(open=True)
        try:
            async for _ in ws:
                pass
        except websockets.ConnectionClosed:
            pass
    out(closed=ws.close_code, reason=ws.close_reason)


async def handshake(url):
    try:
        async with connect(url):
            out(open=True)
    except websockets.InvalidStatusCode as e:
        out(status=e.status_code)


async def oversize(url, n):
    async with connect(url) as ws:
        try:
            await ws.send(b"x" * n)
            got = await asyncio.wait_for(ws.recv(), 10)
            out(echo=len(got))
        except websockets.ConnectionClosed:
            out(closed=ws.close_code)


async def rtt(url):
    async with connect(url) as ws:
        t0 = time.monotonic()
        await ws.send("timed")
        await asyncio.wait_for(ws.recv(), 10)
        out(ms=(time.monotonic() - t0) * 1000)


if __name__ == "__main__":
    mode, url, *rest = sys.argv[1:]
    fn = {"checks": checks, "hold": hold, "handshake": handshake, "oversize": oversize, "rtt": rtt}[mode]
    asyncio.run(fn(url, *map(int, rest)))
