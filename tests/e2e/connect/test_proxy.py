"""wskit connect through a real HTTP CONNECT proxy (tinyproxy) and a real
SOCKS5 proxy (microsocks), each started by the test on a free port: by
--proxy, by https_proxy/http_proxy/all_proxy, bypassed by no_proxy, with
credentials, and the errors when the proxy refuses the tunnel or cannot be
reached."""
import json
import os
import re
import shutil
import tempfile

from certs import Certs
from harness import TestCase, free_port, main, port_of
from proxy_support import start_microsocks, start_tinyproxy

PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy",
              "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
BASE_ENV = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}


class Proxy(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="wskit-proxy-")
        cls.certs = Certs(os.path.join(cls.tmp, "certs"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def wss_echo(self):
        return self.start_wskit_server("echo", "--cert", self.certs.server_cert,
                                       "--key", self.certs.server_key, "0", env=BASE_ENV)

    def ws_echo(self, *args):
        return self.start_python_peer("py_echo_server.py", *args, env=BASE_ENV)

    def connect(self, url, *args, env=None, message="hello"):
        return self.wskit("connect", "-x", message, "--count", "1", "--timeout", "10", *args, url,
                          env=dict(BASE_ENV, **(env or {})))

    def assertEchoed(self, r, message="hello"):
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, message.encode() + b"\n")

    def assertConnects(self, proxy, expected):
        # The proxy logs the request before it opens the tunnel, so it is in
        # the log by the time the client got its answer.
        self.assertEqual(proxy.connects(), expected, proxy.text()[-3000:])

    # --- by flag -------------------------------------------------------

    def test_proxy_flag_ws(self):
        _, url = self.ws_echo()
        port = port_of(url)
        proxy = start_tinyproxy(self, [port])
        r = self.connect(url, "--proxy", proxy.url)
        self.assertEchoed(r)
        self.assertConnects(proxy, [f"127.0.0.1:{port}"])

    def test_proxy_flag_wss_verifies_the_server_through_the_tunnel(self):
        _, url = self.wss_echo()
        port = port_of(url)
        proxy = start_tinyproxy(self, [port])
        r = self.connect(url, "--proxy", proxy.url, "--ca", self.certs.ca)
        self.assertEchoed(r)
        self.assertConnects(proxy, [f"127.0.0.1:{port}"])
        # Without the CA the tunnel opens but verification still fails.
        r = self.connect(url, "--proxy", proxy.url)
        self.assertExit(r, 4)
        self.assertIn(b"TLS verification", r.stderr)
        self.assertConnects(proxy, [f"127.0.0.1:{port}"] * 2)

    def test_proxy_flag_overrides_environment(self):
        _, url = self.ws_echo()
        port = port_of(url)
        proxy = start_tinyproxy(self, [port])
        dead = f"http://127.0.0.1:{free_port()}"
        r = self.connect(url, "--proxy", proxy.url, env={"http_proxy": dead, "all_proxy": dead})
        self.assertEchoed(r)
        self.assertConnects(proxy, [f"127.0.0.1:{port}"])

    # --- by environment ------------------------------------------------

    def test_inspect_times_the_tunnel_and_tls_through_the_proxy(self):
        import json
        _, url = self.wss_echo()
        port = port_of(url)
        proxy = start_tinyproxy(self, [port])
        r = self.wskit("inspect", "--json", "--proxy", proxy.url, "--ca", self.certs.ca, url, env=BASE_ENV)
        self.assertExit(r, 0)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["resolution"]["host"], proxy.url[len("http://"):])
        for step in ("tcp_ms", "proxy_ms", "tls_ms", "upgrade_ms", "total_ms"):
            self.assertIsNotNone(doc["timings"][step], step)
        self.assertIsNone(doc["timings"]["dns_ms"])  # the proxy is named by its address: nothing to resolve
        self.assertTrue(doc["tls"]["verified"])
        self.assertEqual([c["id"] for c in doc["checks"] if c["verdict"] != "pass"], [])
        # The HTTP/2 probe takes the same way, through the proxy: a second
        # tunnel, whose TLS then finds no h2 in wskit echo.
        self.assertEqual(doc["http2"]["negotiated"], False)
        self.assertIsNotNone(doc["http2"]["timings"]["proxy_ms"])
        self.assertConnects(proxy, [f"127.0.0.1:{port}"] * 2)

    def test_https_proxy_for_wss(self):
        _, url = self.wss_echo()
        port = port_of(url)
        proxy = start_tinyproxy(self, [port])
        for var in ("https_proxy", "HTTPS_PROXY"):
            with self.subTest(var=var):
                before = len(proxy.connects())
                r = self.connect(url, "--ca", self.certs.ca, env={var: proxy.url},
                                 message=f"via {var}")
                self.assertEchoed(r, f"via {var}")
                self.assertEqual(len(proxy.connects()), before + 1, proxy.text()[-3000:])

    def test_http_proxy_for_ws(self):
        _, url = self.ws_echo()
        port = port_of(url)
        proxy = start_tinyproxy(self, [port])
        r = self.connect(url, env={"http_proxy": proxy.url})
        self.assertEchoed(r)
        self.assertConnects(proxy, [f"127.0.0.1:{port}"])

    def test_https_proxy_is_not_used_for_ws_nor_http_proxy_for_wss(self):
        _, ws_url = self.ws_echo()
        _, wss_url = self.wss_echo()
        proxy = start_tinyproxy(self, [port_of(ws_url), port_of(wss_url)])
        self.assertEchoed(self.connect(ws_url, env={"https_proxy": proxy.url}))
        self.assertEchoed(self.connect(wss_url, "--ca", self.certs.ca, env={"http_proxy": proxy.url}))
        self.assertConnects(proxy, [])

    def test_all_proxy_as_fallback(self):
        _, url = self.ws_echo()
        port = port_of(url)
        proxy = start_tinyproxy(self, [port])
        for var in ("all_proxy", "ALL_PROXY"):
            with self.subTest(var=var):
                before = len(proxy.connects())
                self.assertEchoed(self.connect(url, env={var: proxy.url}))
                self.assertEqual(len(proxy.connects()), before + 1, proxy.text()[-3000:])

    def test_upper_case_HTTP_PROXY_is_ignored(self):
        # As curl does (CGI "httpoxy"): only lower-case http_proxy counts.
        _, url = self.ws_echo()
        proxy = start_tinyproxy(self, [port_of(url)])
        self.assertEchoed(self.connect(url, env={"HTTP_PROXY": proxy.url}))
        self.assertConnects(proxy, [])

    def test_no_proxy_bypasses_the_proxy(self):
        _, url = self.wss_echo()
        port = port_of(url)
        proxy = start_tinyproxy(self, [port])
        env = {"https_proxy": proxy.url}
        self.assertEchoed(self.connect(url, "--ca", self.certs.ca, env=env))
        self.assertConnects(proxy, [f"127.0.0.1:{port}"])
        localhost_url = url.replace("127.0.0.1", "localhost")
        cases = [
            (url, {"no_proxy": "127.0.0.1"}),
            (url, {"NO_PROXY": "127.0.0.1"}),
            (url, {"no_proxy": "example.com, 127.0.0.1"}),
            (url, {"no_proxy": "*"}),
            (localhost_url, {"no_proxy": "localhost"}),
        ]
        for target, extra in cases:
            with self.subTest(url=target, **extra):
                r = self.connect(target, "--ca", self.certs.ca, env=dict(env, **extra))
                self.assertEchoed(r)
                self.assertConnects(proxy, [f"127.0.0.1:{port}"])  # no new CONNECT
        # An entry for another host does not bypass it.
        r = self.connect(url, "--ca", self.certs.ca, env=dict(env, no_proxy="example.com"))
        self.assertEchoed(r)
        self.assertConnects(proxy, [f"127.0.0.1:{port}"] * 2)

    # --- refusals and failures -----------------------------------------

    def test_proxy_that_refuses_the_tunnel(self):
        _, url = self.ws_echo()
        port = port_of(url)
        other = port + 1 if port < 65535 else port - 1
        proxy = start_tinyproxy(self, [other])  # CONNECT allowed only to another port
        r = self.connect(url, "--proxy", proxy.url)
        self.assertExit(r, 3)
        self.assertEqual(r.stdout, b"")
        err = r.stderr.decode(errors="replace")
        proxy_hostport = proxy.url[len("http://"):]
        self.assertRegex(err, rf"^wskit: .*the proxy {re.escape(proxy_hostport)} refused to open a "
                              rf"tunnel to 127\.0\.0\.1:{port}")
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertConnects(proxy, [f"127.0.0.1:{port}"])

    def test_refusing_proxy_from_environment(self):
        _, url = self.ws_echo()
        port = port_of(url)
        proxy = start_tinyproxy(self, [port + 1 if port < 65535 else port - 1])
        r = self.connect(url, env={"http_proxy": proxy.url})
        self.assertExit(r, 3)
        self.assertIn(b"refused to open a tunnel", r.stderr)

    def test_unreachable_proxy(self):
        _, url = self.ws_echo()
        dead = free_port()
        for scheme in ("http", "socks5", "socks5h"):
            with self.subTest(scheme=scheme):
                r = self.connect(url, "--proxy", f"{scheme}://127.0.0.1:{dead}")
                self.assertExit(r, 3)
                self.assertEqual(r.stdout, b"")
                self.assertRegex(r.stderr.decode(errors="replace"),
                                 rf"^wskit: cannot connect to the proxy 127\.0\.0\.1:{dead}")

    # --- credentials ---------------------------------------------------

    def test_proxy_credentials(self):
        record = os.path.join(self.tmp, f"record-{self.id()}.jsonl")
        _, url = self.ws_echo("--record", record)
        port = port_of(url)
        proxy = start_tinyproxy(self, [port], basic_auth=("alice", "s3cret"))
        authed = proxy.url.replace("http://", "http://alice:s3cret@")

        r = self.connect(url, "--proxy", authed)
        self.assertEchoed(r)
        self.assertConnects(proxy, [f"127.0.0.1:{port}"])
        # The credentials are for the proxy only: the server never sees them.
        with open(record) as f:
            requests = [json.loads(line) for line in f]
        self.assertEqual(len(requests), 1)
        self.assertNotIn("proxy-authorization", {k.lower() for k in requests[0]["headers"]})

        # The same credentials from the environment.
        self.assertEchoed(self.connect(url, env={"http_proxy": authed}))

        for bad in (proxy.url, proxy.url.replace("http://", "http://alice:wrong@")):
            with self.subTest(proxy=bad):
                r = self.connect(url, "--proxy", bad)
                self.assertExit(r, 3)
                self.assertEqual(r.stdout, b"")
                err = r.stderr.decode(errors="replace")
                self.assertRegex(err, r"^wskit: .*proxy")
                # The message must show it is about the credentials, not only
                # that the tunnel was refused (curl: "response 407"). tinyproxy
                # answers 407 without credentials and 401 with wrong ones.
                self.assertRegex(err, r"40[17]|(?i:authenticat|credential|unauthorized)")
                self.assertNotIn("s3cret", err)
        with open(record) as f:
            self.assertEqual(len(f.readlines()), 2)  # the refused attempts never reached it


    # --- SOCKS5 (microsocks) -------------------------------------------

    def test_socks5_ws(self):
        _, url = self.ws_echo()
        socks = start_microsocks(self)
        r = self.connect(url, "--proxy", socks.url())
        self.assertEchoed(r)
        socks.wait_connected(f"127.0.0.1:{port_of(url)}")

    def test_socks5_wss_verifies_the_target_through_the_tunnel(self):
        _, url = self.wss_echo()
        url = url.replace("127.0.0.1", "localhost")
        socks = start_microsocks(self)
        r = self.connect(url, "--proxy", socks.url("socks5h"), "--ca", self.certs.ca)
        self.assertEchoed(r)
        socks.wait_connected(f"localhost:{port_of(url)}")
        # The tunnel opens, but the server is still verified as the target.
        r = self.connect(url, "--proxy", socks.url("socks5h"))
        self.assertExit(r, 4)
        self.assertIn(b"TLS verification of localhost failed", r.stderr)

    def test_socks5_resolves_here_and_socks5h_lets_the_proxy_resolve(self):
        _, url = self.ws_echo()
        port = port_of(url)
        url = url.replace("127.0.0.1", "localhost")
        socks = start_microsocks(self)
        self.assertEchoed(self.connect(url, "--proxy", socks.url("socks5")))
        socks.wait_connected(f"127.0.0.1:{port}")
        self.assertEchoed(self.connect(url, "--proxy", socks.url("socks5h")))
        socks.wait_connected(f"localhost:{port}")

    def test_socks5_with_password(self):
        record = os.path.join(self.tmp, f"record-{self.id()}.jsonl")
        _, url = self.ws_echo("--record", record)
        socks = start_microsocks(self, "alice", "s3cret")
        r = self.connect(url, "--proxy", socks.url(credentials="alice:s3cret@"))
        self.assertEchoed(r)
        socks.wait_connected(f"127.0.0.1:{port_of(url)}")
        self.assertEchoed(self.connect(url, env={"all_proxy": socks.url("socks5h", "alice:s3cret@")}))

        r = self.connect(url, "--proxy", socks.url(credentials="alice:wrong@"))
        self.assertExit(r, 3)
        self.assertEqual(r.stdout, b"")
        err = r.stderr.decode(errors="replace")
        self.assertRegex(err, rf"^wskit: SOCKS5 proxy {re.escape(socks.authority)}: authentication failed")
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertNotIn("wrong", err)

        r = self.connect(url, "--proxy", socks.url())
        self.assertExit(r, 3)
        self.assertRegex(r.stderr.decode(errors="replace"),
                         rf"^wskit: SOCKS5 proxy {re.escape(socks.authority)} requires authentication")
        with open(record) as f:
            self.assertEqual(len(f.readlines()), 2)  # the refused attempts never reached it

    def test_socks5_target_refused(self):
        socks = start_microsocks(self)
        dead = free_port()
        r = self.connect(f"ws://127.0.0.1:{dead}/", "--proxy", socks.url())
        self.assertExit(r, 3)
        err = r.stderr.decode(errors="replace")
        self.assertRegex(err, rf"^wskit: SOCKS5 proxy {re.escape(socks.authority)} refused the connection to "
                              rf"127\.0\.0\.1:{dead}: .* \(reply \d\)$")
        self.assertEqual(len(err.strip().splitlines()), 1, err)

    def test_socks5_from_environment(self):
        _, ws_url = self.ws_echo()
        _, wss_url = self.wss_echo()
        socks = start_microsocks(self)
        self.assertEchoed(self.connect(ws_url, env={"all_proxy": socks.url()}))
        socks.wait_connected(f"127.0.0.1:{port_of(ws_url)}")
        self.assertEchoed(self.connect(ws_url, env={"http_proxy": socks.url("socks5h")}))
        socks.wait_connected(f"127.0.0.1:{port_of(ws_url)}")
        self.assertEchoed(self.connect(wss_url, "--ca", self.certs.ca, env={"https_proxy": socks.url()}))
        socks.wait_connected(f"127.0.0.1:{port_of(wss_url)}")

    def test_unsupported_proxy_scheme_names_the_supported_ones(self):
        _, url = self.ws_echo()
        for proxy in ("socks4://127.0.0.1:1080", "https://127.0.0.1:3128"):
            with self.subTest(proxy=proxy):
                r = self.connect(url, "--proxy", proxy)
                self.assertExit(r, 2)
                self.assertIn(b"http://, socks5://, socks5h://", r.stderr)

    # --- -v shows the proxy exchange -------------------------------------

    def test_verbose_shows_the_connect_exchange(self):
        _, url = self.ws_echo()
        port = port_of(url)
        proxy = start_tinyproxy(self, [port])
        r = self.connect(url, "-v", "--proxy", proxy.url.replace("http://", "http://alice:s3cret@"))
        self.assertEchoed(r)
        lines = r.stderr.decode(errors="replace").splitlines()
        proxy_port = port_of(proxy.url + "/")
        expected = [f"* Trying 127.0.0.1:{proxy_port}...",
                    f"* Connected to 127.0.0.1 (127.0.0.1) port {proxy_port}",
                    f"> CONNECT 127.0.0.1:{port} HTTP/1.1",
                    "> Proxy-Authorization: Basic [hidden]"]
        for line in expected:
            self.assertIn(line, lines)
        self.assertRegex(r.stderr.decode(), r"\n< HTTP/1\.[01] 200 ")
        self.assertLess(lines.index(expected[2]), lines.index("> GET / HTTP/1.1"))
        self.assertNotIn("s3cret", r.stderr.decode(errors="replace"))

    def test_verbose_shows_the_socks5_steps(self):
        _, url = self.ws_echo()
        port = port_of(url)
        socks = start_microsocks(self, "alice", "s3cret")
        r = self.connect(url, "-v", "--proxy", socks.url("socks5h", "alice:s3cret@"))
        self.assertEchoed(r)
        lines = r.stderr.decode(errors="replace").splitlines()
        expected = [f"* Connected to 127.0.0.1 (127.0.0.1) port {socks.port}",
                    "* SOCKS5 username/password authentication as alice",
                    f"* SOCKS5 connect to 127.0.0.1:{port} (remotely resolved)",
                    "* SOCKS5 request granted",
                    "> GET / HTTP/1.1",
                    f"> Host: 127.0.0.1:{port}"]
        self.assertEqual([l for l in lines if l in expected], expected, lines)


if __name__ == "__main__":
    main()
