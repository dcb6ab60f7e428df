"""A Python `websockets` echo server (a peer nobody here wrote). Binds
127.0.0.1 port 0 and prints "listening on ws://127.0.0.1:PORT/" on stderr.
Options: --subprotocol NAME (accept it), --record FILE (append each request's
headers as a JSON line), --tls CERT KEY, --stall AT FOR (once, AT seconds
after the first message, stop echoing for FOR seconds: every connection's
echoes wait)."""
import argparse
import asyncio
import json
import ssl
import sys

import websockets


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--subprotocol", action="append", default=[])
    ap.add_argument("--record")
    ap.add_argument("--tls", nargs=2)
    ap.add_argument("--stall", nargs=2, type=float)
    args = ap.parse_args()
    loop = asyncio.get_running_loop()
    first = []  # the time of the first message

    async def stall():
        if not args.stall:
            return
        now = loop.time()
        if not first:
            first.append(now)
        start = first[0] + args.stall[0]
        if start <= now < start + args.stall[1]:
            await asyncio.sleep(start + args.stall[1] - now)

    async def handler(ws, path=None):
        if args.record:
            with open(args.record, "a") as f:
                f.write(json.dumps({"path": ws.path if hasattr(ws, "path") else path,
                                    "headers": dict(ws.request_headers.raw_items())}) + "\n")
        async for message in ws:
            await stall()
            await ws.send(message)

    ssl_ctx = None
    if args.tls:
        ssl_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ssl_ctx.load_cert_chain(args.tls[0], args.tls[1])
    server = await websockets.serve(handler, "127.0.0.1", 0, max_size=None,
                                    subprotocols=args.subprotocol or None, ssl=ssl_ctx)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on {'wss' if ssl_ctx else 'ws'}://127.0.0.1:{port}/", file=sys.stderr, flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
