"""wskit echo with Python websockets and Node ws as clients, plain HTTP on
the same port, its options, and its shutdown."""
import http.client
import json
import os
import queue
import re
import signal
import time
from urllib.parse import urlsplit

import rawws
from harness import NODE, PEERS, PYTHON, TestCase, main


class Echo(TestCase):
    def client(self, lang, *args):
        script = {"py": [PYTHON, os.path.join(PEERS, "py_client.py")],
                  "node": [NODE, os.path.join(PEERS, "node_client.cjs")]}[lang]
        return self.start([*script, *args])

    def run_client(self, lang, *args, timeout=30):
        """Runs a client peer to completion; returns its JSON lines."""
        p = self.client(lang, *args)
        try:
            code = p.wait(timeout=timeout)
        except Exception:
            self.fail(f"{lang} client {args} did not finish: {p.seen}")
        for t in p._threads:
            t.join(timeout=5)
        self.assertEqual(code, 0, f"{lang} client {args} failed: {p.seen}")
        return [json.loads(line) for line in p.seen["stdout"]]

    def http_get(self, url, path, headers=None):
        u = urlsplit(url)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
        try:
            c.request("GET", path, headers=headers or {})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            c.close()

    # Messages

    def check_client(self, lang):
        _, url = self.start_wskit_server("echo", "0")
        results = self.run_client(lang, "checks", url)
        names = [r["check"] for r in results]
        self.assertEqual(names, ["text", "binary", "empty-text", "empty-binary", "16MiB", "ping", "close"])
        for r in results:
            self.assertTrue(r["ok"], f"{lang}: {r}")

    def test_python_websockets_client(self):
        self.check_client("py")

    def test_node_ws_client(self):
        self.check_client("node")

    # Plain HTTP

    def test_healthz(self):
        _, url = self.start_wskit_server("echo", "0")
        status, _, body = self.http_get(url, "/healthz")
        self.assertEqual((status, body.strip()), (200, b"ok"))

    def test_plain_get_is_426_with_upgrade_header(self):
        _, url = self.start_wskit_server("echo", "0")
        status, headers, body = self.http_get(url, "/")
        self.assertEqual(status, 426)
        self.assertEqual(headers.get("upgrade", "").lower(), "websocket")
        self.assertTrue(body)

    # Options

    def test_max_clients(self):
        server, url = self.start_wskit_server("echo", "--max-clients", "1", "--log", "--output", "human", "0")
        first = self.client("node", "hold", url)
        first.wait_line(r'"open"', "stdout")
        self.assertEqual(self.run_client("py", "handshake", url), [{"status": 503}])
        self.assertEqual(self.run_client("node", "handshake", url), [{"status": 503}])
        first.stop()
        server.wait_line(r"^#1 disconnected", "stdout")
        self.assertEqual(self.run_client("py", "handshake", url), [{"open": True}])

    def test_max_size(self):
        _, url = self.start_wskit_server("echo", "--max-size", "1000", "0")
        self.assertEqual(self.run_client("py", "oversize", url, "1000"), [{"echo": 1000}])
        self.assertEqual(self.run_client("py", "oversize", url, "1001"), [{"closed": 1009}])
        self.assertEqual(self.run_client("node", "oversize", url, "5000"), [{"closed": 1009}])

    def test_default_max_size_is_16_mib(self):
        _, url = self.start_wskit_server("echo", "0")
        over = str(16 * 1024 * 1024 + 1)
        self.assertEqual(self.run_client("py", "oversize", url, over), [{"closed": 1009}])
        # Node writes the whole message quickly: the 1009 close frame must
        # still reach it (not a reset connection, which ws reports as 1006).
        self.assertEqual(self.run_client("node", "oversize", url, over), [{"closed": 1009}])

    def test_log_names_the_code_sent_to_a_client_that_never_answers_the_close(self):
        # The close handshake times out, after which websocketpp reports 1006:
        # the server keeps the code it sent (hooks 12 and 13 in
        # lib/src/net/wspp/README.md).
        server, url = self.start_wskit_server("echo", "--log", "--json", "--max-size", "1000", "0")
        conn = rawws.ws_connect(urlsplit(url).port)
        self.addCleanup(conn.close)
        conn.send_frame(rawws.BINARY, b"x" * 1001)
        close = conn.read_frame()
        self.assertEqual((close.opcode, close.close_code), (rawws.CLOSE, 1009), repr(close))
        self.assertTrue(conn.wait_eof(), "the server did not end the connection")
        event = json.loads(server.wait_line(r'^\{"event":"close"', "stdout").string)
        self.assertEqual((event["code"], event["reason"]), (1009, close.close_reason.decode()), event)

    def test_log_human_shows_connection_ids(self):
        server, url = self.start_wskit_server("echo", "--log", "--output", "human", "0")
        self.run_client("py", "checks", url)
        server.wait_line(r"^#1 < héllo from python ✓$", "stdout")
        self.run_client("node", "checks", url)
        server.wait_line(r"^#2 < héllo from node ✓$", "stdout")

    def wait_caught_up(self, server, close_of, timeout=30):
        """Until the reader of the server's JSON log is past what connection
        `close_of` sent: its close line comes after it, unless the server
        dropped that line too, and then the 'output stalled' line on stderr
        comes once the reader has caught up."""
        close = re.compile(r'"event":"close".*"conn":%d\b' % close_of)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any("output stalled" in line for line in server.seen["stderr"]):
                return
            try:
                line = server.lines["stdout"].get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                break
            if close.search(line):
                return
        self.fail(f"neither connection {close_of}'s close line nor a stall note came; "
                  f"stderr={server.seen['stderr'][-5:]!r}")

    def test_log_json(self):
        server, url = self.start_wskit_server("echo", "--log", "--json", "0")
        self.run_client("node", "checks", url)
        # Node's checks end with a 16 MiB message, a 22 MB line: a reader
        # still behind it when the next client talks makes the server drop
        # that client's lines (a stalled log costs lines, by design).
        self.wait_caught_up(server, close_of=1)
        self.run_client("py", "checks", url)
        server.wait_line(r'"text":"héllo from python ✓"', "stdout")
        evs = [json.loads(line) for line in server.seen["stdout"]]
        texts = {(e["conn"], e["text"]) for e in evs if e["event"] == "message" and "text" in e}
        self.assertIn((1, "héllo from node ✓"), texts)
        self.assertIn((2, "héllo from python ✓"), texts)

    def test_delay(self):
        _, url = self.start_wskit_server("echo", "--delay", "300", "0")
        (r,) = self.run_client("py", "rtt", url)
        self.assertGreaterEqual(r["ms"], 290)
        self.assertLess(r["ms"], 2000)
        _, url = self.start_wskit_server("echo", "0")
        (r,) = self.run_client("py", "rtt", url)
        self.assertLess(r["ms"], 200)

    def test_stats(self):
        server, url = self.start_wskit_server("echo", "--stats", "0.2", "0")
        server.wait_line(r"^stats: 0 clients")
        hold = self.client("node", "hold", url)
        hold.wait_line(r'"open"', "stdout")
        server.wait_line(r"^stats: 1 client,")
        self.run_client("py", "checks", url)
        server.wait_line(r"[1-9]\d* msg/s in")

    # Shutdown

    def shutdown(self, signo, expected):
        server, url = self.start_wskit_server("echo", "0")
        py = self.client("py", "hold", url)
        node = self.client("node", "hold", url)
        py.wait_line(r'"open"', "stdout")
        node.wait_line(r'"open"', "stdout")
        t0 = time.monotonic()
        server.signal(signo)
        self.assertEqual(server.wait(timeout=5), expected)
        self.assertLess(time.monotonic() - t0, 1.0)
        self.assertEqual(json.loads(py.wait_line(r"closed", "stdout").string)["closed"], 1001)
        self.assertEqual(json.loads(node.wait_line(r"closed", "stdout").string)["closed"], 1001)

    def test_sigint_closes_clients_1001_exits_130(self):
        self.shutdown(signal.SIGINT, 130)

    def test_sigterm_closes_clients_1001_exits_143(self):
        self.shutdown(signal.SIGTERM, 143)


if __name__ == "__main__":
    main()
