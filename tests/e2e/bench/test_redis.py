"""wskit bench --mode fanout over several servers of one room: two
`wskit broadcast-chat --redis` processes sharing it through a real
redis-server (Debian's, on a free loopback port, no persistence, always
stopped). The receivers spread over both processes and every one of them
gets every message once; two chat processes that share nothing are caught;
the other modes refuse a second URL."""
import json
import re

from harness import TestCase, free_port, main


class FanoutAcrossProcesses(TestCase):
    def chat(self, *args):
        # --rate 0: the bench sender goes faster than a person; --history 0:
        # nothing replayed, so each receiver starts at the first message.
        p, url = self.start_wskit_server("broadcast-chat", "--rate", "0", "--history", "0", "0", *args)
        if args:
            p.wait_line("sharing rooms through Redis at 127.0.0.1:")
        return url + "room"

    def bench(self, *args, code=0):
        r = self.wskit("bench", "--json", "--mode", "fanout", *args, timeout=60)
        self.assertExit(r, code)
        return json.loads(r.stdout)

    def test_every_receiver_on_both_processes_gets_every_message_once(self):
        redis = f"redis://127.0.0.1:{self.start_redis()[1]}"
        first, second = self.chat("--redis", redis), self.chat("--redis", redis)
        r = self.bench("-c", "6", "--rate", "100", "-d", "1", first, second)
        self.assertEqual(r["urls"], [first, second])
        self.assertEqual(r["url"], first)
        self.assertEqual(r["errors"]["total"], 0, r["errors"])
        self.assertGreaterEqual(r["sent"], 90)
        self.assertEqual((r["lost"], r["duplicated"]), (0, 0))
        # Round robin: receivers 0, 2, 4 on the first process, 1, 3, 5 on the second.
        self.assertEqual([x["server"] for x in sorted(r["receivers"], key=lambda x: x["server"])],
                         [0, 0, 0, 1, 1, 1])
        for x in r["receivers"]:
            self.assertEqual((x["lost"], x["duplicated"]), (0, 0), x)
        # Each delivery counts once per receiver and message (a second copy
        # would be a duplicate): every receiver got every message sent.
        self.assertEqual(r["measured"], r["sent"] * 6)
        self.assertEqual(r["latency_us"]["count"], r["measured"])

    def test_the_summary_has_a_row_per_server(self):
        redis = f"redis://127.0.0.1:{self.start_redis()[1]}"
        first, second = self.chat("--redis", redis), self.chat("--redis", redis)
        r = self.wskit("bench", "--mode", "fanout", "-c", "4", "--rate", "50", "-d", "0.5", first, second)
        self.assertExit(r, 0)
        text = r.stdout.decode()
        self.assertIn(f"wskit bench --mode fanout {first} {second}\n", text)
        self.assertRegex(text, rf"per server +{re.escape(first)}: 2 receivers, \d+ received, 0 lost, 0 duplicated\n")
        self.assertRegex(text, rf"\n +{re.escape(second)}: 2 receivers, \d+ received, 0 lost, 0 duplicated\n")

    def test_processes_that_share_nothing_lose_every_message_of_the_other(self):
        # Without Redis the second process never hears the sender of the
        # first: its receivers are charged with every message.
        first, second = self.chat(), self.chat()
        r = self.bench("-c", "4", "--rate", "100", "-d", "0.5", first, second)
        self.assertGreater(r["sent"], 20)
        by_server = {0: [], 1: []}
        for x in r["receivers"]:
            by_server[x["server"]].append(x["lost"])
        self.assertEqual(by_server[0], [0, 0])
        self.assertEqual(by_server[1], [r["sent"], r["sent"]])
        self.assertEqual(r["lost"], 2 * r["sent"])

    def test_a_server_that_is_down_is_a_connect_error(self):
        first = self.chat()
        down = f"ws://127.0.0.1:{free_port()}/room"
        # A fan-out needs every connection: the run fails with the class of what kept two from opening.
        r = self.bench("-c", "4", "--rate", "100", "-d", "0.5", first, down, code=3)
        self.assertEqual(r["errors"]["connect"], 2)
        self.assertIn("connect", r["errors"]["first"])
        self.assertEqual(r["opened"], 3)  # two receivers and the sender on the first
        self.assertEqual(r["error"], "2 of 5 connections did not open, and a fan-out needs them all: "
                                     + r["errors"]["first"])

    def test_other_modes_take_one_url(self):
        url = self.chat()
        for mode in ("echo", "handshake", "idle"):
            with self.subTest(mode=mode):
                r = self.wskit("bench", "--mode", mode, "-d", "0.2", url, url)
                self.assertExit(r, 2)
                self.assertEqual(r.stderr.decode(),
                                 f"wskit: --mode {mode} takes one URL (2 given); only --mode fanout spreads over "
                                 f"several servers (see 'wskit bench --help')\n")
                self.assertEqual(r.stdout, b"")

    def test_a_bad_second_url_is_a_usage_error(self):
        url = self.chat()
        r = self.wskit("bench", "--mode", "fanout", "-d", "0.2", url, "ftp://127.0.0.1:1/")
        self.assertExit(r, 2)
        self.assertEqual(r.stderr.decode(),
                         "wskit: invalid URL 'ftp://127.0.0.1:1/': unsupported scheme 'ftp' "
                         "(expected ws://host[:port]/path or wss://...) (see 'wskit bench --help')\n")
        self.assertEqual(r.stdout, b"")


if __name__ == "__main__":
    main()
