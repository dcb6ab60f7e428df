"""wskit bench --compress: permessage-deflate against `wskit echo --compress`,
Python `websockets` and Node `ws` (perMessageDeflate) echo servers (the counts
add up, compression is agreed), a `websockets` broadcast server (fan-out
receivers inflate the deliveries), servers without compression (the run
is uncompressed), and against a raw server: what goes on the wire (the offer,
RSV1, a payload that inflates to the message) and an answer outside the offer
(a handshake error, exit 5)."""
import json

import rawws
from harness import WSKIT, TestCase, main
from rawws import RSV1, TEXT, close_frame, deflate, frame, inflate
from rawserver_case import HANDSHAKE, RawServerTest

PARAMS = {"server_no_context_takeover", "client_no_context_takeover", "server_max_window_bits",
          "client_max_window_bits"}


def bench(test, *args, code=0):
    r = test.wskit("bench", "--json", *args, timeout=30)
    test.assertExit(r, code)
    return json.loads(r.stdout)


class Interop(TestCase):
    def compressing_servers(self):
        yield ("wskit", *self.start_wskit_server("echo", "--compress", "0"))
        yield ("node", *self.start_node_peer("node_deflate.cjs", "server"))
        yield ("python", *self.start_python_peer("py_deflate_server.py"))

    def test_echoes_compressed_both_ways(self):
        for name, _, url in self.compressing_servers():
            for kind in ((), ("--binary",)):
                with self.subTest(server=name, kind=kind):
                    r = bench(self, "--compress", "-n", "300", "-c", "3", "-w", "4", "--size", "2k", *kind, url)
                    self.assertEqual((r["sent"], r["received"], r["measured"], r["unanswered"]), (300, 300, 300, 0))
                    self.assertEqual(r["errors"]["total"], 0, r["errors"]["first"])
                    c = r["compression"]
                    self.assertEqual(c["offer"], "permessage-deflate; client_no_context_takeover; client_max_window_bits")
                    self.assertEqual(c["agreed"], 3)
                    self.assertEqual(set(c["params"]), PARAMS)
                    self.assertTrue(c["params"]["client_no_context_takeover"])
                    # Echoes are counted at their inflated size: 300 x 2 KiB.
                    self.assertGreater(r["mb_per_second"], 0)

    def test_smaller_client_window_and_duration(self):
        _, url = self.start_wskit_server("echo", "--compress", "0")
        r = bench(self, "--compress=client_max_window_bits=9", "-d", "0.5", "-c", "2", "-w", "8", url)
        self.assertEqual(r["sent"], r["received"] + r["unanswered"])
        self.assertGreater(r["received"], 0)
        self.assertEqual(r["errors"]["total"], 0, r["errors"]["first"])
        self.assertLessEqual(r["compression"]["params"]["client_max_window_bits"], 9)

    def test_handshake_mode_offers_and_agrees(self):
        _, url = self.start_wskit_server("echo", "--compress", "0")
        r = bench(self, "--compress", "--mode", "handshake", "-c", "2", "-d", "0.3", url)
        self.assertGreater(r["measured"], 0)
        self.assertEqual(r["errors"]["total"], 0, r["errors"]["first"])
        self.assertGreater(r["compression"]["agreed"], 0)

    def test_fanout_receivers_inflate_compressed_deliveries(self):
        # websockets compresses what it relays; the senders send uncompressed.
        _, url = self.start_python_peer("py_broadcast_server.py")
        r = bench(self, "--compress", "--mode", "fanout", "-c", "3", "--rate", "400", "-d", "0.5", url)
        self.assertEqual(r["errors"]["total"], 0, r["errors"]["first"])
        self.assertEqual((r["lost"], r["duplicated"]), (0, 0))
        self.assertGreater(r["sent"], 100)
        for receiver in r["receivers"]:
            self.assertGreaterEqual(receiver["received"], r["sent"] - 1)
        self.assertEqual(r["compression"]["agreed"], 4)  # 3 receivers and the sender

    def test_servers_without_compression_run_uncompressed(self):
        for name, _, url in (("wskit", *self.start_wskit_server("echo", "0")),
                             ("node", *self.start_node_peer("node_server.cjs"))):
            with self.subTest(server=name):
                r = bench(self, "--compress", "-n", "100", "-c", "2", "-w", "2", url)
                self.assertEqual((r["sent"], r["received"]), (100, 100))
                self.assertEqual(r["errors"]["total"], 0, r["errors"]["first"])
                self.assertEqual(r["compression"]["agreed"], 0)
                self.assertIsNone(r["compression"]["params"])

    def test_no_offer_without_compress(self):
        _, url = self.start_wskit_server("echo", "--compress", "0")
        r = bench(self, "-n", "10", url)
        self.assertIsNone(r["compression"])
        self.assertEqual(r["received"], 10)

    def test_bad_parameters_are_usage_errors(self):
        for value, words in (("bogus", "unknown parameter bogus"), ("client_max_window_bits=16", "not a window size")):
            with self.subTest(value=value):
                r = self.wskit("bench", f"--compress={value}", "ws://127.0.0.1:9/")
                self.assertExit(r, 2)
                self.assertTrue(r.stderr.decode().startswith("wskit: "))
                self.assertIn(words, r.stderr.decode())

    def test_summary_says_what_was_agreed(self):
        _, url = self.start_wskit_server("echo", "--compress", "0")
        r = self.wskit("bench", "--compress", "-n", "10", "-c", "2", url, timeout=30)
        self.assertExit(r, 0)
        line = next(l for l in r.stdout.decode().splitlines() if l.strip().startswith("compression"))
        self.assertIn("client no context takeover", line)
        self.assertIn("on 2 of 2 connections", line)


