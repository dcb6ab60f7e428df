"""The two handshakes of wskit proxy: the client's upgrade waits for the
server's answer; the client's headers (cookies, Origin, Authorization,
User-Agent, custom ones) and subprotocol offers go upstream, hop-by-hop
headers do not; Host is the upstream's unless --keep-host; the client's path
and query are appended to the upstream URL's unless --fixed-path; the
server's 101 (its subprotocol, cookies, custom headers) or its refusal
(status, headers, body) comes back; no answer is 502 or 504 with the reason;
the origin policy of wskit's servers applies; -v prints all four blocks."""
import os
import re
import subprocess

import rawws
from rawws import TEXT
from harness import NODE, PEERS, free_port, main, port_of
from proxy_support import ProxyCase, header_map


class Forwarding(ProxyCase):
    def test_the_clients_headers_and_offers_reach_the_server_and_its_answer_comes_back(self):
        server, server_url = self.upstream("--subprotocol", "b.v2", "--header", "Set-Cookie: sid=abc; Path=/; HttpOnly",
                                           "--header", "Set-Cookie: theme=light", "--header", "X-Upstream: yes")
        # -H after the positionals: before them it takes them as headers
        # (see test_options.py).
        px, _, port = self.proxy(server_url, after=("-H", "X-Added-By-Proxy: 1"))
        origin = f"http://127.0.0.1:{port}"  # the proxy's own: let in
        h = self.handshake(port, "/feed", headers={
            "Cookie": "theme=dark; sid=old", "Origin": origin, "Authorization": "Bearer t0ken",
            "User-Agent": "probe/1.0", "X-Custom": "custom value", "Sec-WebSocket-Protocol": "a.v1, b.v2",
            # Hop-by-hop: for the proxy only.
            "Connection": "Upgrade, X-Hop", "X-Hop": "for the proxy", "Proxy-Authorization": "Basic cHJveHk6cGFzcw=="})
        self.assertEqual(h.status, 101, h)
        self.assertEqual(h.headers["sec-websocket-accept"], rawws.accept_key(h.key))
        self.assertEqual(h.headers["sec-websocket-protocol"], "b.v2")
        self.assertEqual(h.headers["set-cookie"], "sid=abc; Path=/; HttpOnly, theme=light")
        self.assertEqual(h.headers["x-upstream"], "yes")

        sent = header_map(self.event(server, "request", path="/feed")["headers"])
        expected = {"cookie": "theme=dark; sid=old", "origin": origin, "authorization": "Bearer t0ken",
                    "user-agent": "probe/1.0", "x-custom": "custom value", "sec-websocket-protocol": "a.v1, b.v2",
                    "x-added-by-proxy": "1", "host": f"127.0.0.1:{port_of(server_url)}"}
        self.assertEqual({name: sent.get(name) for name in expected}, expected, sent)
        self.assertNotIn("x-hop", sent)
        self.assertNotIn("proxy-authorization", sent)
        self.assertNotEqual(sent["sec-websocket-key"], h.key)  # the upstream leg's own handshake
        self.assertEqual(self.event(server, "open")["subprotocol"], "b.v2")
        px.wait_line(r"^#1 S: connected to %s \(subprotocol b\.v2\)$" % re.escape(server_url + "feed"), stream="stdout")
        px.wait_line(r"^#1 C: connected from 127\.0\.0\.1:\d+ to /feed \(subprotocol b\.v2\)$", stream="stdout")

        # A client library takes the answer: Node's ws fails a connection whose
        # answer names none of its offers, or a bad accept key.
        done = subprocess.run([NODE, os.path.join(PEERS, "node_client.cjs"), "subprotocols", f"ws://127.0.0.1:{port}/",
                               "a.v1,b.v2"], capture_output=True, timeout=30)
        self.assertEqual(done.stdout.decode().splitlines(), ['{"open":true,"protocol":"b.v2"}'], done)

    def test_the_clients_path_and_query_are_appended_to_the_upstreams(self):
        server, server_url = self.upstream()
        cases = [
            (server_url + "api?key=1", (), [("/feed?x=2", "/api/feed?key=1&x=2"), ("/", "/api?key=1"),
                                            ("/?x=2", "/api?key=1&x=2"), ("/a/b", "/api/a/b?key=1")]),
            (server_url + "api/", (), [("/feed", "/api/feed"), ("/", "/api/")]),
            (server_url, (), [("/feed?x=2", "/feed?x=2"), ("/", "/")]),
            (server_url + "api?key=1", ("--fixed-path",), [("/feed?x=2", "/api?key=1"), ("/", "/api?key=1")]),
        ]
        for upstream_url, args, paths in cases:
            _, _, port = self.proxy(upstream_url, *args)
            for path, expected in paths:
                with self.subTest(upstream=upstream_url, args=args, path=path):
                    h = self.handshake(port, path)
                    self.assertEqual(h.status, 101, h)
                    self.assertEqual(self.event(server, "request")["path"], expected)

    def test_host_is_the_upstreams_unless_keep_host(self):
        server, server_url = self.upstream()
        for args, host in (((), f"127.0.0.1:{port_of(server_url)}"), (("--keep-host",), "front.example:8080")):
            with self.subTest(args=args):
                _, _, port = self.proxy(server_url, *args)
                h = self.handshake(port, headers={"Host": "front.example:8080"})
                self.assertEqual(h.status, 101, h)
                self.assertEqual(header_map(self.event(server, "request")["headers"])["host"], host)


