#!/usr/bin/python3
"""Pipe client on Python websockets: sends every stdin line as a text message,
prints every echo on stdout, and closes once all echoes have arrived.

Usage: py_pipe_client.py ws://HOST:PORT/
"""
import asyncio
import sys

import websockets


async def main(url):
    out = sys.stdout
    state = {"sent": 0, "received": 0, "total": None}
    async with websockets.connect(url, max_size=None, compression=None) as ws:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=1 << 24)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

        async def receive():
            async for message in ws:
                out.write(message)
                out.write("\n")
                state["received"] += 1
                if state["received"] == state["total"]:
                    return

        receiver = asyncio.create_task(receive())
        while True:
            line = await reader.readline()
            if not line:
                break
            await ws.send(line.rstrip(b"\n").decode())
            state["sent"] += 1
        state["total"] = state["sent"]
        if state["received"] == state["total"]:
            receiver.cancel()
        try:
            await receiver
        except asyncio.CancelledError:
            pass
    out.flush()
    if state["received"] != state["sent"]:
        sys.exit(f"sent {state['sent']} messages, received {state['received']} echoes")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: py_pipe_client.py ws://HOST:PORT/")
    asyncio.run(main(sys.argv[1]))
