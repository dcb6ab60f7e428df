"""A Python `websockets` broadcast server for wskit bench's fan-out tests: every
message from any client goes to every client (its sender included), in order.
Binds 127.0.0.1 port 0 and prints "listening on ws://127.0.0.1:PORT/" on
stderr.

To prove that lost and duplicated messages are detected, it can misbehave on
purpose, per client, counting the messages it relays to that client from 0:
  --drop-every N   skip message k when k % N == N - 1
  --dup-every M    send message k twice when k % M == M - 1 (unless dropped)
When a client leaves it prints on stderr
"client sent=S relayed=R dropped=D duplicated=U" (sent: messages it sent).
"""
import argparse
import asyncio
import sys

import websockets


class Client:
    def __init__(self, ws):
        self.ws = ws
        self.sent = 0
        self.relayed = 0  # messages meant for this client, dropped ones included
        self.dropped = 0
        self.duplicated = 0
        self.queue = asyncio.Queue()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--drop-every", type=int, default=0)
    ap.add_argument("--dup-every", type=int, default=0)
    args = ap.parse_args()
    clients = set()

    def relay(client, message):
        k = client.relayed
        client.relayed += 1
        if args.drop_every and k % args.drop_every == args.drop_every - 1:
            client.dropped += 1
            return
        client.queue.put_nowait(message)
        if args.dup_every and k % args.dup_every == args.dup_every - 1:
            client.duplicated += 1
            client.queue.put_nowait(message)

    async def writer(client):
        # One writer per client keeps each sender's order and lets a slow
        # client fall behind without holding the others.
        while True:
            message = await client.queue.get()
            await client.ws.send(message)

    async def handler(ws, path=None):
        client = Client(ws)
        clients.add(client)
        task = asyncio.ensure_future(writer(client))
        try:
            async for message in ws:
                client.sent += 1
                for other in list(clients):
                    relay(other, message)
        except websockets.ConnectionClosed:
            pass
        finally:
            clients.discard(client)
            task.cancel()
            print(f"client sent={client.sent} relayed={client.relayed} dropped={client.dropped} "
                  f"duplicated={client.duplicated}", file=sys.stderr, flush=True)

    server = await websockets.serve(handler, "127.0.0.1", 0, max_size=None)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on ws://127.0.0.1:{port}/", file=sys.stderr, flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