class Refusals(ProxyCase):
    def test_a_refusal_comes_back_with_its_status_headers_and_body(self):
        for status in (401, 404):
            with self.subTest(status=status):
                server, url = self.upstream("--reject", str(status), script="py_server.py")
                px, _, port = self.proxy(url)
                h = self.handshake(port, "/private")
                self.assertEqual((h.status, h.headers.get("x-rejected-by"), h.body),
                                 (status, "py_server", b"go away\n"), h)
                px.wait_line(r"^wskit: handshake rejected: ws://127\.0\.0\.1:\d+/private answered HTTP %d " % status)

    def test_a_redirect_comes_back_as_it_was(self):
        # Not followed by the proxy: the client decides.
        server, url = self.upstream("--route", "/moved", "302", "ws://127.0.0.1:9/elsewhere",
                                    script="redirect_server.py")
        _, _, port = self.proxy(url.replace("http://", "ws://"))
        h = self.handshake(port, "/moved")
        self.assertEqual((h.status, h.headers.get("location"), h.body), (302, "ws://127.0.0.1:9/elsewhere", b"moved\n"),
                         h)
        server.wait_line(r"^request /moved upgrade=websocket$")

    def test_no_server_listening_gives_502_with_the_reason(self):
        port_nobody_has = free_port()
        px, _, port = self.proxy(f"ws://127.0.0.1:{port_nobody_has}/")
        h = self.handshake(port, "/x")
        self.assertEqual(h.status, 502, h)
        self.assertEqual(h.headers["content-type"], "text/plain; charset=utf-8")
        self.assertEqual(h.body.decode(), f"wskit proxy: the upstream server cannot be reached: cannot connect to "
                                          f"127.0.0.1:{port_nobody_has}: connection refused (is the server running, "
                                          f"on that port?)\n")
        px.wait_line(r"^wskit: cannot connect to 127\.0\.0\.1:%d: connection refused" % port_nobody_has)

    def test_a_server_that_never_answers_gives_504_after_the_connect_timeout(self):
        server, url = self.upstream("silent", script="broken_server.py")
        px, _, port = self.proxy(url, "--connect-timeout", "1")
        h = self.handshake(port, "/slow")
        self.assertEqual(h.status, 504, h)
        self.assertRegex(h.body.decode(), r"^wskit proxy: the upstream server did not answer in time: "
                                          r"ws://127\.0\.0\.1:\d+/slow did not answer the upgrade request within 1 s")


class HeldUpgrade(ProxyCase):
    def test_a_client_that_leaves_while_its_upgrade_waits_closes_the_upstream(self):
        server, url = self.upstream("--delay-accept", "1", script="py_server.py")
        px, _, port = self.proxy(url, "-v")
        conn = rawws.connect(port)
        self.addCleanup(conn.close)
        conn.send(rawws.upgrade_request(f"127.0.0.1:{port}", "/leaving"))
        px.wait_line(r"^#1 C> GET /leaving HTTP/1\.1$")  # its upgrade is held
        conn.close()
        # Once the server has answered, the proxy closes that leg for the
        # client, and goes on serving.
        server.wait_line(r"^closed code=1001 reason=client went away$")
        self.assertEqual(self.handshake(port, "/next").status, 101)


