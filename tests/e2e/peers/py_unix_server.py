"""A Python `websockets` echo server on a Unix-domain socket (a peer nobody
here wrote): websockets.unix_serve on PATH, prints "listening on unix:PATH"
on stderr once it listens, then for each handshake one JSON line on stdout,
{"path": REQUEST PATH AND QUERY, "host": HOST HEADER}, and sends every
message back. Usage: py_unix_server.py PATH [--tls CERT KEY]"""
import argparse
import asyncio
import json
import ssl
import sys

import websockets


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--tls", nargs=2)
    args = ap.parse_args()
    context = None
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*args.tls)

    async def handler(ws):
        print(json.dumps({"path": ws.path, "host": ws.request_headers.get("Host")}), flush=True)
        try:
            async for message in ws:
                await ws.send(message)
        except websockets.ConnectionClosed:
            pass

    async with websockets.unix_serve(handler, args.path, ssl=context, max_size=None, compression=None,
                                     ping_interval=None):
        print(f"listening on unix:{args.path}", file=sys.stderr, flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
