"""wskit bench in echo, handshake and idle modes against `wskit echo`, a Node
`ws` echo server and a Python `websockets` echo server: the counts add up,
-n stops after exactly N echoes, --json has every field, headers and
subprotocols reach the server, wss:// works with --ca, and the bad paths
exit with their codes."""
import json
import os
import signal

from harness import WSKIT, CertsTestCase, free_port, main

FIELDS = {"mode", "url", "urls", "connections", "senders", "window", "size", "binary", "rate", "threads",
          "warmup_s", "seconds", "sent", "received", "unanswered", "measured", "per_second", "mb_per_second",
          "latency_us", "lost", "duplicated", "receivers", "opened", "open_at_end", "compression", "errors",
          "client_cpu_s", "client_cpu_percent", "client_cpu_us_per_message", "client_saturated", "server", "error",
          "connect_rate", "stages", "templates", "messages_from", "match", "script", "first_sent", "unmatched",
          "dropped", "thresholds"}
LATENCY = {"count", "min", "mean", "p50", "p90", "p99", "p99_9", "max"}
ERRORS = {"total", "connect", "tls", "handshake", "timeout", "closed", "protocol", "first"}
SERVER = {"cpu_s", "cpu_us_per_message", "rss_before_kib", "rss_after_kib", "rss_per_connection_kib"}


