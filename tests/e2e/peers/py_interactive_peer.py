"""A Python `websockets` server for the interactive-terminal tests. Binds
127.0.0.1 port 0 and prints "listening on ws://127.0.0.1:PORT/" on stderr.
Reports on stderr, one line each:
  "open"                       a client connected
  "recv text=TEXT"             a text message (answered with "echo: TEXT")
  "recv binary=HEX"            a binary message (not answered)
  "closed code=C reason=R"     the connection ended (C from the client's close frame)
On SIGUSR1 it sends the text "tick" to every connected client (so a test can
make a message arrive while a line is being typed)."""
import asyncio
import signal
import sys

import websockets


def say(line):
    print(line, file=sys.stderr, flush=True)


async def main():
    clients = set()

    async def handler(ws, path=None):
        clients.add(ws)
        say("open")
        try:
            async for message in ws:
                if isinstance(message, bytes):
                    say(f"recv binary={message.hex()}")
                else:
                    say(f"recv text={message}")
                    await ws.send(f"echo: {message}")
        except websockets.ConnectionClosed:
            pass
        finally:
            clients.discard(ws)
            say(f"closed code={ws.close_code} reason={ws.close_reason}")

    def tick():
        for ws in list(clients):
            asyncio.ensure_future(ws.send("tick"))

    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, tick)
    server = await websockets.serve(handler, "127.0.0.1", 0)
    say(f"listening on ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/")
    await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
