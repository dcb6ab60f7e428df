"""wskit bench --mode fanout against broadcast servers (Python `websockets`
and Node `ws`): every delivery is counted, and a server that drops and
duplicates messages on purpose is caught exactly. And --rate against an echo
server that stalls for a second: the stall shows in p99, because latency is
measured from the intended send time."""
import json
import re

from harness import TestCase, main


class Fanout(TestCase):
    def bench(self, *args):
        r = self.wskit("bench", "--json", *args, timeout=30)
        self.assertExit(r, 0)
        return json.loads(r.stdout)

    def test_clean_broadcast_servers_lose_nothing(self):
        for name, (proc, url) in (("python", self.start_python_peer("py_broadcast_server.py")),
                                  ("node", self.start_node_peer("node_server.cjs", "--broadcast"))):
            with self.subTest(server=name):
                r = self.bench("--mode", "fanout", "-c", "3", "--senders", "2", "--rate", "400", "-d", "0.5", url)
                self.assertEqual(r["errors"]["total"], 0)
                self.assertEqual((r["lost"], r["duplicated"]), (0, 0))
                self.assertEqual(len(r["receivers"]), 3)
                self.assertGreater(r["sent"], 100)
                for receiver in r["receivers"]:
                    # Every message of both senders, counted from the first one each receiver saw.
                    self.assertGreaterEqual(receiver["received"], r["sent"] - 2)
                    self.assertLessEqual(receiver["received"], r["sent"])
                self.assertEqual(r["latency_us"]["count"], r["measured"])

    def test_lost_and_duplicated_messages_are_detected(self):
        proc, url = self.start_python_peer("py_broadcast_server.py", "--drop-every", "10", "--dup-every", "7")
        r = self.bench("--mode", "fanout", "-c", "3", "--rate", "500", "-d", "0.6", url)
        self.assertEqual(r["errors"]["total"], 0)
        self.assertGreater(r["sent"], 200)
        # The server says what it did to each receiver (the clients that sent nothing).
        reports = []
        while len(reports) < 4:
            m = proc.wait_line(r"client sent=(\d+) relayed=(\d+) dropped=(\d+) duplicated=(\d+)")
            reports.append(tuple(int(g) for g in m.groups()))
        receivers = sorted((d, u) for s, _, d, u in reports if s == 0)
        self.assertEqual(len(receivers), 3)
        self.assertEqual(sorted((x["lost"], x["duplicated"]) for x in r["receivers"]), receivers)
        self.assertGreater(r["lost"], 0)
        self.assertGreater(r["duplicated"], 0)
        for x in r["receivers"]:
            self.assertEqual(x["received"], r["sent"] - x["lost"] + x["duplicated"])


class RateStall(TestCase):
    def test_a_stall_shows_in_p99(self):
        _, url = self.start_python_peer("py_echo_server.py", "--stall", "0.4", "1")
        r = self.wskit("bench", "--json", "--rate", "200", "-c", "2", "-d", "1.8", url, timeout=30)
        self.assertExit(r, 0)
        result = json.loads(r.stdout)
        latency = result["latency_us"]
        # The messages due during the second-long stall waited up to a second.
        self.assertGreater(latency["p99"], 800000)
        self.assertGreater(latency["max"], 900000)
        self.assertLess(latency["p50"], 800000)
        self.assertEqual(result["errors"]["total"], 0)
        self.assertAlmostEqual(result["sent"], 200 * 1.8, delta=20)  # open loop: the stall did not slow sending

    def test_progress_line_format(self):
        # Without a terminal there is no progress line; the summary names the open loop.
        _, url = self.start_wskit_server("echo", "0")
        r = self.wskit("bench", "--rate", "100", "-d", "0.3", url)
        self.assertExit(r, 0)
        self.assertRegex(r.stdout.decode(), re.compile(r"open loop at 100 msg/s"))
        self.assertIn("(from the intended send times)", r.stdout.decode())
        self.assertEqual(r.stderr, b"")


if __name__ == "__main__":
    main()
