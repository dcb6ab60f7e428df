"""A Python `websockets` request/response server (a peer nobody here wrote),
for wskit bench's application traffic. Binds 127.0.0.1 port 0 and prints
"listening on ws://127.0.0.1:PORT/" on stderr.

Each JSON request {"id": X, ...} gets {"id": X, "ok": true, "echo": OP}, OP
being the request's "op" or null; a message that is not a JSON object gets
{"ok": false, "error": "not a JSON object"}. A reply goes in the request's
kind (text or binary). Options:
  --delay-ms N        answer each request N ms after it came, concurrently (one
                      asyncio task per request: the latency shows, the rate not)
  --push-every N      before the reply to every Nth request of a connection,
                      send an unsolicited {"push": true, "n": K}
  --drop-id-every N   answer every Nth request of a connection without its id
  --reverse           answer the requests of a connection in pairs, the second
                      first (a lone last one waits for its partner)
  --close-after N     close a connection with --close-code (default 4000,
                      reason "bye") once it has answered N requests; with
                      --close-conns K only the first K connections accepted
  --deflate           accept permessage-deflate (websockets' own, compressing
                      every reply); without it nothing is negotiated
  --log FILE          one JSON line per event: {"event": "open", "conn": K,
                      "t": T}, {"event": "message", "conn": K, "t": T, "binary":
                      B, "data": TEXT (binary: latin-1 text of the bytes)},
                      {"event": "push", "conn": K}, {"event": "close", "conn": K,
                      "code": C, "reason": R, "t": T}; T is time.monotonic()
Whatever the options, stderr gets "open conn=K" when a connection opens and
"closed conn=K code=C reason=R" when it ends (C is the client's close code, 1006
without one), after its messages were logged.
"""
import argparse
import asyncio
import json
import sys
import time

import websockets


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay-ms", type=float, default=0)
    ap.add_argument("--push-every", type=int, default=0)
    ap.add_argument("--drop-id-every", type=int, default=0)
    ap.add_argument("--reverse", action="store_true")
    ap.add_argument("--close-after", type=int, default=0)
    ap.add_argument("--close-code", type=int, default=4000)
    ap.add_argument("--close-conns", type=int, default=0)
    ap.add_argument("--deflate", action="store_true")
    ap.add_argument("--log")
    args = ap.parse_args()
    log_file = open(args.log, "a", buffering=1) if args.log else None
    accepted = [0]

    def log(**event):
        if log_file:
            log_file.write(json.dumps(event) + "\n")

    def reply_to(message, n):
        """The reply to the nth request (from 1) of a connection."""
        try:
            request = json.loads(message)
        except (ValueError, UnicodeDecodeError):
            request = None
        if not isinstance(request, dict):
            reply = {"ok": False, "error": "not a JSON object"}
        else:
            reply = {"id": request.get("id"), "ok": True, "echo": request.get("op")}
            if args.drop_id_every and n % args.drop_id_every == 0:
                del reply["id"]
        text = json.dumps(reply)
        return text.encode() if isinstance(message, bytes) else text

    async def handler(ws, path=None):
        conn = accepted[0]
        accepted[0] += 1
        log(event="open", conn=conn, t=time.monotonic())
        extensions = ws.response_headers.get("Sec-WebSocket-Extensions")
        print(f"open conn={conn} extensions={extensions}", file=sys.stderr, flush=True)
        closes = args.close_after and (not args.close_conns or conn < args.close_conns)
        tasks = set()
        held = []  # --reverse: the first request of a pair
        answered = [0]

        async def answer(replies):
            try:
                for r in replies:
                    if args.delay_ms:
                        await asyncio.sleep(args.delay_ms / 1000)
                    await ws.send(r)
                    answered[0] += 1
                    if closes and answered[0] == args.close_after:
                        await ws.close(args.close_code, "bye")
            except websockets.ConnectionClosed:
                pass

        n = 0
        try:
            async for message in ws:
                n += 1
                binary = isinstance(message, bytes)
                log(event="message", conn=conn, t=time.monotonic(), binary=binary,
                    data=message.decode("latin-1") if binary else message)
                replies = []
                if args.push_every and n % args.push_every == 0:
                    log(event="push", conn=conn)
                    push = json.dumps({"push": True, "n": n})
                    replies.append(push.encode() if binary else push)
                if args.reverse and not held:
                    held.append(reply_to(message, n))  # answered after the next one (its push goes now)
                elif args.reverse:
                    replies += [reply_to(message, n), held.pop()]
                else:
                    replies.append(reply_to(message, n))
                if not replies:
                    continue
                if args.delay_ms:
                    # Concurrently: each reply waits its own delay.
                    task = asyncio.ensure_future(answer(replies))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                else:
                    await answer(replies)
        except websockets.ConnectionClosed:
            pass
        await ws.wait_closed()
        for task in list(tasks):
            task.cancel()
        log(event="close", conn=conn, code=ws.close_code, reason=ws.close_reason, t=time.monotonic())
        print(f"closed conn={conn} code={ws.close_code} reason={ws.close_reason}", file=sys.stderr, flush=True)

    server = await websockets.serve(handler, "127.0.0.1", 0, max_size=None, ping_interval=None,
                                    compression="deflate" if args.deflate else None)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on ws://127.0.0.1:{port}/", file=sys.stderr, flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
