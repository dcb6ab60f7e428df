"""handshake-inspect's HTTP/2 probe (RFC 8441): a second connection opens
the WebSocket as a browser does on an HTTP/2 connection, and the verdict puts
both paths side by side. Peers: Node's http2 with ws for HTTP/1.1 on the same
port (peers/node_h2_server.cjs --allow-http1), its variants, python-h2
answering 101, nghttpx and Apache httpd (cleartext, --h2c; h2_support.py)
in front of wskit echo, and wskit echo with TLS, which has no HTTP/2 at all."""
import os

from h2_support import start_apache, start_nghttpx
from harness import CertsTestCase, main
from inspect_support import check, validated

ENV = {k: v for k, v in os.environ.items()
       if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "sslkeylogfile")}


class Http2Probe(CertsTestCase):
    def both_paths(self, *args):
        """A wss:// server speaking WebSocket over HTTP/1.1 and HTTP/2."""
        _, url = self.start_node_peer("node_h2_server.cjs", "--cert", self.certs.server_cert, "--key",
                                      self.certs.server_key, "--allow-http1", *args)
        return url.replace("https://", "wss://")

    def inspect(self, url, *args):
        return self.wskit("inspect", "--ca", self.certs.ca, *args, url, env=ENV, timeout=60)

    def json_of(self, url, *args):
        r = self.inspect(url, "--json", *args)
        return r, validated(self, r.stdout.decode())

    def test_both_paths_pass_side_by_side(self):
        url = self.both_paths("--subprotocol", "chat")
        r = self.inspect(url, "-s", "chat")
        self.assertExit(r, 0)
        out = r.stdout.decode()
        self.assertIn("HTTP/2 (RFC 8441)", out)
        self.assertIn("  ALPN         h2", out)
        self.assertIn("SETTINGS_ENABLE_CONNECT_PROTOCOL = 1", out)
        self.assertIn("  > :protocol: websocket", out)
        self.assertIn("  < :status: 200", out)
        self.assertIn("  < sec-websocket-protocol: chat", out)
        self.assertIn("HTTP/1.1 upgrade: PASS; HTTP/2 extended CONNECT: PASS", out)

    def test_json_has_the_probe(self):
        r, doc = self.json_of(self.both_paths())
        self.assertExit(r, 0)
        h2 = doc["http2"]
        self.assertEqual((h2["negotiated"], h2["enabled"], h2["alpn"], h2["verdict"]), (True, True, "h2", "pass"))
        self.assertIn({"id": 8, "name": "SETTINGS_ENABLE_CONNECT_PROTOCOL", "value": 1}, h2["settings"])
        self.assertEqual(h2["request"][0], {"name": ":method", "value": "CONNECT"})
        self.assertEqual(h2["response"][0], {"name": ":status", "value": "200"})
        self.assertEqual(len(h2["timings"]["ping_ms"]), 1)  # a round trip on the stream, always
        self.assertEqual(h2["close"], {"code": 1000, "reason": "", "clean": True})
        self.assertEqual(check(h2, "accept")["verdict"], "pass")

    def test_an_enabled_path_that_fails_fails_the_run(self):
        url = self.both_paths("--variant", "reset")
        r = self.inspect(url)
        self.assertExit(r, 5)
        self.assertIn("HTTP/1.1 upgrade: PASS; HTTP/2 extended CONNECT: FAIL", r.stdout.decode())
        err = r.stderr.decode().strip().splitlines()
        self.assertEqual(len(err), 1, err)
        self.assertRegex(err[0], r"^wskit: HTTP/2 extended CONNECT: FAIL \(the server reset the extended CONNECT "
                                 r"stream with PROTOCOL_ERROR \(0x1\)\): browsers that reuse an HTTP/2 connection "
                                 r"to this host will fail$")
        _, doc = self.json_of(url)
        self.assertEqual((doc["verdict"], doc["exit_code"]), ("fail", 5))
        self.assertEqual((doc["http2"]["verdict"], doc["http2"]["exit_code"]), ("fail", 5))
        self.assertEqual(check(doc, "status")["verdict"], "pass")  # HTTP/1.1's own checks

    def test_a_subprotocol_not_offered_fails_only_over_http2(self):
        url = self.both_paths("--variant", "wrong-subprotocol", "--subprotocol", "chat")
        r, doc = self.json_of(url, "-s", "chat")
        self.assertExit(r, 5)
        self.assertEqual(check(doc, "subprotocol")["verdict"], "pass")
        sub = check(doc["http2"], "subprotocol")
        self.assertEqual((sub["verdict"], sub["actual"]), ("fail", "not-offered"))

    def test_accept_header_over_http2_is_a_warning(self):
        r, doc = self.json_of(self.both_paths("--variant", "accept-header"))
        self.assertExit(r, 0)
        self.assertEqual(check(doc["http2"], "accept")["verdict"], "warn")

    def test_setting_absent_is_reported_not_failed(self):
        url = self.both_paths("--no-connect-protocol")
        r = self.inspect(url)
        self.assertExit(r, 0)
        self.assertIn("HTTP/1.1 upgrade: PASS; HTTP/2: spoken, without the extended CONNECT", r.stdout.decode())
        _, doc = self.json_of(url)
        self.assertEqual((doc["http2"]["negotiated"], doc["http2"]["enabled"]), (True, False))
        self.assertEqual(doc["http2"]["verdict"], "unused")
        self.assertEqual(check(doc["http2"], "enable_connect_protocol")["verdict"], "warn")

    def test_tls_server_without_http2_is_reported_not_failed(self):
        _, url = self.start_wskit_server("echo", "--cert", self.certs.server_cert, "--key", self.certs.server_key,
                                         "0", env=ENV)
        r = self.inspect(url)
        self.assertExit(r, 0)
        self.assertIn("HTTP/2: not offered (ALPN chose no protocol)", r.stdout.decode())
        _, doc = self.json_of(url)
        self.assertEqual((doc["http2"]["negotiated"], doc["http2"]["alpn"]), (False, None))
        self.assertEqual(doc["http2"]["summary"], "HTTP/2: not offered (ALPN chose no protocol): browsers use "
                                                  "HTTP/1.1 here")

    def test_h2c_through_nghttpx(self):
        _, echo = self.start_wskit_server("echo", "0", env=ENV)
        r, doc = self.json_of(start_nghttpx(self, echo), "--h2c")
        self.assertExit(r, 0)
        self.assertTrue(doc["http2"]["prior_knowledge"])
        self.assertEqual(doc["http2"]["verdict"], "pass")
        self.assertIn({"name": "server", "value": "nghttpx"}, doc["http2"]["response"])

    def test_h2c_through_apache_with_and_without_h2websockets(self):
        _, echo = self.start_wskit_server("echo", "0", env=ENV)
        r = self.inspect(start_apache(self, echo), "--h2c")
        self.assertExit(r, 0)
        self.assertIn("HTTP/1.1 upgrade: PASS; HTTP/2 extended CONNECT: PASS", r.stdout.decode())
        r = self.inspect(start_apache(self, echo, websockets=False), "--h2c")
        self.assertExit(r, 0)
        self.assertIn("HTTP/1.1 upgrade: PASS; HTTP/2: spoken, without the extended CONNECT", r.stdout.decode())

    def test_a_101_over_http2_fails_its_status_check(self):
        _, url = self.start_python_peer("py_h2_server.py", "--plain")
        r, doc = self.json_of(url.replace("http://", "ws://"), "--h2c")
        self.assertExit(r, 5)  # HTTP/1.1 fails first: the peer speaks HTTP/2 alone
        status = check(doc["http2"], "status")
        self.assertEqual((status["verdict"], status["actual"]), ("fail", "101"))

    def test_not_probed_for_ws_without_h2c_nor_with_no_http2(self):
        _, url = self.start_wskit_server("echo", "0", env=ENV)
        _, doc = self.json_of(url)
        self.assertIsNone(doc["http2"])
        _, doc = self.json_of(self.both_paths(), "--no-http2")
        self.assertIsNone(doc["http2"])

    def test_h2c_and_no_http2_together_are_a_usage_error(self):
        r = self.inspect("ws://127.0.0.1:9/", "--h2c", "--no-http2")
        self.assertExit(r, 2)


if __name__ == "__main__":
    main()
