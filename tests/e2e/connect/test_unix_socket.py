"""Clients of Unix-domain sockets (issue #24): ws+unix:///PATH:/path?query
and wss+unix:// URLs (Host: localhost), and curl's --unix-socket PATH with a
normal URL (Host, path and the TLS name from the URL), for connect,
handshake-inspect, bench and proxy's upstream. The servers are Python
websockets' unix_serve (peers/py_unix_server.py), which records each
request's path and Host header, and Node's `ws` behind an http server on the
socket (peers/node_server.cjs --unix, which records each request's path and
headers); bench runs against wskit echo unix:PATH and both of them. Also:
-v's lines, a missing or dead socket (exit 3), and --proxy refused."""
import base64
import json
import os
import shutil
import socket
import tempfile

from harness import WSKIT, TestCase, main

NO_PROXY = b"a proxy cannot reach a Unix socket (drop --proxy, or use a ws:// URL)"


def received(stdout):
    """The messages received, from connect --json's NDJSON (split on LF
    only: U+2028 inside a string is valid JSON)."""
    events = [json.loads(line) for line in stdout.split(b"\n") if line]
    return [e for e in events if e["event"] == "message" and e["dir"] == "in"]


class UnixClients(TestCase):
    def tmpdir(self):
        d = tempfile.mkdtemp(prefix="wskit-unix-")
        self.addCleanup(shutil.rmtree, d, True)
        return d

    def python_server(self, *args):
        """py_unix_server.py on a fresh socket: (process, path)."""
        path = os.path.join(self.tmpdir(), "py.sock")
        p, url = self.start_python_peer("py_unix_server.py", path, *args)
        self.assertEqual(url, f"unix:{path}")
        return p, path

    @staticmethod
    def request(server):
        """The next request the Python server saw: {"path", "host"}."""
        return json.loads(server.wait_line(r"^\{", stream="stdout").string)

    def node_server(self):
        """node_server.cjs --unix on a fresh socket (Node's http server and
        `ws`, echoing text as text and binary as binary), recording each
        request: (process, path, record file)."""
        d = self.tmpdir()
        path, record = os.path.join(d, "node.sock"), os.path.join(d, "requests.jsonl")
        p, url = self.start_node_peer("node_server.cjs", "--unix", path, "--record", record)
        self.assertEqual(url, f"unix:{path}")
        return p, path, record

    @staticmethod
    def node_requests(record):
        """Every request the Node server recorded (it writes each before
        answering the handshake): [{"path", "host": [each Host header's
        value]}]."""
        try:
            with open(record) as f:
                rows = [json.loads(line) for line in f]
        except FileNotFoundError:
            return []
        return [{"path": r["path"], "host": [v for k, v in r["headers"] if k.lower() == "host"]} for r in rows]

    def check_node_round_trip(self, server, record, args, resource, host):
        """Text (UTF-8 beyond Latin-1, one line each) and then binary (every
        byte value, and more than one read's worth) sent with `wskit connect
        ARGS` come back from Node `ws` over the socket, each kind as sent;
        each run makes one request for `resource` with Host `host`, and ends
        with a clean close 1000 that ws sees."""
        texts = ["héllo ✓", "日本語 — ünïcode 🎉", "plain"]
        r = self.wskit("connect", "--json", "--count", str(len(texts)), *args,
                       input="".join(t + "\n" for t in texts))
        self.assertExit(r, 0)
        got = received(r.stdout)
        self.assertEqual([(m["opcode"], m.get("text"), m["size"]) for m in got],
                         [("text", t, len(t.encode())) for t in texts])
        blob = bytes(range(256)) * 4 + os.urandom(300_000)
        r = self.wskit("connect", "--json", "--whole", "--binary", "--count", "1", *args, input=blob)
        self.assertExit(r, 0)
        got = received(r.stdout)
        self.assertEqual([m["opcode"] for m in got], ["binary"])
        self.assertEqual(base64.b64decode(got[0]["base64"]), blob)
        self.assertEqual(self.node_requests(record), [{"path": resource, "host": [host]}] * 2)
        for _ in range(2):
            server.wait_line(r"^closed code=1000 reason=$")

    def test_a_ws_unix_url_gives_the_path_and_query_and_host_localhost(self):
        server, path = self.python_server()
        r = self.wskit("connect", f"ws+unix://{path}:/request/path?q=1&r=a%20b", "-x", "héllo ✓")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout.decode(), "héllo ✓\n")
        self.assertEqual(self.request(server), {"path": "/request/path?q=1&r=a%20b", "host": "localhost"})
        r = self.wskit("connect", f"ws+unix://{path}:/", "-x", "root")
        self.assertExit(r, 0)
        self.assertEqual(self.request(server), {"path": "/", "host": "localhost"})

    def test_unix_socket_keeps_the_urls_host_and_path(self):
        server, path = self.python_server()
        for url, host, resource in (("ws://example.test/p?x=1", "example.test", "/p?x=1"),
                                    ("ws://example.test:8080/", "example.test:8080", "/")):
            with self.subTest(url):
                r = self.wskit("connect", "--unix-socket", path, url, "-x", "via the socket")
                self.assertExit(r, 0)
                self.assertEqual(r.stdout, b"via the socket\n")
                self.assertEqual(self.request(server), {"path": resource, "host": host})

    def test_node_ws_over_a_ws_unix_url(self):
        server, path, record = self.node_server()
        self.check_node_round_trip(server, record, [f"ws+unix://{path}:/p?q=1&r=a%20b"], "/p?q=1&r=a%20b",
                                   "localhost")

    def test_node_ws_over_unix_socket_with_a_normal_url(self):
        server, path, record = self.node_server()
        self.check_node_round_trip(server, record, ["--unix-socket", path, "ws://example.test/p?x=1"], "/p?x=1",
                                   "example.test")

    def test_bench_against_node_ws_over_the_socket(self):
        server, path, record = self.node_server()
        r = self.wskit("bench", "--json", "-c", "2", "-d", "0.5", f"ws+unix://{path}:/")
        self.assertExit(r, 0)
        result = json.loads(r.stdout)
        self.assertEqual(result["errors"]["total"], 0, result["errors"])
        self.assertEqual((result["opened"], result["lost"]), (2, 0), result)
        self.assertGreater(result["received"], 0, result)
        # Every echo paired with its message; with one message in flight per
        # connection (window 1), at most those two are unanswered at the end.
        self.assertEqual(result["unmatched"], 0, result)
        self.assertEqual(result["sent"], result["received"] + result["unanswered"], result)
        self.assertLessEqual(result["unanswered"], 2, result)
        self.assertEqual(self.node_requests(record), [{"path": "/", "host": ["localhost"]}] * 2)

    def test_verbose_names_the_socket(self):
        _, path = self.python_server()
        for args, host in (([f"ws+unix://{path}:/v"], "localhost"),
                           (["--unix-socket", path, "ws://example.test/v"], "example.test")):
            with self.subTest(args):
                r = self.wskit("connect", "-v", *args, "-x", "v")
                self.assertExit(r, 0)
                lines = r.stderr.decode().splitlines()
                for expected in (f"* Trying unix:{path}...", f"* Connected to unix:{path}", "> GET /v HTTP/1.1",
                                 f"> Host: {host}"):
                    self.assertIn(expected, lines)
                self.assertLess(lines.index(f"* Trying unix:{path}..."), lines.index(f"* Connected to unix:{path}"))

    def test_a_missing_or_dead_socket_is_exit_3(self):
        d = self.tmpdir()
        missing = os.path.join(d, "missing.sock")
        dead = os.path.join(d, "dead.sock")  # a socket file nobody listens on
        bound = socket.socket(socket.AF_UNIX)
        self.addCleanup(bound.close)
        bound.bind(dead)
        for path, reason in ((missing, "No such file or directory"), (dead, "connection refused")):
            message = f"cannot connect to unix:{path}: {reason}"
            for args in ([f"ws+unix://{path}:/"], ["--unix-socket", path, "ws://example.test/"]):
                with self.subTest(args):
                    r = self.wskit("connect", *args, "-x", "hi")
                    self.assertExit(r, 3)
                    self.assertTrue(r.stderr.decode().startswith("wskit: " + message), r.stderr)
                    self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
                    r = self.wskit("handshake-inspect", "--json", *args)
                    self.assertExit(r, 3)
                    doc = json.loads(r.stdout)
                    self.assertTrue(doc["error"].startswith(message), doc["error"])
                    self.assertEqual((doc["exit_code"], doc["resolution"]["connected_to"]), (3, None))
            r = self.wskit("bench", "-c", "1", "-d", "0.5", f"ws+unix://{path}:/")
            self.assertExit(r, 3)
            self.assertIn(message.encode(), r.stderr)

    def test_a_refused_socket_is_not_called_a_port(self):
        # A socket file nobody listens on refuses the connection; the hint
        # after "connection refused" must not speak of a port, which a Unix
        # socket does not have.
        dead = os.path.join(self.tmpdir(), "dead.sock")
        bound = socket.socket(socket.AF_UNIX)
        self.addCleanup(bound.close)
        bound.bind(dead)
        r = self.wskit("connect", f"ws+unix://{dead}:/", "-x", "hi")
        self.assertExit(r, 3)
        self.assertNotIn(b"port", r.stderr)

    def test_proxy_and_a_unix_socket_are_a_usage_error(self):
        _, path = self.python_server()
        for args in ([f"ws+unix://{path}:/"], ["--unix-socket", path, "ws://example.test/"]):
            for command in ("connect", "handshake-inspect"):
                with self.subTest(command=command, args=args):
                    r = self.wskit(command, "--proxy", "http://127.0.0.1:9", *args)
                    self.assertExit(r, 2)
                    self.assertIn(NO_PROXY, r.stdout + r.stderr)

    def test_proxy_refuses_proxy_with_a_unix_upstream_at_start(self):
        # Like connect and handshake-inspect, proxy refuses --proxy with a
        # Unix socket upstream at start (exit 2, before "listening on"),
        # instead of starting and answering every client 502.
        _, path = self.python_server()
        for args in ([f"ws+unix://{path}:/"], ["--unix-socket", path, "ws://example.test/"]):
            with self.subTest(args):
                p = self.start([WSKIT, "proxy", "0", "--proxy", "http://127.0.0.1:9", *args])
                first = p.wait_line(r"^listening on |a proxy cannot reach").group(0)
                self.assertNotEqual(first, "listening on ", f"proxy started: {p.seen['stderr']!r}")
                self.assertEqual(p.wait(timeout=10), 2)
                self.assertIn(NO_PROXY.decode(), "\n".join(p.seen["stderr"]))

    def test_handshake_inspect_over_the_socket(self):
        from inspect_support import validated
        server, path = self.python_server()
        r = self.wskit("handshake-inspect", f"ws+unix://{path}:/i?x=1")
        self.assertExit(r, 0)
        lines = r.stdout.decode().splitlines()
        resolution = lines[lines.index("Resolution") + 1:lines.index("Timings")]
        self.assertIn(f"  name         unix:{path}", resolution)
        self.assertIn(f"  connected to unix:{path}", resolution)
        for expected in ("  > GET /i?x=1 HTTP/1.1", "  > Host: localhost", "  PASS: every check passed"):
            self.assertIn(expected, lines)
        self.assertEqual(self.request(server), {"path": "/i?x=1", "host": "localhost"})

        r = self.wskit("handshake-inspect", "--json", "--unix-socket", path, "ws://example.test/j")
        self.assertExit(r, 0)
        doc = validated(self, r.stdout.decode())
        self.assertEqual(doc["resolution"]["connected_to"], f"unix:{path}")
        self.assertEqual(doc["resolution"]["addresses"], [f"unix:{path}"])
        self.assertEqual(doc["request"]["resource"], "/j")
        self.assertIn({"name": "Host", "value": "example.test"}, doc["request"]["headers"])
        self.assertEqual((doc["verdict"], doc["exit_code"], doc["response"]["status"]), ("pass", 0, 101))
        self.assertEqual(self.request(server), {"path": "/j", "host": "example.test"})

    def test_tls_over_the_socket_checks_the_name_of_the_url(self):
        from certs import Certs
        certs = Certs(self.tmpdir())
        server, path = self.python_server("--tls", certs.server_cert, certs.server_key)
        for args in ([f"wss+unix://{path}:/t"], ["--unix-socket", path, "wss://localhost/t"]):
            with self.subTest(args):
                r = self.wskit("connect", "--ca", certs.ca, *args, "-x", "sealed")
                self.assertExit(r, 0)
                self.assertEqual(r.stdout, b"sealed\n")
                self.assertEqual(self.request(server), {"path": "/t", "host": "localhost"})
        r = self.wskit("connect", "--ca", certs.ca, "--unix-socket", path, "wss://other.example/t", "-x", "x")
        self.assertExit(r, 4)
        self.assertIn(b"TLS verification of other.example failed: hostname mismatch", r.stderr)
        r = self.wskit("handshake-inspect", "--json", "--ca", certs.ca, f"wss+unix://{path}:/t")
        self.assertExit(r, 0)
        tls = json.loads(r.stdout)["tls"]
        self.assertEqual((tls["verified"], tls["sni"]), (True, "localhost"))

    def test_bench_over_the_socket(self):
        d = self.tmpdir()
        echo = os.path.join(d, "echo.sock")
        self.start_wskit_server("echo", f"unix:{echo}")
        server, path = self.python_server()
        runs = {
            "ws+unix": [f"ws+unix://{echo}:/", "-c", "4", "-d", "1"],
            "--unix-socket": ["--unix-socket", echo, "ws://example.test/", "-c", "4", "-d", "1"],
            "python": ["--unix-socket", path, "ws://example.test/b", "-c", "2", "-d", "0.5"],
        }
        procs = {name: self.popen([WSKIT, "bench", "--json", *args]) for name, args in runs.items()}
        for name, p in procs.items():
            with self.subTest(name):
                out, err = p.communicate(timeout=30)
                self.assertEqual(p.returncode, 0, err)
                result = json.loads(out)
                self.assertGreater(result["received"], 0, result)
                self.assertEqual(result["errors"]["total"], 0, result["errors"])
                self.assertEqual(result["opened"], int(runs[name][runs[name].index("-c") + 1]), result)
        seen = [self.request(server), self.request(server)]
        self.assertEqual(seen, [{"path": "/b", "host": "example.test"}] * 2)

    def test_proxy_forwards_to_a_unix_upstream(self):
        server, path = self.python_server()
        for upstream, host, base in (([f"ws+unix://{path}:/up"], "localhost", "/up"),
                                     (["--unix-socket", path, "ws://up.example/u"], "up.example", "/u")):
            with self.subTest(upstream):
                proxy, url = self.start_wskit_server("proxy", "0", *upstream)
                r = self.wskit("connect", url + "cl?z=1", "-x", "through")
                self.assertExit(r, 0)
                self.assertEqual(r.stdout, b"through\n")
                self.assertEqual(self.request(server), {"path": f"{base}/cl?z=1", "host": host})
                proxy.wait_line(rf"^#1 S: connected to ws\+unix://{path}:{base}/cl\?z=1$", stream="stdout")

        missing = os.path.join(self.tmpdir(), "missing.sock")
        proxy, url = self.start_wskit_server("proxy", "0", f"ws+unix://{missing}:/")
        r = self.wskit("connect", url, "-x", "x")
        self.assertExit(r, 5)
        self.assertIn(b"502 Bad Gateway", r.stderr)
        proxy.wait_line(rf"^wskit: cannot connect to unix:{missing}: No such file or directory$")


if __name__ == "__main__":
    main()
