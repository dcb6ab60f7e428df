"""wskit listen under abuse: a client that stops reading while stdin floods it
is closed with 1008 and the server's memory stays bounded; a stdout that is
not read stops the server from reading clients (bounded memory), and once it
is read again nothing a client sent is missing."""
import subprocess
import threading
import time

import rawws
from harness import LISTENING, MIB, RSS_BOUND, SANITIZED, WSKIT, TestCase, main, port_of, rss_bytes
from rawws import TEXT, Flooder, frame


class StdinFlood(TestCase):
    def test_a_client_that_stops_reading_is_closed_with_1008(self):
        listen, url = self.start_wskit_server("listen", "--output", "human", "--max-backlog", "1000000", "0",
                                              stdin=subprocess.PIPE)
        conn = rawws.ws_connect(port_of(url), rcvbuf=16384)
        self.addCleanup(conn.close)
        listen.wait_line(r"^#1 connected", stream="stdout")
        line = b"x" * 1023 + b"\n"
        stop = threading.Event()

        def feed():
            try:
                while not stop.is_set():
                    listen.proc.stdin.write(line * 64)
            except (BrokenPipeError, ValueError, OSError):
                pass

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        self.addCleanup(stop.set)
        peak = 0
        deadline = time.monotonic() + 20
        closed = None
        while time.monotonic() < deadline and closed is None:
            peak = max(peak, rss_bytes(listen.proc.pid))
            try:
                closed = listen.wait_line(r"^#1 (closing|disconnected) .*1008", stream="stdout", timeout=0.5)
            except AssertionError:
                pass
        self.assertIsNotNone(closed, "the client that does not read was never closed")
        self.assertIn("not reading", closed.string)
        self.assertIsNone(listen.proc.poll())
        if not SANITIZED:
            self.assertLess(peak, RSS_BOUND, f"listen's RSS reached {peak / MIB:.1f} MiB")


class StdoutStall(TestCase):
    def test_an_unread_stdout_pauses_clients_and_loses_nothing(self):
        # stdout is a pipe nobody reads until the end (not the harness's
        # reader threads, which would drain it).
        proc = subprocess.Popen([WSKIT, "listen", "0"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        url = LISTENING.search(proc.stderr.readline().decode()).group(1)
        conn = rawws.ws_connect(port_of(url))
        self.addCleanup(conn.close)
        count = 40000
        payload = b"y" * 1000
        chunk = b"".join(frame(TEXT, payload) for _ in range(100))
        flooder = Flooder(conn, chunk)
        peak = 0
        for _ in range(8):
            flooder.pump(0.25)
            peak = max(peak, rss_bytes(proc.pid))
        frame_size = len(chunk) // 100
        self.assertLess(flooder.sent, count * frame_size, "the client got everything out: stdout never stalled")
        if not SANITIZED:
            self.assertLess(peak, RSS_BOUND, f"listen's RSS reached {peak / MIB:.1f} MiB")
        # Read stdout now; the rest of the flood goes through, and every
        # message is there, whole and in order.
        got = []
        reader = threading.Thread(target=lambda: got.append(proc.stdout.read()), daemon=True)
        reader.start()
        conn.sock.setblocking(True)
        stream = chunk * (count // 100)
        conn.sock.sendall(stream[flooder.sent:])
        conn.send_frame(rawws.CLOSE, rawws.close_payload(1000))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            f = conn.read_frame()
            if f is None or f.opcode == rawws.CLOSE:
                break
        proc.send_signal(2)
        reader.join(20)
        lines = got[0].split(b"\n") if got else []
        self.assertEqual(len([l for l in lines if l == payload]), count, "messages were lost")


if __name__ == "__main__":
    main()
