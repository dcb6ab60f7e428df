"""Liveness end to end: --reconnect across a server restart (reported in
human and JSON output, input read while down is sent after reconnecting),
--reconnect-max, --ping-interval (the server sees the pings) and
--ping-timeout against a server that never answers pings (exit 6)."""
import json
import os
import re
import signal
import subprocess
import time

from harness import WSKIT, TestCase, free_port, main, port_of

ENV = {k: v for k, v in os.environ.items()
       if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}



class Liveness(TestCase):
    def client(self, *args):
        """A wskit connect whose stdin stays open until the test closes it."""
        p = self.start([WSKIT, "connect", *args], stdin=subprocess.PIPE, env=ENV)
        self.addCleanup(p.proc.stdin.close)
        return p

    def send(self, client, line):
        client.proc.stdin.write(line.encode() + b"\n")
        client.proc.stdin.flush()

    def json_events(self, client, event=None):
        out = []
        for line in client.seen["stdout"]:
            e = json.loads(line)
            if event is None or e["event"] == event:
                out.append(e)
        return out

    def restart_echo(self, port):
        # The old server's connections may linger in TIME_WAIT; the new one
        # is retried a few times if the port is not free yet.
        deadline = time.monotonic() + 10
        while True:
            p = self.start([WSKIT, "echo", str(port)], env=ENV)
            try:
                return p, p.wait_line(r"listening on (\S+)", timeout=5).group(1)
            except AssertionError:
                if p.proc.poll() is None or time.monotonic() > deadline:
                    raise
                p.stop()
                time.sleep(0.1)

    # --- --reconnect ---------------------------------------------------

    def test_reconnect_after_server_restart_json(self):
        server, url = self.start_wskit_server("echo", "0", env=ENV)
        port = port_of(url)
        client = self.client("--reconnect", "--json", url)
        self.send(client, "before")
        client.wait_line(r'"event":"message".*"dir":"in".*"text":"before"', "stdout")

        server.proc.kill()
        server.wait()
        client.wait_line(r'"event":"reconnect"', "stdout")
        # Typed while disconnected: sent once connected again.
        self.send(client, "while-down")

        self.restart_echo(port)
        client.wait_line(r'"event":"open"', "stdout")
        client.wait_line(r'"event":"message".*"dir":"in".*"text":"while-down"', "stdout")
        self.send(client, "after")
        client.wait_line(r'"event":"message".*"dir":"in".*"text":"after"', "stdout")

        client.proc.stdin.close()
        self.assertEqual(client.wait(10), 0, client.seen)
        client.stop()  # joins the threads reading its output

        messages = [e["text"] for e in self.json_events(client, "message") if e["dir"] == "in"]
        self.assertEqual(messages, ["before", "while-down", "after"])
        self.assertEqual(len(self.json_events(client, "open")), 2)
        reconnects = self.json_events(client, "reconnect")
        self.assertGreaterEqual(len(reconnects), 1)
        for n, e in enumerate(reconnects, start=1):
            self.assertEqual(e["attempt"], n)
            self.assertEqual(e["url"], url)
            base = min(30000, 500 * 2 ** (n - 1))
            self.assertGreaterEqual(e["delay_ms"], base // 2 - 1, e)
            self.assertLessEqual(e["delay_ms"], base, e)
        # The drop itself is reported as an abnormal close before the reconnect.
        events = [e["event"] for e in self.json_events(client)]
        self.assertEqual(events[0], "open")
        self.assertLess(events.index("close"), events.index("reconnect"))
        self.assertEqual(self.json_events(client, "close")[0]["code"], 1006)

    def test_reconnect_after_server_restart_human(self):
        server, url = self.start_wskit_server("echo", "0", env=ENV)
        port = port_of(url)
        client = self.client("--reconnect", "--output", "human", "--color", "never", url)
        self.send(client, "one")
        client.wait_line(r"^< one$", "stdout")
        server.proc.send_signal(signal.SIGTERM)  # a clean 1001 from the server
        server.wait()
        client.wait_line(rf"reconnecting to {re.escape(url)} in \d+\.\d s \(attempt 1\)", "stdout")
        self.restart_echo(port)
        self.send(client, "two")
        client.wait_line(r"^< two$", "stdout")
        client.proc.stdin.close()
        self.assertEqual(client.wait(10), 0, client.seen)

    def test_reconnect_max_gives_up(self):
        dead = free_port()
        url = f"ws://127.0.0.1:{dead}/"
        client = self.client("--reconnect", "--reconnect-max", "2", "--json", url)
        self.assertEqual(client.wait(10), 3, client.seen)
        client.stop()
        reconnects = self.json_events(client, "reconnect")
        self.assertEqual([e["attempt"] for e in reconnects], [1, 2])
        self.assertEqual(self.json_events(client, "open"), [])
        self.assertRegex("\n".join(client.seen["stderr"]),
                         rf"wskit: cannot connect to 127\.0\.0\.1:{dead}")

    def test_reconnect_with_keep_open_and_a_finite_stdin(self):
        # How people run it under cron or nohup: stdin is empty or short, and
        # --keep-open says "stay"; a restart of the server must not end it.
        server, url = self.start_wskit_server("echo", "0", env=ENV)
        port = port_of(url)
        client = self.start([WSKIT, "connect", "--reconnect", "--keep-open", "--json", "-x", "hi", url], env=ENV)
        client.wait_line(r'"event":"message".*"dir":"in".*"text":"hi"', "stdout")
        server.proc.kill()
        server.wait()
        client.wait_line(r'"event":"reconnect"', "stdout")
        self.restart_echo(port)
        client.wait_line(r'"event":"open"', "stdout")
        client.signal(signal.SIGTERM)
        self.assertEqual(client.wait(5), 143, client.seen)

    def test_reconnect_when_the_first_attempt_is_refused(self):
        port = free_port()  # nothing listens there yet
        url = f"ws://127.0.0.1:{port}/"
        client = self.start([WSKIT, "connect", "--reconnect", "--json", "-x", "late", url], env=ENV)
        client.wait_line(r'"event":"reconnect"', "stdout")
        self.restart_echo(port)
        client.wait_line(r'"event":"message".*"dir":"in".*"text":"late"', "stdout")
        self.assertEqual(client.wait(10), 0, client.seen)

    def test_no_reconnect_without_the_flag(self):
        server, url = self.start_wskit_server("echo", "0", env=ENV)
        client = self.client("--json", url)
        self.send(client, "x")
        client.wait_line(r'"text":"x"', "stdout")
        server.proc.kill()
        self.assertEqual(client.wait(10), 6, client.seen)
        client.stop()
        self.assertEqual(self.json_events(client, "reconnect"), [])

    # --- pings ---------------------------------------------------------

    def test_ping_timeout_against_a_server_that_never_answers(self):
        # (mode of the peer, --ping-interval, --ping-timeout): the first ping
        # goes out after the interval; without a pong within the timeout the
        # client gives up with exit 6. A timeout longer than the interval
        # must work too (pings keep going out while one is unanswered).
        cases = [("silent", 0.8, 0.5), ("deaf", 0.8, 0.5), ("silent", 0.3, 1.0), ("deaf", 0.2, 0.6)]
        for mode, interval, timeout in cases:
            with self.subTest(mode=mode, interval=interval, timeout=timeout):
                peer, url = self.start_python_peer("raw_ws_server.py", "--mode", mode, env=ENV)
                client = self.client("--ping-interval", str(interval), "--ping-timeout", str(timeout), url)
                peer.wait_line(r"^open$")
                opened = time.monotonic()
                limit = interval + timeout + 1  # a second of slack
                try:
                    code = client.wait(limit + 1)
                except subprocess.TimeoutExpired:
                    code = None
                elapsed = time.monotonic() - opened
                client.stop()
                self.assertEqual(code, 6, f"still running after {elapsed:.1f}s: {client.seen}")
                self.assertGreaterEqual(elapsed, timeout)
                self.assertLess(elapsed, limit, f"took {elapsed:.2f}s")
                self.assertRegex("\n".join(client.seen["stderr"]),
                                 rf"wskit: no pong from the server within {timeout:g} s")
                self.assertEqual(client.seen["stdout"], [])
                if mode == "silent":
                    self.assertTrue(any(line.startswith("frame ping") for line in peer.seen["stderr"]),
                                    peer.seen)

    def test_ping_timeout_alone_sends_pings(self):
        peer, url = self.start_python_peer("raw_ws_server.py", env=ENV)
        client = self.client("--ping-timeout", "0.5", url)
        peer.wait_line(r"^open$")
        opened = time.monotonic()
        self.assertEqual(client.wait(10), 6, client.seen)
        elapsed = time.monotonic() - opened
        self.assertLess(elapsed, 0.5 + 0.5 + 1, f"took {elapsed:.2f}s")
        peer.wait_line(r"^frame ping")

    def test_ping_timeout_with_reconnect_reconnects(self):
        peer, url = self.start_python_peer("raw_ws_server.py", env=ENV)
        client = self.client("--json", "--reconnect", "--ping-interval", "0.5", "--ping-timeout", "0.3", url)
        client.wait_line(r'"event":"reconnect".*"attempt":1', "stdout")
        client.wait_line(r'"event":"open"', "stdout")
        self.assertEqual(len(self.json_events(client, "open")), 2)
        client.wait_line(r"no pong from the server")

    def test_ping_interval_pings_are_seen_and_pongs_accepted(self):
        peer, url = self.start_python_peer("raw_ws_server.py", "--mode", "pong", env=ENV)
        client = self.client("--ping-interval", "0.2", "--ping-timeout", "0.5", url)
        peer.wait_line(r"^open$")
        start = time.monotonic()
        for _ in range(4):
            peer.wait_line(r"^frame ping", timeout=5)
        # Four pings at 0.2 s intervals take at least 0.6 s after the first.
        self.assertGreaterEqual(time.monotonic() - start, 0.6)
        self.assertIsNone(client.proc.poll(), "answered pings must keep the connection")
        self.send(client, "still here")
        client.wait_line(r"^still here$", "stdout")
        client.proc.stdin.close()
        self.assertEqual(client.wait(10), 0, client.seen)
        client.stop()
        peer.wait_line(r"^frame close")
        self.assertEqual(client.seen["stderr"], [])

    def test_pongs_from_wskit_echo_keep_the_connection(self):
        _, url = self.start_wskit_server("echo", "0", env=ENV)
        r = self.wskit("connect", "-x", "hello", "-w", "1.2", "--ping-interval", "0.1",
                       "--ping-timeout", "0.3", "--output", "human", "--color", "never", "-P", url,
                       env=ENV)
        self.assertExit(r, 0)
        lines = r.stdout.decode().splitlines()
        self.assertIn("< hello", lines)
        self.assertGreaterEqual(sum(1 for line in lines if "pong" in line), 3, lines)
        self.assertEqual(r.stderr, b"")


if __name__ == "__main__":
    main()