class Bench(CertsTestCase):
    def servers(self):
        """(name, process, url) of each kind of echo server, started fresh."""
        yield ("wskit", *self.start_wskit_server("echo", "0"))
        yield ("node", *self.start_node_peer("node_server.cjs"))
        yield ("python", *self.start_python_peer("py_echo_server.py"))

    def bench(self, *args, code=0):
        r = self.wskit("bench", "--json", *args, timeout=30)
        self.assertExit(r, code)
        return json.loads(r.stdout)

    def assertFields(self, result, server=False):
        self.assertEqual(set(result), FIELDS)
        self.assertEqual(result["urls"], [result["url"]])
        self.assertEqual(set(result["latency_us"]), LATENCY)
        self.assertEqual(set(result["errors"]), ERRORS)
        if server:
            self.assertEqual(set(result["server"]), SERVER)
        else:
            self.assertIsNone(result["server"])

    def test_n_stops_after_exactly_n_echoes(self):
        for name, _, url in self.servers():
            with self.subTest(server=name):
                r = self.bench("-n", "257", "-c", "4", "-w", "3", url)
                self.assertFields(r)
                self.assertEqual((r["sent"], r["received"], r["measured"], r["unanswered"]), (257, 257, 257, 0))
                self.assertEqual(r["latency_us"]["count"], 257)
                self.assertEqual(r["errors"]["total"], 0)
                self.assertEqual(r["opened"], 4)
                self.assertLessEqual(r["latency_us"]["p50"], r["latency_us"]["p99"])
                self.assertLessEqual(r["latency_us"]["p99"], r["latency_us"]["max"])

    def test_duration_counts_add_up(self):
        for name, proc, url in self.servers():
            with self.subTest(server=name):
                r = self.bench("-d", "0.5", "-c", "3", "-w", "4", "--size", "1k", "--binary",
                               "--server-pid", str(proc.proc.pid), url)
                self.assertFields(r, server=True)
                self.assertEqual(r["sent"], r["received"] + r["unanswered"])
                self.assertLessEqual(r["unanswered"], 3 * 4)
                self.assertGreater(r["measured"], 0)
                self.assertEqual(r["size"], 1024)
                self.assertAlmostEqual(r["mb_per_second"], r["per_second"] * 1024 / 1e6, delta=r["mb_per_second"] * 0.01)
                self.assertEqual(r["errors"]["total"], 0)
                self.assertGreater(r["server"]["cpu_s"] + r["client_cpu_s"], 0)

    def test_threads_split_the_connections_and_n(self):
        _, url = self.start_wskit_server("echo", "0")
        r = self.bench("--threads", "2", "-c", "5", "-n", "101", url)
        self.assertEqual((r["threads"], r["sent"], r["received"]), (2, 101, 101))

    def test_warmup_is_not_measured(self):
        _, url = self.start_wskit_server("echo", "0")
        r = self.bench("--warmup", "0.3", "-d", "0.3", url)
        self.assertGreater(r["received"], r["measured"])
        self.assertAlmostEqual(r["seconds"], 0.3, delta=0.2)

    def test_handshake_mode(self):
        for name, _, url in self.servers():
            with self.subTest(server=name):
                r = self.bench("--mode", "handshake", "-c", "2", "-d", "0.5", url)
                self.assertFields(r)
                self.assertGreater(r["measured"], 5)
                self.assertGreaterEqual(r["opened"], r["measured"])
                self.assertEqual(r["latency_us"]["count"], r["measured"])
                self.assertEqual(r["errors"]["total"], 0)

    def test_idle_mode_reads_the_servers_memory(self):
        for name, proc, url in self.servers():
            with self.subTest(server=name):
                r = self.bench("--mode", "idle", "-c", "50", "-d", "0.5", "--server-pid", str(proc.proc.pid), url)
                self.assertFields(r, server=True)
                self.assertEqual((r["open_at_end"], r["measured"], r["opened"]), (50, 50, 50))
                self.assertGreater(r["server"]["rss_after_kib"], 0)
                per = (r["server"]["rss_after_kib"] - r["server"]["rss_before_kib"]) / 50
                self.assertAlmostEqual(r["server"]["rss_per_connection_kib"], per, places=3)

    def test_summary_table(self):
        _, url = self.start_wskit_server("echo", "0")
        r = self.wskit("bench", "-n", "20", url)
        self.assertExit(r, 0)
        out = r.stdout.decode()
        for label in ("echoes", "latency", "p99.9", "errors", "client CPU", "sent / echoed"):
            self.assertIn(label, out)
        self.assertIn("20 / 20 (0 unanswered", out)
        self.assertEqual(r.stderr, b"")  # no progress line when stderr is not a terminal

    def test_headers_and_subprotocols_reach_the_server(self):
        record = os.path.join(self.tmp, "headers.jsonl")
        _, url = self.start_python_peer("py_echo_server.py", "--subprotocol", "chat", "--record", record)
        self.bench("-n", "2", "-c", "2", "-H", "X-Bench: yes", "-s", "chat", "--user-agent", "load/1",
                   url + "room?x=1")
        with open(record) as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual(len(lines), 2)
        for line in lines:
            headers = {k.lower(): v for k, v in line["headers"].items()}
            self.assertEqual(line["path"], "/room?x=1")
            self.assertEqual(headers["x-bench"], "yes")
            self.assertEqual(headers["sec-websocket-protocol"], "chat")
            self.assertEqual(headers["user-agent"], "load/1")

    def test_wss_with_ca_and_bad_ca(self):
        _, url = self.start_python_peer("py_tls_server.py", "--cert", self.certs.server_cert,
                                        "--key", self.certs.server_key)
        r = self.bench("-n", "50", "-c", "2", "--ca", self.certs.ca, url)
        self.assertEqual((r["received"], r["errors"]["total"]), (50, 0))
        r = self.wskit("bench", "-n", "5", "-c", "1", url)  # the system store does not know the test CA
        self.assertExit(r, 4)
        self.assertIn(b"wskit: no connection opened: TLS verification of 127.0.0.1 failed: ", r.stderr)
        r = self.wskit("bench", "-n", "5", "-c", "1", "-k", url)
        self.assertExit(r, 0)
        self.assertIn(b"warning: --insecure", r.stderr)

    def test_refused_and_usage_errors(self):
        url = f"ws://127.0.0.1:{free_port()}/"
        r = self.wskit("bench", "-n", "5", "-c", "2", url)
        self.assertExit(r, 3)
        self.assertRegex(r.stderr.decode(), r"^wskit: no connection opened: cannot connect to 127\.0\.0\.1:\d+: "
                                            r"connection refused")
        out = r.stdout.decode()
        self.assertRegex(out, r"errors\s+2 \(connect 2,")
        for args, message in ((["--size", "12q"], "expects a size in bytes"),
                              (["--mode", "flood"], "--mode"),
                              (["-c", "0"], "-c must be at least 1"),
                              (["-d", "0"], "expects a number of seconds above 0")):
            r = self.wskit("bench", *args, url)
            self.assertExit(r, 2)
            self.assertIn(message, r.stderr.decode())
            self.assertTrue(r.stderr.startswith(b"wskit: "))

    def test_sigint_ends_the_run_with_its_results(self):
        server, url = self.start_wskit_server("echo", "0", "--log")
        bench = self.start([WSKIT, "bench", "--json", "-c", "2", "-d", "30", url])
        server.wait_line(r"#2 < ", stream="stdout")  # open: it sends
        bench.signal(signal.SIGINT)
        self.assertEqual(bench.wait(timeout=10), 130)
        for t in bench._threads:
            t.join(timeout=5)
        result = json.loads(bench.seen["stdout"][0])
        self.assertLess(result["seconds"], 10)
        self.assertEqual(result["opened"], 2)
        # Both connections ended (with a close frame when none of their writes was in progress).
        server.wait_line(r"#\d disconnected", stream="stdout")
        server.wait_line(r"#\d disconnected", stream="stdout")

    def test_handshake_refused_by_the_server(self):
        _, url = self.start_wskit_server("echo", "0", "--max-clients", "1")
        # The first connection takes the only place and holds it for the
        # whole run (with -n it could finish and free it for a late one); the
        # others get HTTP 503.
        r = self.bench("-c", "3", "-d", "0.5", url)
        self.assertEqual(r["opened"], 1)
        self.assertEqual(r["errors"]["handshake"], 2)
        self.assertIn("503", r["errors"]["first"])
        self.assertGreater(r["received"], 0)


if __name__ == "__main__":
    main()