class Wire(RawServerTest):
    def run_bench(self, *args):
        return self.start([WSKIT, "bench", "--json", "-c", "1", *args, self.server.url])

    def test_messages_go_compressed_and_replies_are_inflated(self):
        p = self.run_bench("--compress", "-n", "2", "--size", "300")
        conn, headers = self.server.accept_ws(
            headers={"Sec-WebSocket-Extensions": "permessage-deflate; client_no_context_takeover; "
                                                 "client_max_window_bits=10"})
        self.addCleanup(conn.close)
        self.assertEqual(headers.get("sec-websocket-extensions"),
                         "permessage-deflate; client_no_context_takeover; client_max_window_bits")
        for _ in range(2):
            f = conn.read_frame()
            self.assertTrue(f.masked)
            self.assertEqual((f.opcode, f.rsv), (TEXT, RSV1))
            message = inflate(f.payload, wbits=10)  # within the agreed window, on its own
            self.assertEqual(len(message), 300)
            self.assertLess(len(f.payload), 300)
            message.decode("utf-8")
            conn.send(frame(TEXT, deflate(message), rsv=RSV1, mask=False))
        rc, out, err = self.finish(p)
        self.assertEqual(rc, 0, err)
        r = json.loads(out[-1])
        self.assertEqual((r["sent"], r["received"], r["errors"]["total"]), (2, 2, 0), r["errors"]["first"])
        self.assertEqual(r["compression"]["params"]["client_max_window_bits"], 10)

    def test_answer_outside_the_offer_is_a_handshake_error(self):
        p = self.run_bench("--compress", "-n", "1")
        conn, _ = self.server.accept_ws(headers={"Sec-WebSocket-Extensions": "permessage-deflate; mystery"})
        self.addCleanup(conn.close)
        rc, out, err = self.finish(p)
        self.assertEqual(rc, HANDSHAKE, err)
        r = json.loads(out[-1])
        self.assertEqual((r["opened"], r["errors"]["handshake"]), (0, 1))
        self.assertIn("unknown parameter mystery", r["errors"]["first"])
        self.assertTrue(any(line.startswith("wskit: ") and "mystery" in line for line in err), err)

    def test_reply_that_inflates_past_max_size_is_a_protocol_error(self):
        p = self.run_bench("--compress", "-n", "1", "--max-size", "1000", "-d", "3")
        conn, _ = self.server.accept_ws(headers={"Sec-WebSocket-Extensions": "permessage-deflate"})
        self.addCleanup(conn.close)
        conn.read_frame()
        conn.send(frame(TEXT, deflate(b"a" * 100000), rsv=RSV1, mask=False))
        rc, out, err = self.finish(p)
        r = json.loads(out[-1])
        self.assertEqual(r["errors"]["protocol"], 1)
        self.assertIn("inflates past --max-size", r["errors"]["first"])

    def test_compressed_reply_without_agreement_is_a_protocol_error(self):
        p = self.run_bench("--compress", "-n", "1", "-d", "3")
        conn, _ = self.server.accept_ws()
        self.addCleanup(conn.close)
        f = conn.read_frame()
        self.assertEqual(f.rsv, 0)  # declined: sent uncompressed
        conn.send(frame(TEXT, deflate(b"x" * 32), rsv=RSV1, mask=False))
        rc, out, err = self.finish(p)
        r = json.loads(out[-1])
        self.assertEqual(r["errors"]["protocol"], 1)
        self.assertIn("without agreeing to compression", r["errors"]["first"])


if __name__ == "__main__":
    main()
