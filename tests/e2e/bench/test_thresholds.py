"""wskit bench --fail-if: a condition that holds fails the run (exit 1, one
stderr line each, in the order given), one that does not passes (exit 0); the
results are printed all the same (--json on stdout, with each condition's
verdict); a bad condition is a usage error before anything runs; and a run
that did not measure the server keeps its own exit status."""
import json
import re

from harness import TestCase, free_port, main

JSON_SERVER = "py_json_server.py"
REQUEST = '{"id":{seq}}'


class Thresholds(TestCase):
    def slow_server(self):
        """Answers every request 5 ms late: p99 is above 1 ms, far below 10 s."""
        _, url = self.start_python_peer(JSON_SERVER, "--delay-ms", "5")
        return url

    def test_a_latency_condition_that_holds_fails_and_one_that_does_not_passes(self):
        url = self.slow_server()
        r = self.wskit("bench", "-c", "2", "-d", "1", "--message", REQUEST, "--fail-if", "p99>1ms",
                       "--fail-if", "p99 > 10s", "--json", url)
        self.assertExit(r, 1)
        doc = json.loads(r.stdout)  # the results, printed all the same
        p99 = doc["latency_us"]["p99"]
        self.assertGreater(p99, 5000)
        self.assertIsNone(doc["error"])
        m = re.fullmatch(r"wskit: --fail-if p99>1ms: p99 was (\d+\.\d\d) ms\n", r.stderr.decode())
        self.assertIsNotNone(m, r.stderr)
        self.assertAlmostEqual(float(m.group(1)), p99 / 1000, delta=0.0051)
        self.assertEqual([(t["condition"], t["held"]) for t in doc["thresholds"]],
                         [("p99>1ms", True), ("p99 > 10s", False)])
        self.assertEqual(doc["thresholds"][0]["message"], r.stderr.decode()[len("wskit: --fail-if "):-1])
        self.assertIsNone(doc["thresholds"][1]["message"])

        r = self.wskit("bench", "-c", "2", "-d", "1", "--message", REQUEST, "--fail-if", "p99>10s",
                       "--fail-if", "errors>0", "-q", url)
        self.assertExit(r, 0)
        self.assertEqual(r.stderr, b"")
        self.assertIn("latency", r.stdout.decode())  # the table

    def test_every_condition_that_holds_is_printed_in_order(self):
        url = self.slow_server()
        r = self.wskit("bench", "-c", "2", "-d", "1", "--message", REQUEST, "--fail-if", "rate<1000000",
                       "--fail-if", "rate<1", "--fail-if", "p50>=1ms", "--fail-if", "unmatched>0",
                       "--fail-if", "unanswered<=100", "-q", url)
        self.assertExit(r, 1)
        lines = r.stderr.decode().splitlines()
        self.assertEqual(len(lines), 3, lines)
        self.assertRegex(lines[0], r"^wskit: --fail-if rate<1000000: rate was [\d.]+$")
        self.assertRegex(lines[1], r"^wskit: --fail-if p50>=1ms: p50 was \d+\.\d\d ms$")
        self.assertRegex(lines[2], r"^wskit: --fail-if unanswered<=100: unanswered was [0-2]$")
        # The human table still went to stdout.
        out = r.stdout.decode()
        self.assertIn("latency", out)
        rate = float(re.search(r"rate was ([\d.]+)", lines[0]).group(1))
        self.assertGreater(rate, 10)

    def test_errors_from_a_server_that_closes_a_connection(self):
        # One connection of three is closed by the server after 5 answers; the
        # others keep measuring, so the run itself is fine.
        _, url = self.start_python_peer(JSON_SERVER, "--close-after", "5", "--close-conns", "1")
        r = self.wskit("bench", "-c", "3", "-d", "1", "--message", REQUEST, "--fail-if", "errors>0", "--json", url)
        self.assertExit(r, 1)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["errors"]["closed"], 1)
        self.assertIsNone(doc["error"])
        self.assertEqual(r.stderr.decode(), "wskit: --fail-if errors>0: errors was 1\n")

    def test_a_run_that_did_not_measure_keeps_its_exit_status(self):
        url = f"ws://127.0.0.1:{free_port()}/"
        r = self.wskit("bench", "-c", "2", "-d", "1", "--fail-if", "errors>0", "--fail-if", "p99>1ms", "-q", url)
        self.assertExit(r, 3)
        err = r.stderr.decode()
        self.assertRegex(err, r"^wskit: no connection opened: cannot connect to 127\.0\.0\.1:\d+: connection refused")
        self.assertNotIn("--fail-if", err)
        self.assertEqual(len(err.splitlines()), 1, err)
        # Every connection closed by the server (4000): exit 6, not 1.
        _, url = self.start_python_peer(JSON_SERVER, "--close-after", "3")
        r = self.wskit("bench", "-c", "2", "-d", "2", "--message", REQUEST, "--fail-if", "errors>0", "--json", url)
        self.assertExit(r, 6)
        self.assertNotIn(b"--fail-if", r.stderr)
        self.assertEqual(json.loads(r.stdout)["errors"]["closed"], 2)

    def test_bad_conditions_exit_2_before_anything_runs(self):
        url = f"ws://127.0.0.1:{free_port()}/"  # a run would exit 3
        for condition, says in (("p99", "no comparison (> >= < <= ==)"),
                                ("p99=5ms", "= compares nothing: write =="),
                                ("p99>fast", "a latency compares with a duration like 50ms, 200us or 1s"),
                                ("errors>1ms", "'1ms' is not a number"),
                                ("cpu>50", "unknown metric 'cpu'")):
            with self.subTest(condition):
                r = self.wskit("bench", "-c", "1", "-d", "1", "--fail-if", condition, "-q", url)
                self.assertExit(r, 2)
                err = r.stderr.decode()
                self.assertTrue(err.startswith(f"wskit: --fail-if '{condition}': "), err)
                self.assertIn(says, err)
                self.assertEqual(len(err.splitlines()), 1, err)
                self.assertEqual(r.stdout, b"")

    def test_fail_if_right_before_the_url(self):
        # As -H does: "--fail-if COND URL" is a condition and a URL.
        _, url = self.start_wskit_server("echo", "0")
        r = self.wskit("bench", "-c", "1", "-n", "5", "--fail-if", "p99>10s", url)
        self.assertExit(r, 0)


if __name__ == "__main__":
    main()
