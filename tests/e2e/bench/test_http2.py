"""bench --http2 and --http2-prior-knowledge: WebSockets as streams of a few
HTTP/2 connections (RFC 8441), --streams-per-connection on each, as browsers
open them. Peers: Node's http2 (peers/node_h2_server.cjs, which prints one
"session opened" per HTTP/2 connection), nghttpx and Apache httpd in front of
wskit echo and broadcast-chat (h2_support.py)."""
import json
import os

from h2_support import start_apache, start_nghttpx
from harness import CertsTestCase, main

ENV = {k: v for k, v in os.environ.items()
       if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "sslkeylogfile")}


class BenchHttp2(CertsTestCase):
    def bench(self, *args, code=0):
        r = self.wskit("bench", "--json", *args, timeout=60, env=ENV)
        self.assertExit(r, code)
        return json.loads(r.stdout)

    # By time, not -n: echoes start as each WebSocket opens, and -n could be
    # spent before the last of 100 streams has its answer.
    def test_a_hundred_websockets_on_two_connections(self):
        peer, url = self.start_node_peer("node_h2_server.cjs", "--cert", self.certs.server_cert, "--key",
                                         self.certs.server_key)
        r = self.bench("--http2", "--ca", self.certs.ca, "-c", "100", "--streams-per-connection", "50",
                       "-w", "2", "-d", "1", url.replace("https://", "wss://"))
        self.assertEqual((r["opened"], r["open_at_end"], r["errors"]["total"]), (100, 100, 0))
        self.assertGreater(r["received"], 1000)
        self.assertEqual(r["latency_us"]["count"], r["measured"])
        self.assertEqual(peer.seen["stderr"].count("session opened"), 2)

    def test_each_thread_has_its_own_connections(self):
        peer, url = self.start_node_peer("node_h2_server.cjs", "--plain")
        r = self.bench("--http2-prior-knowledge", "--threads", "2", "-c", "60", "--streams-per-connection", "20",
                       "-d", "1", url.replace("http://", "ws://"))
        self.assertEqual(r["opened"], 60)
        self.assertGreater(r["received"], 0)
        self.assertEqual(r["errors"]["total"], 0)
        self.assertEqual(peer.seen["stderr"].count("session opened"), 4)  # 30 a thread, 20 a connection

    def test_through_nghttpx_and_apache_to_wskit_echo(self):
        # 5 a connection: Apache 2.4's mod_http2 keeps 6 streams of a
        # connection active at first, and raises that only as streams end,
        # which a WebSocket's never does: a 7th waits (bench/RESULTS.md).
        _, echo = self.start_wskit_server("echo", "0", env=ENV)
        for name, front in (("nghttpx", start_nghttpx(self, echo)), ("apache", start_apache(self, echo))):
            with self.subTest(front=name):
                r = self.bench("--http2-prior-knowledge", "-c", "20", "--streams-per-connection", "5",
                               "-w", "4", "--size", "1k", "-d", "1", front)
                self.assertEqual((r["opened"], r["open_at_end"], r["errors"]["total"]), (20, 20, 0))
                self.assertGreater(r["received"], 1000)

    def test_fanout_to_receivers_on_streams(self):
        # wskit broadcast-chat behind nghttpx: every receiver a stream of one
        # of two HTTP/2 connections, each broadcast reaching them all.
        _, chat = self.start_wskit_server("broadcast-chat", "--rate", "0", "0", env=ENV)
        r = self.bench("--mode", "fanout", "--http2-prior-knowledge", "-c", "40", "--streams-per-connection", "20",
                       "--rate", "100", "-d", "1", start_nghttpx(self, chat))
        self.assertEqual((len(r["receivers"]), r["lost"], r["duplicated"], r["errors"]["total"]), (40, 0, 0, 0))
        self.assertGreater(r["sent"], 50)
        self.assertGreaterEqual(r["measured"], 40 * (r["sent"] - 2))  # the last may be on its way

    def test_handshake_loops_open_streams_on_one_connection(self):
        peer, url = self.start_node_peer("node_h2_server.cjs", "--plain")
        r = self.bench("--mode", "handshake", "--http2-prior-knowledge", "-c", "2", "-d", "0.5",
                       url.replace("http://", "ws://"))
        self.assertGreater(r["measured"], 20)  # each a CONNECT, a close and a new stream
        self.assertEqual(r["errors"]["total"], 0)
        self.assertEqual(peer.seen["stderr"].count("session opened"), 1)

    def test_idle_websockets_as_streams(self):
        peer, url = self.start_node_peer("node_h2_server.cjs", "--plain")
        r = self.bench("--mode", "idle", "--http2-prior-knowledge", "-c", "30", "--streams-per-connection", "10",
                       "-d", "0.5", url.replace("http://", "ws://"))
        self.assertEqual((r["opened"], r["open_at_end"], r["errors"]["total"]), (30, 30, 0))
        self.assertEqual(peer.seen["stderr"].count("session opened"), 3)

    def test_a_server_without_the_extended_connect_fails_every_opening(self):
        _, url = self.start_node_peer("node_h2_server.cjs", "--plain", "--no-connect-protocol")
        r = self.bench("--http2-prior-knowledge", "-c", "3", "-d", "0.5", url.replace("http://", "ws://"), code=5)
        self.assertEqual(r["opened"], 0)
        self.assertEqual(r["errors"]["handshake"], 3)
        self.assertIn("SETTINGS_ENABLE_CONNECT_PROTOCOL is (absent)", r["errors"]["first"])

    def test_a_reset_connect_fails_every_opening(self):
        _, url = self.start_node_peer("node_h2_server.cjs", "--plain", "--variant", "reset")
        r = self.bench("--http2-prior-knowledge", "-c", "3", "-d", "0.5", url.replace("http://", "ws://"), code=5)
        self.assertEqual(r["errors"]["handshake"], 3)
        self.assertIn("reset the extended CONNECT stream with PROTOCOL_ERROR", r["errors"]["first"])


if __name__ == "__main__":
    main()
