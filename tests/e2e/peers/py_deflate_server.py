"""A Python `websockets` echo server with its default permessage-deflate
(compression="deflate"). Prints "listening on ws://127.0.0.1:PORT/", then
"extensions=VALUE" for each connection's response header, on stderr."""
import asyncio
import sys

import websockets


async def main():
    async def handler(ws, path=None):
        print(f"extensions={ws.response_headers.get('Sec-WebSocket-Extensions')}", file=sys.stderr, flush=True)
        async for message in ws:
            await ws.send(message)

    server = await websockets.serve(handler, "127.0.0.1", 0, max_size=None)
    print(f"listening on ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/", file=sys.stderr, flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
