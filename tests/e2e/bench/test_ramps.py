"""wskit bench's ramps, seen from the server (peers/py_json_server.py logs
when each connection opens and how it closed) and from --series: --connect-rate
spreads the opens over time, --stages moves the number of open connections
up and down as its stages say, a stage's RATE sends that many messages per
second (open loop), connections the server closes are replaced while the
stages last, and a ramp down closes with 1000."""
import json
import os
import shutil
import tempfile

from harness import TestCase, main

JSON_SERVER = "py_json_server.py"
REQUEST = '{"id":{seq}}'


class Ramps(TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wskit-ramps-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def json_server(self, *args):
        log = os.path.join(self.tmp, f"server-{len(os.listdir(self.tmp))}.ndjson")
        proc, url = self.start_python_peer(JSON_SERVER, "--log", log, *args)
        return proc, url, log

    def bench(self, url, *args, code=0):
        r = self.wskit("bench", *args, "--json", url, timeout=30)
        self.assertExit(r, code)
        return json.loads(r.stdout)

    def series(self, path):
        with open(path) as f:
            return [json.loads(line) for line in f]

    @staticmethod
    def events(log, kind):
        with open(log) as f:
            return [e for e in map(json.loads, f) if e["event"] == kind]

    def closed(self, server, n):
        """Waits until n connections have ended on the server (their closes are then in its log)."""
        for _ in range(n):
            server.wait_line(r"closed conn=\d+ code=")

    def test_connect_rate_spreads_the_opens(self):
        server, url, log = self.json_server()
        # Paced traffic, so that the server accepts as soon as asked.
        r = self.bench(url, "-c", "10", "--connect-rate", "10", "--rate", "40", "-d", "1.5", "--message", REQUEST)
        self.closed(server, 10)
        self.assertEqual(r["connect_rate"], 10)
        self.assertEqual((r["opened"], r["errors"]["total"]), (10, 0), r["errors"]["first"])
        opens = [e["t"] for e in self.events(log, "open")]
        self.assertEqual(len(opens), 10)
        # 10 per second, evenly: 0.9 s from the first to the last. (The
        # server's accept times can bunch when a loaded machine stalls it, so
        # only the whole spread is checked, with room for a stall.)
        spread = opens[-1] - opens[0]
        self.assertGreaterEqual(spread, 0.5, opens)
        self.assertLess(spread, 1.45, opens)
        # Without it, the same connections open at once.
        server, url, log = self.json_server()
        self.bench(url, "-c", "10", "--rate", "40", "-d", "0.5", "--message", REQUEST)
        self.closed(server, 10)
        opens = [e["t"] for e in self.events(log, "open")]
        self.assertEqual(len(opens), 10)
        self.assertLess(opens[-1] - opens[0], 0.3, opens)

    def test_stages_move_the_open_connections_and_ramp_down_with_1000(self):
        server, url, log = self.json_server()
        series = os.path.join(self.tmp, "series.ndjson")
        r = self.bench(url, "--stages", "2s:8,2s:0,500ms:0", "-w", "16", "--series", series, "--message", REQUEST)
        self.assertEqual(r["stages"], [{"seconds": 2.0, "connections": 8, "rate": None},
                                       {"seconds": 2.0, "connections": 0, "rate": None},
                                       {"seconds": 0.5, "connections": 0, "rate": None}])
        self.assertEqual(r["connections"], 8)  # the peak
        self.assertAlmostEqual(r["seconds"], 4.5, delta=0.5)
        self.assertEqual(r["errors"]["total"], 0, r["errors"]["first"])
        rows = self.series(series)
        self.assertEqual([row["time_s"] for row in rows[:5]], [0, 1, 2, 3, 4])
        # Open at the end of each second: up 0 -> 4 -> 8 over 2 s, down 8 -> 4
        # -> 0 over 2 s. Openings may lag on a loaded machine; closings do not.
        opened = [row["open"] for row in rows[:4]]
        self.assertTrue(1 <= opened[0] <= 5, opened)
        self.assertTrue(5 <= opened[1] <= 8, opened)
        self.assertTrue(3 <= opened[2] <= 5, opened)
        self.assertLessEqual(opened[3], 1, opened)
        self.assertGreater(opened[1], opened[2])
        self.assertEqual(rows[4]["open"], 0)
        self.assertGreater(rows[1]["received"], 0)
        self.assertEqual(rows[4]["sent"], 0)  # nothing open, nothing sent
        self.assertEqual(r["open_at_end"], 0)
        # The server saw 8 connections, each closed by the ramp down with 1000.
        self.closed(server, 8)
        self.assertEqual(len(self.events(log, "open")), 8)
        codes = [e["code"] for e in self.events(log, "close")]
        self.assertEqual(codes, [1000] * 8)

    def test_a_stage_rate_is_messages_per_second(self):
        server, url, log = self.json_server()
        series = os.path.join(self.tmp, "series.ndjson")
        r = self.bench(url, "--stages", "1s:4:200,2s:4:600", "--series", series, "--message", REQUEST)
        self.assertEqual(r["errors"]["total"], 0, r["errors"]["first"])
        rows = self.series(series)
        # The first second at 200/s while the connections open (what falls due
        # before the first is open is dropped, and counted), then 600/s.
        self.assertGreater(r["dropped"], 0)
        self.assertLessEqual(rows[0]["sent"], 230)
        self.assertGreaterEqual(rows[0]["sent"], 100)
        at_600 = rows[1]["sent"] + rows[2]["sent"]
        self.assertGreaterEqual(at_600, 1000, rows)
        self.assertLessEqual(at_600, 1400, rows)
        self.assertAlmostEqual(r["sent"] + r["dropped"], 200 + 1200, delta=150)
        # Open loop: a rate well under what the server takes is answered whole.
        self.assertLessEqual(r["unanswered"], 60)

    def test_connections_the_server_closes_are_replaced(self):
        # Each connection is closed by the server after 20 answers: at 60/s
        # over 3, about once a second each.
        server, url, log = self.json_server("--close-after", "20")
        series = os.path.join(self.tmp, "series.ndjson")
        r = self.bench(url, "--stages", "100ms:3:60,2s:3:60", "--series", series, "--message", REQUEST)
        closed = r["errors"]["closed"]
        self.assertGreaterEqual(closed, 2)
        self.assertIn("the server closed a connection with 4000: bye", r["errors"]["first"])
        self.assertIsNone(r["error"])  # closed ones were replaced: the run measured
        self.assertGreaterEqual(r["opened"], 3 + closed - 1)
        self.assertGreaterEqual(len(self.events(log, "open")), r["opened"])
        for row in self.series(series)[:2]:
            self.assertGreaterEqual(row["open"], 2, row)
        self.assertGreaterEqual(r["open_at_end"], 2)


if __name__ == "__main__":
    main()
