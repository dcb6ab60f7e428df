"""wskit handshake-inspect, client mode: against real servers every check
passes; against servers broken on purpose (peers/broken_server.py) the named
check fails with expected vs actual, in human and JSON output, with the
right exit code."""

import rawws
from harness import TestCase, main  # noqa: E402
from inspect_support import check, validated  # noqa: E402


class AgainstRealServers(TestCase):
    def inspect_ok(self, url, *args):
        human = self.wskit("inspect", *args, url)
        self.assertExit(human, 0)
        out = human.stdout.decode()
        for section in ("Resolution", "Timings", "Request", "Response", "Checks", "Verdict"):
            self.assertIn(section + "\n", out)
        self.assertNotIn("FAIL", out)
        self.assertIn("PASS: every check passed", out)
        doc = validated(self, self.wskit("inspect", "--json", *args, url).stdout.decode())
        self.assertEqual(doc["verdict"], "pass")
        self.assertEqual(doc["exit_code"], 0)
        self.assertEqual([c for c in doc["checks"] if c["verdict"] == "fail"], [])
        for c in ("status", "upgrade", "connection", "accept", "subprotocol", "extensions", "frames", "close"):
            self.assertEqual(check(doc, c)["verdict"], "pass", c)
        return doc

    def test_python_websockets(self):
        _, url = self.start_python_peer("py_server.py", "--subprotocol", "chat")
        doc = self.inspect_ok(url, "-s", "chat", "--ping", "3")
        self.assertEqual(check(doc, "subprotocol")["actual"], "chat")
        self.assertEqual(len(doc["timings"]["ping_ms"]), 3)
        ping = doc["timings"]["ping"]
        self.assertLessEqual(ping["min"], ping["median"])
        self.assertLessEqual(ping["median"], ping["max"])
        self.assertEqual(doc["after_open"]["close"], {"code": 1000, "reason": "", "clean": True})
        self.assertEqual(doc["resolution"]["connected_to"], url[len("ws://"):].rstrip("/"))
        self.assertIsNone(doc["tls"])
        for t in ("tcp_ms", "upgrade_ms", "total_ms"):
            self.assertIsNotNone(doc["timings"][t], t)
        self.assertIsNone(doc["timings"]["tls_ms"])
        self.assertIsNone(doc["timings"]["dns_ms"])  # 127.0.0.1: nothing to resolve

    def test_no_dns_time_for_an_ip_address(self):
        _, url = self.start_python_peer("py_server.py")
        out = self.wskit("inspect", url).stdout.decode()
        self.assertRegex(out, r"\n  DNS +-\n")  # 127.0.0.1: nothing was resolved
        named = validated(self, self.wskit("inspect", "--json", url.replace("127.0.0.1", "localhost")).stdout.decode())
        self.assertEqual(named["exit_code"], 0, named["error"])
        self.assertIsNotNone(named["timings"]["dns_ms"])

    def test_node_ws(self):
        _, url = self.start_node_peer("node_server.cjs")
        doc = self.inspect_ok(url)
        # Offered nothing, chose nothing.
        self.assertEqual(check(doc, "subprotocol")["actual"], "none")

    def test_wskit_echo(self):
        _, url = self.start_wskit_server("echo", "0")
        doc = self.inspect_ok(url, "--ping", "1")
        self.assertEqual(doc["response"]["status"], 101)
        accept = check(doc, "accept")
        self.assertEqual(accept["expected"], accept["actual"])
        self.assertIn("key sent: ", accept["detail"])

    def test_subprotocol_offered_but_none_chosen_is_a_warning(self):
        _, url = self.start_python_peer("py_server.py")
        r = self.wskit("inspect", url, "-s", "chat")
        self.assertExit(r, 0)
        self.assertIn("WARN  subprotocol", r.stdout.decode())
        self.assertIn("(1 warning)", r.stdout.decode())

    def test_secrets_are_masked_unless_asked(self):
        _, url = self.start_python_peer("py_server.py")
        args = ("-H", "Cookie: session=s3cr3t; theme=dark", "--auth", "user:hunter2", url)
        masked = self.wskit("inspect", *args)
        self.assertExit(masked, 0)
        out = masked.stdout.decode()
        self.assertIn("Cookie: session=[hidden]; theme=[hidden]", out)
        self.assertIn("Authorization: Basic [hidden]", out)
        self.assertNotIn("s3cr3t", out)
        doc = validated(self, self.wskit("inspect", "--json", *args).stdout.decode())
        self.assertNotIn("s3cr3t", str(doc))
        shown = self.wskit("inspect", "--show-secrets", *args)
        self.assertIn("Cookie: session=s3cr3t; theme=dark", shown.stdout.decode())

    def test_refused_connection_is_exit_3(self):
        from harness import free_port
        url = f"ws://127.0.0.1:{free_port()}/"
        r = self.wskit("inspect", url)
        self.assertExit(r, 3)
        self.assertIn("FAIL  TCP connection", r.stdout.decode())
        self.assertTrue(r.stderr.decode().startswith("wskit: "))
        doc = validated(self, self.wskit("inspect", "--json", url).stdout.decode())
        self.assertEqual(doc["exit_code"], 3)
        self.assertIn("refused", doc["resolution"]["attempts"][0]["error"])
        self.assertIsNone(doc["response"])

    def test_redirect_is_shown_and_followed_with_L(self):
        _, target = self.start_python_peer("py_server.py")
        _, redirector = self.start_python_peer("redirect_server.py", "--route", "/", "302", target)
        r = self.wskit("inspect", redirector)
        self.assertExit(r, 5)
        doc = validated(self, self.wskit("inspect", "--json", redirector).stdout.decode())
        self.assertEqual(check(doc, "location")["verdict"], "pass")
        self.assertEqual(check(doc, "location")["actual"], target)
        followed = validated(self, self.wskit("inspect", "--json", "-L", redirector).stdout.decode())
        self.assertEqual(followed["exit_code"], 0, followed)
        self.assertEqual(followed["redirects"][0]["location"], target)
        self.assertEqual(followed["url"], target)

    def test_usage_errors(self):
        self.assertExit(self.wskit("inspect"), 2)
        self.assertExit(self.wskit("inspect", "--raw", "ws://127.0.0.1:1/"), 2)
        self.assertExit(self.wskit("inspect", "--respond", "403", "ws://127.0.0.1:1/"), 2)
        self.assertExit(self.wskit("inspect", "--listen", "0", "ws://127.0.0.1:1/"), 2)


