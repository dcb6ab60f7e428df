"""A Python `websockets` server with scripted behaviours, for wskit connect's
end-to-end tests. Binds 127.0.0.1 port 0 and prints
"listening on ws://127.0.0.1:PORT/" on stderr.

Default behaviour: echo every message. Options:
  --subprotocol NAME    accept this subprotocol (repeatable)
  --record FILE         append each request's path and headers as a JSON line
  --delay-accept SECS   wait this long before answering the handshake
  --reject STATUS       answer the handshake with this HTTP status, a header
                        "X-Rejected-By: py_server" and the body "go away\\n"
  --send TEXT           send this text message on open (repeatable)
  --send-binary-size N  send a binary message of N bytes on open
  --close CODE          after the --send messages, close with CODE (reason "bye")
  --silent              never echo, just read
When a connection ends, prints "closed code=C reason=R" on stderr (C is the
close code received from the client, or 1006 if none).
"""
import argparse
import asyncio
import http
import json
import sys

import websockets


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--subprotocol", action="append", default=[])
    ap.add_argument("--record")
    ap.add_argument("--delay-accept", type=float, default=0)
    ap.add_argument("--reject", type=int)
    ap.add_argument("--send", action="append", default=[])
    ap.add_argument("--send-binary-size", type=int)
    ap.add_argument("--close", type=int)
    ap.add_argument("--silent", action="store_true")
    args = ap.parse_args()

    async def process_request(path, headers):
        if args.record:
            with open(args.record, "a") as f:
                f.write(json.dumps({"path": path, "headers": list(headers.raw_items())}) + "\n")
        if args.delay_accept:
            await asyncio.sleep(args.delay_accept)
        if args.reject:
            return (http.HTTPStatus(args.reject), [("X-Rejected-By", "py_server")], b"go away\n")
        return None

    async def handler(ws, path=None):
        try:
            for text in args.send:
                await ws.send(text)
            if args.send_binary_size is not None:
                await ws.send(bytes(i % 251 for i in range(args.send_binary_size)))
            if args.close is not None:
                await ws.close(args.close, "bye")
            elif args.silent:
                async for _ in ws:
                    pass
            else:
                async for message in ws:
                    await ws.send(message)
        except websockets.ConnectionClosed:
            pass
        await ws.wait_closed()
        print(f"closed code={ws.close_code} reason={ws.close_reason}", file=sys.stderr, flush=True)

    server = await websockets.serve(handler, "127.0.0.1", 0, max_size=None,
                                    subprotocols=args.subprotocol or None,
                                    process_request=process_request, ping_interval=None)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on ws://127.0.0.1:{port}/", file=sys.stderr, flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
