"""A small HTTP server that answers WebSocket handshakes with redirects, for
the redirect end-to-end tests. Binds 127.0.0.1 port 0 and prints
"listening on http://127.0.0.1:PORT/" (https:// with --tls) on stderr.
  --route PATH STATUS LOCATION   answer a request for PATH (exactly, query
                                 included) with STATUS and this Location
                                 (repeatable); other paths get 404
  --record FILE                  append each request's path and headers (a
                                 list of [name, value], repeats kept) as a
                                 JSON line
  --tls CERT KEY                 serve HTTPS (wss://) with this certificate
Each request is printed on stderr as "request PATH upgrade=VALUE"."""
import argparse
import http.server
import json
import ssl
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--route", nargs=3, action="append", default=[],
                    metavar=("PATH", "STATUS", "LOCATION"))
    ap.add_argument("--record")
    ap.add_argument("--tls", nargs=2)
    args = ap.parse_args()
    routes = {path: (int(status), location) for path, status, location in args.route}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            if args.record:
                with open(args.record, "a") as f:
                    f.write(json.dumps({"path": self.path, "headers": list(self.headers.items())}) + "\n")
            print(f"request {self.path} upgrade={self.headers.get('Upgrade', '')}",
                  file=sys.stderr, flush=True)
            status, location = routes.get(self.path, (404, None))
            body = b"moved\n" if location else b"not found\n"
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    scheme = "http"
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    print(f"listening on {scheme}://127.0.0.1:{server.server_address[1]}/", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