class AgainstBrokenServers(TestCase):
    """One server per failure; each named check fails, in both outputs."""

    def inspect_broken(self, mode, check_id, code, expected=None, actual=None, *args):
        _, url = self.start_python_peer("broken_server.py", mode)
        human = self.wskit("inspect", "--connect-timeout", "2", *args, url)
        self.assertExit(human, code)
        out = human.stdout.decode()
        doc = validated(self, self.wskit("inspect", "--json", "--connect-timeout", "2", *args, url).stdout.decode())
        self.assertEqual(doc["exit_code"], code)
        self.assertEqual(doc["verdict"], "fail")
        c = check(doc, check_id)
        self.assertEqual(c["verdict"], "fail", c)
        self.assertIn(f"FAIL  {c['name']}", out)
        # The accept value depends on the random key: each run has its own.
        self.assertIn("expected: " if check_id == "accept" else f"expected: {c['expected']}", out)
        if expected is not None:
            self.assertEqual(c["expected"], expected)
        if actual is not None:
            self.assertIn(actual, c["actual"])
        self.assertIn(f"FAIL (exit {code})", out)
        return doc, out

    def test_wrong_accept(self):
        doc, out = self.inspect_broken("bad-accept", "accept", 5, actual="dGhpcyBpcyBub3QgaXQ=")
        # Named by what it looks at: beside FAIL, no false claim that it matches.
        self.assertIn("  FAIL  Sec-WebSocket-Accept for the key sent  (RFC 6455 4.1)\n", out)
        self.assertIn("handshake check failed: Sec-WebSocket-Accept for the key sent: expected ", doc["error"])
        key = [h["value"] for h in doc["request"]["headers"] if h["name"] == "Sec-WebSocket-Key"][0]
        self.assertEqual(check(doc, "accept")["expected"], rawws.accept_key(key))
        self.assertIn("key sent: ", out)  # of its own run: the key is random
        self.assertEqual(check(doc, "accept")["detail"], f"key sent: {key}")

    def test_missing_upgrade(self):
        self.inspect_broken("no-upgrade", "upgrade", 5, "websocket", "(absent)")

    def test_connection_keep_alive_only(self):
        self.inspect_broken("keep-alive", "connection", 5, "Upgrade", "keep-alive")

    def test_200_with_a_body(self):
        doc, out = self.inspect_broken("ok-200", "status", 5, "101", "200 OK")
        self.assertEqual(doc["response"]["body"], "<h1>just a page</h1>\n")
        self.assertIn("| <h1>just a page</h1>", out)

    def test_chunked_400_body(self):
        doc, out = self.inspect_broken("chunked-400", "status", 5, "101", "400 Bad Request")
        self.assertEqual(doc["response"]["body"], "broken request\n")

    def test_close_delimited_body(self):
        doc, _ = self.inspect_broken("close-delimited", "status", 5, "101", "403 Forbidden")
        self.assertEqual(doc["response"]["body"], "no entry\n")

    def test_max_body(self):
        doc, out = self.inspect_broken("ok-200", "status", 5, None, None, "--max-body", "4")
        self.assertEqual(doc["response"]["body"], "<h1>")
        self.assertTrue(doc["response"]["body_truncated"])
        self.assertIn("truncated at --max-body", out)

    def test_subprotocol_not_offered(self):
        self.inspect_broken("bad-subprotocol", "subprotocol", 5, None, "evil")

    def test_extension_not_offered(self):
        doc, _ = self.inspect_broken("bad-extension", "extensions", 5, None, "x-evil")
        self.assertIn("level=9", check(doc, "extensions")["detail"])

    def test_426_without_version(self):
        doc, _ = self.inspect_broken("426-no-version", "version_header", 5, None, "(absent)")
        self.assertEqual(check(doc, "status")["actual"], "426 Upgrade Required")

    def test_masked_server_frame(self):
        self.inspect_broken("masked-frame", "frames", 6, None, "masked")

    def test_rsv_bits(self):
        self.inspect_broken("rsv-frame", "frames", 6, None, "reserved bits")

    def test_server_that_never_answers(self):
        doc, _ = self.inspect_broken("silent", "response", 7, None,
                                     "did not answer the upgrade request within 2 s (see --connect-timeout)")
        self.assertIsNone(doc["response"])
        self.assertEqual(check(doc, "connect")["verdict"], "pass")

    def test_a_101_whose_head_never_ends_is_a_timeout_not_a_bad_accept(self):
        # The server drips "HTTP/1.1 101 Switching Protocols\r\nUpgrade: ..." and never ends the head:
        # no check runs on half a head (its Sec-WebSocket-Accept is not missing, it never came).
        doc, out = self.inspect_broken("drip", "response", 7, "an HTTP response head",
                                       "the response head did not end within 2 s")
        self.assertNotIn("accept", [c["id"] for c in doc["checks"]])
        self.assertNotIn("Accept", doc["error"])
        self.assertIn("began to answer", doc["error"])

    def test_tls_answer_to_a_plain_request_is_a_rejection_that_names_wss(self):
        doc, out = self.inspect_broken("tls-hello", "response", 5, None, "with TLS, not HTTP (it is a TLS port: use wss://)")
        self.assertEqual(check(doc, "connect")["verdict"], "pass")
        self.assertNotIn("cannot connect", out)


if __name__ == "__main__":
    main()
