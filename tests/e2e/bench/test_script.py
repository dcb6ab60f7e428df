"""wskit bench --script: each connection plays a wskit run script over and
over against a JSON request/response server (Python websockets); each expect
met is a latency, a run of the script that fails is an error of its class,
and the server sees every connection's messages in the script's order."""
import json
import os
import shutil
import tempfile

from harness import TestCase, free_port, main

SCRIPT = """\
send {"id": 1, "op": "login"}
expect {"id": 1, "ok": true}
send {"id": 2, "op": "quote"}
expect {"id": 2, "echo": "quote"}
close
"""


class Script(TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="wskit-bench-script-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    def script(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_each_connection_plays_the_script_again_and_again(self):
        log = os.path.join(self.tmp, "server.log")
        _, url = self.start_python_peer("py_json_server.py", "--delay-ms", "2", "--log", log)
        r = self.wskit("bench", "-c", "3", "-d", "1", "--script", self.script("ok.ws", SCRIPT), "--json", url)
        self.assertExit(r, 0)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["script"], os.path.join(self.tmp, "ok.ws"))
        self.assertEqual(doc["errors"]["total"], 0, doc["errors"])
        # Two expects per run of the script, each a latency above the server's 2 ms.
        self.assertGreater(doc["measured"], 20)
        self.assertEqual(doc["latency_us"]["count"], doc["measured"])
        self.assertGreater(doc["latency_us"]["p50"], 2000)
        self.assertGreater(doc["opened"], 6)  # several runs of the script per connection
        # The server saw, on every connection, login then quote, once each, and a clean close.
        events = [json.loads(line) for line in open(log)]
        by_conn = {}
        for e in events:
            if e["event"] == "message":
                by_conn.setdefault(e["conn"], []).append(json.loads(e["data"])["op"])
        self.assertGreater(len(by_conn), 6)
        complete = [ops for ops in by_conn.values() if len(ops) == 2]
        self.assertGreater(len(complete), 6)
        for ops in by_conn.values():
            self.assertEqual(ops, ["login", "quote"][:len(ops)])
        closes = [e["code"] for e in events if e["event"] == "close"]
        self.assertIn(1000, closes)

    def test_a_failing_expect_is_an_error_with_the_step_that_failed(self):
        _, url = self.start_python_peer("py_json_server.py")
        bad = self.script("bad.ws", 'send {"id": 1}\nexpect {"id": 1, "ok": false} within 500ms\n')
        r = self.wskit("bench", "-c", "2", "-d", "1", "--script", bad, "--json", url)
        self.assertExit(r, 7)  # nothing measured
        doc = json.loads(r.stdout)
        self.assertGreater(doc["errors"]["protocol"], 0)
        self.assertIn("bad.ws:2:", doc["errors"]["first"])
        self.assertEqual(doc["measured"], 0)
        err = r.stderr.decode()
        self.assertRegex(err, r"^wskit: no expect of .*bad\.ws was met in [\d.]+ s; the first failure: .*bad\.ws:2: ")
        self.assertEqual(len(err.splitlines()), 1, err)

    def test_a_server_that_is_not_there_is_counted_as_connect_errors(self):
        url = f"ws://127.0.0.1:{free_port()}/"
        r = self.wskit("bench", "-c", "2", "-d", "1", "--script", self.script("ok2.ws", SCRIPT), "--json", url)
        self.assertExit(r, 3)  # no connection opened: could not connect, as without a script
        self.assertRegex(r.stderr.decode(), r"^wskit: no connection opened: cannot connect to 127\.0\.0\.1:\d+: "
                                            r"connection refused")
        doc = json.loads(r.stdout)
        self.assertGreater(doc["errors"]["connect"], 0)
        self.assertEqual(doc["errors"]["connect"], doc["errors"]["total"])
        # A refused connection is retried at a calm pace, not thousands of times a second.
        self.assertLess(doc["errors"]["connect"], 60)

    def test_usage_errors(self):
        url = "ws://127.0.0.1:9/"
        ok = self.script("ok3.ws", SCRIPT)
        for args, words in [
            (["--script", ok, "--message", "x"], "--script is the whole traffic"),
            (["--script", ok, "--stages", "1s:1"], "--script is the whole traffic"),
            (["--script", ok, "--mode", "fanout"], "--script goes with --mode echo"),
            (["--script", os.path.join(self.tmp, "missing.ws")], "cannot read the script"),
            (["--script", self.script("syntax.ws", "frobnicate\n")], "unknown statement 'frobnicate'"),
        ]:
            with self.subTest(args=args):
                r = self.wskit("bench", "-d", "1", *args, url)
                self.assertExit(r, 2)
                self.assertIn(words, r.stderr.decode())
                self.assertEqual(len(r.stderr.decode().splitlines()), 1, r.stderr)


if __name__ == "__main__":
    main()