class Origins(ProxyCase):
    def test_pages_of_other_origins_are_refused_unless_allowed(self):
        server, server_url = self.upstream()
        px, _, port = self.proxy(server_url)
        refused = self.handshake(port, "/refused", headers={"Origin": "https://evil.test"})
        self.assertEqual(refused.status, 403, refused)
        px.wait_line(r"^wskit: refused 127\.0\.0\.1:\d+: origin 'https://evil\.test' is not allowed \(--origin\)$")
        own = self.handshake(port, "/own", headers={"Origin": f"http://127.0.0.1:{port}"})
        self.assertEqual(own.status, 101, own)
        # The refused client never reached the server.
        self.assertEqual(self.event(server, "request")["path"], "/own")

        _, _, open_port = self.proxy(server_url, "--origin", "https://app.test")
        allowed = self.handshake(open_port, "/allowed", headers={"Origin": "https://app.test"})
        self.assertEqual(allowed.status, 101, allowed)
        request = self.event(server, "request")
        self.assertEqual((request["path"], header_map(request["headers"])["origin"]), ("/allowed", "https://app.test"))
        self.assertEqual(self.handshake(open_port, headers={"Origin": "https://evil.test"}).status, 403)


class Verbose(ProxyCase):
    def test_v_prints_both_handshakes_and_the_upstream_timings(self):
        server, server_url = self.upstream("--subprotocol", "v1")
        px, _, port = self.proxy(server_url + "base", "-v")
        h = self.handshake(port, "/v?x=1", headers={"X-Custom": "seen", "Sec-WebSocket-Protocol": "v1"})
        self.assertEqual(h.status, 101, h)
        # In the order they happen: the client's request, the upstream
        # request as sent, the upstream's answer, its timings, the answer to
        # the client.
        px.wait_line(r"^#1 C> GET /v\?x=1 HTTP/1\.1$")
        px.wait_line(r"^#1 C> X-Custom: seen$")
        px.wait_line(r"^#1 >S GET /base/v\?x=1 HTTP/1\.1$")
        px.wait_line(r"^#1 >S Host: 127\.0\.0\.1:%d$" % port_of(server_url))
        px.wait_line(r"^#1 >S Sec-WebSocket-Protocol: v1$")
        px.wait_line(r"^#1 >S X-Custom: seen$")
        px.wait_line(r"^#1 <S HTTP/1\.1 101 Switching Protocols$")
        px.wait_line(r"^#1 <S Sec-WebSocket-Protocol: v1$")
        px.wait_line(r"^#1 S \* upstream timings: dns [\d.]+ ms, tcp [\d.]+ ms, proxy -, tls -, upgrade [\d.]+ ms, "
                     r"total [\d.]+ ms$")
        px.wait_line(r"^#1 C< HTTP/1\.1 101 Switching Protocols$")
        px.wait_line(r"^#1 C< Sec-WebSocket-Accept: %s$" % re.escape(rawws.accept_key(h.key)))
        px.wait_line(r"^#1 C< Sec-WebSocket-Protocol: v1$")
        # The messages stay on stdout.
        h.conn.send_frame(TEXT, "after the handshakes")
        px.wait_line(r"^#1 <S after the handshakes$", stream="stdout")
        self.assertFalse([line for line in px.seen["stderr"] if "after the handshakes" in line], px.seen["stderr"])

    def test_v_prints_the_answer_to_the_client_when_it_is_a_refusal(self):
        # The client's answer ("C<" block) is in -v when it is the
        # upstream's refusal or the proxy's 502, as for a 101.
        server, url = self.upstream("--reject", "401", script="py_server.py")
        px, _, port = self.proxy(url, "-v")
        self.assertEqual(self.handshake(port, "/private").status, 401)
        px.wait_line(r"^#1 >S GET /private HTTP/1\.1$")
        px.wait_line(r"^#1 <S HTTP/1\.1 401 Unauthorized$")
        px.wait_line(r"^#1 <S X-Rejected-By: py_server$")
        px.wait_line(r"^#1 C< HTTP/1\.1 401 Unauthorized$", timeout=3)
        px.wait_line(r"^#1 C< X-Rejected-By: py_server$", timeout=1)

        px, _, port = self.proxy(f"ws://127.0.0.1:{free_port()}/", "-v")
        self.assertEqual(self.handshake(port, "/unreachable").status, 502)
        px.wait_line(r"^#1 C> GET /unreachable HTTP/1\.1$")
        px.wait_line(r"^#1 C< HTTP/1\.1 502 Bad Gateway$", timeout=3)

if __name__ == "__main__":
    main()
