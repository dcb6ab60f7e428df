"""Backpressure through wskit proxy, end to end: a client that never reads
while the server floods it, and a server that never reads while the client
floods it, keep the proxy's memory bounded (RSS from /proc, under
harness.RSS_BOUND unless sanitized): the proxy stops reading the side that
feeds a backed-up leg, so the flooder itself is held back, while other
clients are served."""
import os
import subprocess

import rawws
from rawws import BINARY, TEXT, Flooder, frame
from harness import MIB, RSS_BOUND, SANITIZED, main, rss_bytes
from proxy_support import ProxyCase, read_message

FLOOD_SECONDS = 4
SLICES = 8
# What may get through once reading stops: the proxy's 1 MiB marks and the
# kernel's socket buffers on both legs, not the whole flood.
SENT_BOUND = 64 * MIB


class Backpressure(ProxyCase):
    def assertBounded(self, px, peak, sent, who):
        self.assertIsNone(px.proc.poll(), f"the proxy died: {px.seen['stderr'][-5:]!r}")
        if not SANITIZED:
            self.assertLess(peak, RSS_BOUND, f"proxy RSS reached {peak / MIB:.1f} MiB; {who} sent {sent / MIB:.1f} MiB")
        self.assertLess(sent, SENT_BOUND, f"the proxy kept reading: {who} got {sent / MIB:.1f} MiB out")

    def test_a_client_that_never_reads_while_the_server_floods(self):
        server, server_url = self.upstream()
        px, _, port = self.proxy(server_url)
        # A small receive buffer: the kernel holds little for it.
        conn = self.client(port, rcvbuf=16384)
        conn.send_frame(TEXT, "/flood 262144")
        self.saw(server, "flooding", conn=1)  # it has begun
        peak = rss_bytes(px.proc.pid)
        for i in range(SLICES):
            # Sampling memory needs time to pass; the wait ends early only if
            # the proxy dies.
            try:
                px.proc.wait(timeout=FLOOD_SECONDS / SLICES)
                break
            except subprocess.TimeoutExpired:
                pass
            peak = max(peak, rss_bytes(px.proc.pid))
            if i == SLICES // 2:
                self.assertServed(port)
        sent = max(e["bytes"] for e in self.events(server, "flooding"))
        self.assertBounded(px, peak, sent, "the server")

    def test_a_server_that_never_reads_while_the_client_floods(self):
        server, server_url = self.upstream("--mode", "deaf", script="raw_ws_server.py")
        px, _, port = self.proxy(server_url)
        conn = self.client(port)
        flooder = Flooder(conn, b"".join(frame(BINARY, os.urandom(1024) * 32) for _ in range(16)))  # 16 x 32 KiB
        peak = rss_bytes(px.proc.pid)
        for i in range(SLICES):
            flooder.pump(FLOOD_SECONDS / SLICES)
            peak = max(peak, rss_bytes(px.proc.pid))
            if i == SLICES // 2:
                # The proxy still answers: another client gets through to the
                # (deaf) server's 101.
                other = rawws.ws_connect(port)
                other.close()
        self.assertBounded(px, peak, flooder.sent, "the client")
        server.wait_line(r"^open$")

    def assertServed(self, port):
        """Another client is served meanwhile: its echo comes back."""
        other = rawws.ws_connect(port)
        try:
            other.send_frame(TEXT, "still there?")
            self.assertEqual(read_message(other), (TEXT, b"still there?"))
        finally:
            other.close()


if __name__ == "__main__":
    main()
