"""wskit bench --mode fanout against broadcast servers (Python `websockets`,
Node `ws` and wskit broadcast-chat): every delivery is counted, and a server that drops and
duplicates messages on purpose is caught exactly. And --rate against an echo
server that stalls for a second: the stall shows in p99, because latency is
measured from the intended send time."""
import json
import os
import pty
import re
import subprocess

from harness import WSKIT, TestCase, main


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

    def test_a_chat_room_in_both_wire_formats(self):
        # The stamp is found behind "NAME: " and inside a JSON envelope; the
        # room's own lines (joins, who is online) are not counted.
        _, url = self.start_wskit_server("broadcast-chat", "--rate", "1000", "--history", "0", "0")
        for args in ((), ("-s", "wskit.chat.v1.json")):
            with self.subTest(subprotocol=args):
                r = self.bench("--mode", "fanout", "-c", "4", "--rate", "200", "-d", "0.5", *args, url)
                self.assertEqual(r["errors"]["total"], 0, r["errors"])
                self.assertEqual((r["lost"], r["duplicated"]), (0, 0))
                self.assertGreater(r["measured"], 0)
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

    def test_progress_line_on_a_terminal(self):
        _, url = self.start_wskit_server("echo", "0")
        master, slave = pty.openpty()
        try:
            p = subprocess.Popen([WSKIT, "bench", "-d", "0.8", url], stdout=subprocess.PIPE, stderr=slave,
                                 stdin=subprocess.DEVNULL)
            os.close(slave)
            out, _ = p.communicate(timeout=30)
            seen = b""
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the terminal's last writer is gone
                    break
                if not chunk:
                    break
                seen += chunk
        finally:
            os.close(master)
        self.assertEqual(p.returncode, 0)
        text = seen.decode()
        # Rewritten in place: carriage returns, the rate, p99 so far, errors, open connections, time left.
        self.assertRegex(text, r"\r +0\.\d+s +\d+/s +p99 +[\d.]+ (us|ms) +errors 0 +open 10 +\d+s left")
        # Erased before the summary; only a diagnostic may follow (on a busy
        # machine: "wskit: warning: ... bottleneck ...").
        self.assertIn("\r\x1b[K", text)
        after = text.rsplit("\r\x1b[K", 1)[1]
        for line in after.splitlines():
            self.assertTrue(line.startswith("wskit: "), repr(text[-200:]))
        self.assertIn(b"echoes", out)

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
