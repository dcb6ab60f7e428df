"""The client stays bounded against a hostile server: a raw server that
floods pings and never reads made wskit connect grow to gigabytes (a pong
queued per ping), and inspect too. Now one pong is in flight at a time (the
latest ping is answered, RFC 6455 5.5.3), and a server owing that many
answers is closed with 1008: exit 6, memory flat."""
import socket
import threading

import rawws
from harness import SANITIZED, TestCase, main
from test_client_edges import Run

MAX_RSS_KIB = 64 * 1024  # wskit's own footprint is about 12 MiB


class PingFlood:
    """A raw server that answers the handshake, then sends empty pings as
    fast as it can and reads nothing."""

    def __init__(self, test):
        self.server = rawws.RawServer()
        test.addCleanup(self.server.close)
        self.url = self.server.url
        self.stop = threading.Event()
        self.pings_sent = 0
        self.thread = threading.Thread(target=self._flood, daemon=True)
        test.addCleanup(self.stop.set)

    def start(self):
        self.conn, _ = self.server.accept_ws()
        self.thread.start()

    def _flood(self):
        burst = rawws.frame(rawws.PING, b"", mask=False) * 32768
        while not self.stop.is_set():
            try:
                self.conn.sock.send(burst)
                self.pings_sent += len(burst) // 2
            except socket.timeout:
                continue  # the client stopped reading: TCP holds the flood back
            except OSError:
                return

    def finish(self):
        self.stop.set()
        self.thread.join(10)
        self.conn.close()


class PingFloodTest(TestCase):
    def flooded(self, *args):
        flood = PingFlood(self)
        run = Run([*args, flood.url])
        self.addCleanup(run.kill)
        flood.start()
        code, out, err, maxrss_kib = run.result(timeout=30)
        flood.finish()
        self.assertGreater(flood.pings_sent, 100000, "the flood did not happen")
        if not SANITIZED:
            self.assertLess(maxrss_kib, MAX_RSS_KIB, f"wskit grew to {maxrss_kib} KiB under the flood")
        return code, out.decode(errors="replace"), err.decode(errors="replace")

    def test_connect_closes_with_1008_in_bounded_memory(self):
        code, out, err = self.flooded("connect", "--keep-open", "--output", "human", "--color", "never")
        self.assertEqual(code, 6, err)
        self.assertIn("closing (code 1008 policy violation, reason: too many pings left unanswered)", out)
        self.assertRegex(err, r"^wskit: the server sent pings faster than its answers could be written "
                              r"\(over \d+ unanswered\); closed with 1008\n$")

    def test_inspect_closes_with_1008_in_bounded_memory(self):
        code, out, err = self.flooded("inspect")
        self.assertEqual(code, 6, err + out)
        self.assertIn("closed with 1008", out + err)


class PingsOfAReadingServer(TestCase):
    def connected(self):
        """wskit connect --keep-open and the raw server's end: (Run, Conn)."""
        server = rawws.RawServer()
        self.addCleanup(server.close)
        run = Run(["connect", "--keep-open", server.url])
        self.addCleanup(run.kill)
        conn, _ = server.accept_ws()
        self.addCleanup(conn.close)
        return run, conn

    def ping_burst(self, conn, burst):
        """Sends pings with the payloads `burst` at once; returns the pongs'
        payloads up to the answer to the last one."""
        conn.send(b"".join(rawws.frame(rawws.PING, p, mask=False) for p in burst))
        answers = []
        while not answers or answers[-1] != burst[-1]:
            f = conn.read_frame()
            self.assertEqual(f.opcode, rawws.PONG, f)
            answers.append(f.payload)
        return answers

    def test_every_ping_in_turn_and_the_latest_of_a_burst_get_their_pong(self):
        run, conn = self.connected()
        # One at a time: each is answered, after the pong before it is written.
        for payload in (b"one", b"two", b"three"):
            conn.send(rawws.frame(rawws.PING, payload, mask=False))
            pong = conn.read_frame()
            self.assertEqual((pong.opcode, pong.payload), (rawws.PONG, payload))
            self.assertTrue(pong.masked)
        # A burst: some may share an answer (RFC 6455 5.5.3), the last never.
        burst = [b"b%d" % i for i in range(200)]
        answers = self.ping_burst(conn, burst)
        self.assertEqual(answers, sorted(answers, key=burst.index), "answers out of order")
        conn.send(rawws.close_frame(1000, mask=False))
        code, _, err, _ = run.result()
        self.assertEqual(code, 0, err)

    def test_reading_paused_for_a_burst_resumes_with_one_read_at_a_time(self):
        # 1000 pings in one read owe more than 64 KiB of pongs: the client
        # stops reading from within websocketpp's read handler, and reads
        # again once its pong is written. Had the pause only been posted
        # (websocketpp's pause_reading), a read would still be pending then,
        # and the resume would start a second one into the same buffer
        # (hook 29 in lib/src/net/wspp/README.md): what follows would not
        # arrive intact.
        run, conn = self.connected()
        burst = [b"p%d" % i for i in range(1000)]
        answers = self.ping_burst(conn, burst)
        self.assertLess(len(answers), len(burst), "every ping got its pong: the pings never piled up")
        lines = [b"%06d %s" % (i, b"x" * 100) for i in range(20000)]
        try:
            conn.send(b"".join(rawws.frame(rawws.TEXT, line, mask=False) for line in lines))
            conn.send(rawws.close_frame(1000, mask=False))
        except OSError:
            pass  # the client gave up on what it read: its exit status and stderr say why
        code, out, err, _ = run.result()
        self.assertEqual(code, 0, err)
        self.assertEqual(out, b"".join(line + b"\n" for line in lines))

if __name__ == "__main__":
    main()
