"""Servers under abuse, with `wskit echo` as the server: a client that sends
as fast as it can and never reads (data, or pings whose pongs pile up) keeps
the server's memory bounded while others are served; a backlog past
--max-backlog is closed with 1008; a server started with few descriptors
pauses accepting instead of spinning, and serves again once clients leave;
a wss:// client's --max-clients slot is free as soon as it has closed, and
its connection ends as soon as TLS is shut down. Memory and CPU are read
from /proc/PID/status and /proc/PID/stat."""
import json
import os
import queue
import re
import resource
import ssl
import time
import unittest

import rawws
from rawws import BINARY, PING, TEXT, frame
from harness import MIB, RSS_BOUND, SANITIZED, WSKIT, CertsTestCase, TestCase, cpu_seconds, main, port_of, rss_bytes
from rawws import Flooder

FLOOD_SECONDS = 4


class NeverReads(TestCase):
    def start_echo(self, *args):
        server, url = self.start_wskit_server("echo", *args, "0")
        return server, port_of(url)

    def flood(self, server, port, chunk, seconds=FLOOD_SECONDS):
        """Floods one connection for `seconds` in slices, checking between
        slices that another client is served; returns (peak RSS, bytes the
        flooder got out)."""
        conn = rawws.ws_connect(port)
        self.addCleanup(conn.close)
        flooder = Flooder(conn, chunk)
        peak = rss_bytes(server.proc.pid)
        slices = 8
        for i in range(slices):
            flooder.pump(seconds / slices)
            peak = max(peak, rss_bytes(server.proc.pid))
            if i == slices // 2:
                self.assertServed(port)
        return peak, flooder.sent

    def assertServed(self, port):
        """Another client's message is echoed meanwhile."""
        other = rawws.ws_connect(port)
        try:
            other.send_frame(TEXT, "still there?")
            f = other.read_frame()
            self.assertIsNotNone(f)
            self.assertEqual((f.opcode, f.payload), (TEXT, b"still there?"))
        finally:
            other.close()

    def assertBounded(self, server, peak, sent):
        self.assertIsNone(server.proc.poll(), f"the server died: {server.seen['stderr'][-5:]!r}")
        if not SANITIZED:
            self.assertLess(peak, RSS_BOUND, f"server RSS reached {peak / MIB:.1f} MiB; the flooder sent "
                                             f"{sent / MIB:.1f} MiB")
        # It stopped reading: what got out fits in socket buffers and the
        # server's marks, not the whole flood.
        self.assertLess(sent, 64 * MIB, f"the server kept reading: {sent / MIB:.1f} MiB taken in")

    def test_data_flood(self):
        server, port = self.start_echo()
        chunk = b"".join(frame(BINARY, os.urandom(1024) * 32) for _ in range(16))  # 16 x 32 KiB
        peak, sent = self.flood(server, port, chunk)
        self.assertBounded(server, peak, sent)

    def test_ping_flood(self):
        # Empty pings: each one costs a queued pong and little else to send.
        server, port = self.start_echo()
        chunk = b"".join(frame(PING, b"") for _ in range(10000))
        peak, sent = self.flood(server, port, chunk)
        self.assertBounded(server, peak, sent)

    def test_backlog_over_the_cap_is_closed_with_1008(self):
        # A cap below the 1 MiB high mark, and below one echoed message:
        # once the socket buffers between the two are full (a small receive
        # buffer here), the message whose write cannot finish keeps the
        # backlog above the cap, however few messages were read after the
        # pause, and after the 10 s grace the client is closed. (With a cap of
        # 200000 this depended on how many messages the server had read
        # before the pause took effect: a pause that takes effect within a
        # read buffer could leave one 64 KiB message, under the cap.)
        server, port = self.start_echo("--max-backlog", "50000", "--log", "--json")
        conn = rawws.ws_connect(port, rcvbuf=16384)
        self.addCleanup(conn.close)
        flooder = Flooder(conn, b"".join(frame(BINARY, b"x" * 65536) for _ in range(8)))
        peak = 0
        close = None
        deadline = time.monotonic() + 60
        while close is None and time.monotonic() < deadline:
            flooder.pump(0.5)
            peak = max(peak, rss_bytes(server.proc.pid))
            close = next_line_matching(server, '"event":"close"')
        self.assertIsNotNone(close, f"the server did not close the flooder within 60 s: it took in "
                                    f"{flooder.sent / MIB:.1f} MiB, peak RSS {peak / MIB:.1f} MiB, "
                                    f"{len(server.seen['stdout'])} lines on stdout; stderr={server.seen['stderr'][-5:]!r}")
        self.assertBounded(server, peak, flooder.sent)
        event = json.loads(close)
        self.assertEqual((event["conn"], event["code"]), (1, 1008), close)
        # The peer never read, so the close handshake cannot finish: the
        # server drops the TCP connection (what was sent before arrives).
        conn.sock.setblocking(True)
        conn.sock.settimeout(rawws.TIMEOUT)
        self.assertTrue(conn.wait_eof(), "the server kept the connection")
        self.assertServed(port)


