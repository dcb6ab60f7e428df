"""An HTTP/2 server that answers every extended CONNECT (RFC 8441) with
:status 101, which HTTP/2 forbids (RFC 9113 8.6; RFC 8441 wants a 2xx): for
the test that wskit refuses such an answer. It exists because Node's http2
will not send a 101 (ERR_HTTP2_STATUS_101), so node_h2_server.cjs cannot;
this one is built on Debian's python3-h2 with its checks of our own headers
off. Binds 127.0.0.1 port 0 and prints "listening on https://127.0.0.1:PORT/"
(http:// with --plain) on stderr.
Options:
  --cert FILE --key FILE   TLS with ALPN h2 only
  --plain                  h2c with prior knowledge, no TLS
After the 101 it sends nothing more and leaves the stream open until the
client resets it or goes. Any request but a CONNECT gets 404 "not a
websocket\\n". Connection errors print "error: MESSAGE" on stderr."""
import argparse
import socket
import ssl
import sys
import threading

import h2.config
import h2.connection
import h2.events
import h2.exceptions
from h2.settings import SettingCodes, Settings

CONFIG = h2.config.H2Configuration(client_side=False, validate_outbound_headers=False,
                                   normalize_outbound_headers=False)


def say(line):
    print(line, file=sys.stderr, flush=True)


def serve(sock, ctx):
    try:
        if ctx:
            sock = ctx.wrap_socket(sock, server_side=True)
            # Python's ALPN goes on without a protocol when none matches.
            if sock.selected_alpn_protocol() != "h2":
                raise OSError("the client did not offer h2")
        conn = h2.connection.H2Connection(config=CONFIG)
        # In the first SETTINGS frame: a setting changed later comes too late
        # for a client that looks only at the first.
        conn.local_settings = Settings(client=False, initial_values={
            SettingCodes.MAX_CONCURRENT_STREAMS: 100, SettingCodes.ENABLE_CONNECT_PROTOCOL: 1})
        conn.initiate_connection()
        sock.sendall(conn.data_to_send())
        while data := sock.recv(65536):
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    if dict(event.headers).get(b":method") == b"CONNECT":
                        conn.send_headers(event.stream_id, [(b":status", b"101")])
                    else:
                        conn.send_headers(event.stream_id, [(b":status", b"404"),
                                                            (b"content-type", b"text/plain")])
                        conn.send_data(event.stream_id, b"not a websocket\n", end_stream=True)
                elif isinstance(event, h2.events.DataReceived):
                    # Give the window back, so that a client's sending never stalls.
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            sock.sendall(conn.data_to_send())
            if conn.state_machine.state == h2.connection.ConnectionState.CLOSED:
                break
    except (OSError, h2.exceptions.H2Error) as e:
        say(f"error: {e}")
    finally:
        sock.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--plain", action="store_true")
    args = ap.parse_args()
    if args.plain == bool(args.cert or args.key) or bool(args.cert) != bool(args.key):
        ap.error("give either --plain or both --cert and --key")
    ctx = None
    if not args.plain:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        ctx.set_alpn_protocols(["h2"])
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    print(f"listening on {'http' if args.plain else 'https'}://127.0.0.1:{port}/",
          file=sys.stderr, flush=True)
    while True:
        sock, _ = server.accept()
        threading.Thread(target=serve, args=(sock, ctx), daemon=True).start()


if __name__ == "__main__":
    main()
