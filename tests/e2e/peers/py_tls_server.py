"""A Python `websockets` wss:// echo server with a configurable TLS side, for
the TLS end-to-end tests. Binds 127.0.0.1 port 0 and prints
"listening on wss://127.0.0.1:PORT/" on stderr.
Options:
  --cert FILE --key FILE   the server's certificate chain and key (required)
  --client-ca FILE         require a client certificate issued by this CA
  --max-tls 1.2|1.3        the highest TLS version offered
For each connection, prints "open peer-cert=SUBJECT" (or "open peer-cert=none")
on stderr, and "closed code=C reason=R" when it ends; each TLS handshake prints
"sni=NAME" (or "sni=none") with the server name the client sent."""
import argparse
import asyncio
import ssl
import sys

import websockets


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--client-ca")
    ap.add_argument("--max-tls", choices=["1.2", "1.3"])
    args = ap.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    if args.client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(args.client_ca)
    if args.max_tls:
        ctx.maximum_version = (ssl.TLSVersion.TLSv1_2 if args.max_tls == "1.2"
                               else ssl.TLSVersion.TLSv1_3)

    def sni(sslobj, name, context):
        print(f"sni={name or 'none'}", file=sys.stderr, flush=True)

    ctx.sni_callback = sni

    async def handler(ws, path=None):
        peer = ws.transport.get_extra_info("peercert")
        subject = "none"
        if peer:
            subject = ",".join(f"{k}={v}" for rdn in peer.get("subject", ()) for k, v in rdn)
        print(f"open peer-cert={subject}", file=sys.stderr, flush=True)
        try:
            async for message in ws:
                await ws.send(message)
        except websockets.ConnectionClosed:
            pass
        print(f"closed code={ws.close_code} reason={ws.close_reason}", file=sys.stderr, flush=True)

    server = await websockets.serve(handler, "127.0.0.1", 0, ssl=ctx)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on wss://127.0.0.1:{port}/", file=sys.stderr, flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