def next_line_matching(process, pattern):
    """The first line of `process`'s stdout matching `pattern` among those
    already read, without waiting; None when there is none yet."""
    while True:
        try:
            line = process.lines["stdout"].get_nowait()
        except queue.Empty:
            return None
        if line is None:
            return None
        if re.search(pattern, line):
            return line


class Descriptors(TestCase):
    def start_limited(self, soft, hard, *args):
        p, url = self.start_server(["prlimit", f"--nofile={soft}:{hard}", WSKIT, "echo", *args, "0"])
        return p, port_of(url)

    def soft_limit(self, pid):
        with open(f"/proc/{pid}/limits") as f:
            for line in f:
                if line.startswith("Max open files"):
                    return int(line.split()[3])
        raise AssertionError("no open files limit")

    def test_soft_limit_raised_to_hard_limit(self):
        hard = min(resource.getrlimit(resource.RLIMIT_NOFILE)[1], 4096)
        server, _ = self.start_limited(64, hard)
        self.assertEqual(self.soft_limit(server.proc.pid), hard)

    # UBSan's vptr check needs a descriptor of its own (it probes memory
    # through a pipe): with none left it reports every virtual call.
    @unittest.skipIf(SANITIZED, "the sanitizer runtime cannot work without free descriptors")
    def test_out_of_descriptors_pauses_accepting(self):
        server, port = self.start_limited(64, 64)
        clients = []
        try:
            request = rawws.upgrade_request(f"127.0.0.1:{port}")
            for _ in range(100):  # more than the server can hold
                conn = rawws.connect(port)
                conn.send(request)
                clients.append(conn)
            server.wait_line(r"^wskit: out of file descriptors \(\d+ of 64 open\); pausing accepts")
            before = cpu_seconds(server.proc.pid)
            start = time.monotonic()
            # Measuring CPU use needs time to pass; nothing to wait for.
            time.sleep(1)
            used = (cpu_seconds(server.proc.pid) - before) / (time.monotonic() - start)
            self.assertLess(used, 0.3, f"the server used {used:.0%} of a CPU while out of descriptors")
        finally:
            for conn in clients:
                conn.close()
        # Once they have left, a new client is served.
        conn = rawws.ws_connect(port)
        self.addCleanup(conn.close)
        conn.send_frame(TEXT, "hello again")
        f = conn.read_frame()
        self.assertEqual((f.opcode, f.payload), (TEXT, b"hello again"))
        self.assertEqual(sum(1 for line in server.seen["stderr"] if "out of file descriptors" in line), 1,
                         server.seen["stderr"])


class MaxClientsTls(CertsTestCase):
    def test_slot_free_right_after_a_clean_close(self):
        _, url = self.start_wskit_server("echo", "--max-clients", "1", "--cert", self.certs.server_cert,
                                         "--key", self.certs.server_key, "0")
        env = {k: v for k, v in os.environ.items()
               if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
        for i in range(3):
            r = self.wskit("connect", "--ca", self.certs.ca, "-x", f"hello {i}", "--count", "1", url, env=env,
                           timeout=10)
            self.assertExit(r, 0)
            self.assertEqual(r.stdout, f"hello {i}\n".encode())


class TlsTeardown(CertsTestCase):
    def test_connection_ends_at_the_clients_close_notify(self):
        # After the close handshake the server shuts TLS down and reads the
        # client's close_notify, rather than sitting out websocketpp's 5 s
        # shutdown timeout while its own read holds the stream (hook 24 in
        # lib/src/net/wspp/README.md). The client here keeps TCP open.
        server, url = self.start_wskit_server("echo", "--log", "--json", "--cert", self.certs.server_cert,
                                              "--key", self.certs.server_key, "0")
        conn = rawws.ws_connect(port_of(url), tls=ssl.create_default_context(cafile=self.certs.ca))
        self.addCleanup(conn.close)
        conn.send(rawws.close_frame(1000))
        answer = conn.read_frame()
        self.assertEqual((answer.opcode, answer.close_code), (rawws.CLOSE, 1000), repr(answer))
        conn.sock.unwrap()  # our close_notify, once the server's has come
        server.wait_line(r'^\{"event":"close"', "stdout", timeout=3)


if __name__ == "__main__":
    main()
