"""wskit connect at the end of its input: everything queued is written, the
server's replies are waited for until it has been silent for -w/--wait
seconds (0.5 by default), and only then is the close sent. Python websockets
and Node ws stop answering once they get a close frame, so closing at once
lost their replies."""
import datetime
import json
import subprocess
import time

from harness import WSKIT, TestCase, main


def received(stdout):
    return [e for e in (json.loads(l) for l in stdout.split(b"\n") if l)
            if e["event"] == "message" and e["dir"] == "in"]


class RepliesAreNotLost(TestCase):
    def peers(self):
        yield "python websockets", self.start_python_peer("py_server.py")[1]
        yield "node ws", self.start_node_peer("node_server.cjs")[1]
        yield "wskit echo", self.start_wskit_server("echo", "0")[1]

    def test_one_line_gets_its_reply_every_time(self):
        for name, url in self.peers():
            with self.subTest(peer=name):
                for _ in range(10):
                    r = self.wskit("connect", url, input="hello\n")
                    self.assertExit(r, 0)
                    self.assertEqual(r.stdout, b"hello\n")

    def test_execute_gets_its_reply(self):
        for name, url in self.peers():
            with self.subTest(peer=name):
                r = self.wskit("connect", "-x", "hello", "-x", "again", url)
                self.assertExit(r, 0)
                self.assertEqual(r.stdout, b"hello\nagain\n")

    def test_a_hundred_thousand_lines_all_come_back_in_order(self):
        lines = b"".join(b"%d\n" % i for i in range(1, 100001))
        for name, url in self.peers():
            with self.subTest(peer=name):
                r = self.wskit("connect", url, input=lines, timeout=120)
                self.assertExit(r, 0)
                self.assertEqual(r.stdout, lines)

    def test_wait_zero_closes_as_soon_as_everything_is_written(self):
        _, url = self.start_wskit_server("echo", "0")
        r = self.wskit("connect", "-w", "0", "--json", "--timestamps", url, input="x\n")
        self.assertExit(r, 0)
        # wskit echo answers what came before the close; the close is ours.
        events = [json.loads(l) for l in r.stdout.split(b"\n") if l]
        self.assertEqual(events[-1]["event"], "close")
        self.assertEqual(events[-1]["dir"], "out")
        # Without -w 0 it would wait half a second of silence after the
        # reply. Timed by the client's own events, from the open: the time a
        # process takes to start (long under ASan) is no part of it.
        def at(event):
            return datetime.datetime.strptime(event["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
        self.assertLess(at(events[-1]) - at(events[0]), 0.3, events)

    def test_silence_is_counted_from_the_last_reply(self):
        # py_server sends its --send messages at once; the default wait of
        # 0.5 s starts after the last of them, so all are printed.
        _, url = self.start_python_peer("py_server.py", "--send", "one", "--send", "two", "--silent")
        r = self.wskit("connect", url, input="")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"one\ntwo\n")

    def test_keep_open_does_not_close_at_the_end_of_input(self):
        _, url = self.start_wskit_server("echo", "0")
        r = self.wskit("connect", "--keep-open", "--timeout", "1.5", url, input="x\n")
        self.assertExit(r, 7)  # still open when --timeout ends it
        self.assertEqual(r.stdout, b"x\n")


class CountAndUntilNeverHang(TestCase):
    """--count, -1 and --until at the end of input: not met once the server
    has been silent for -w, they end the run with exit 7 and say so; before,
    a server that sent fewer kept a script waiting forever."""

    def assertGaveUp(self, r, message, started, wait=0.5):
        self.assertExit(r, 7)
        err = r.stderr.decode()
        self.assertIn(message, err)
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertLess(time.monotonic() - started, wait + 5)

    def test_count_not_reached_after_stdin_ends(self):
        _, url = self.start_wskit_server("echo", "0")
        start = time.monotonic()
        r = self.wskit("connect", "--count", "2", url, input="one\n")
        self.assertGaveUp(r, "wskit: --count not reached (1 of 2)", start)
        self.assertEqual(r.stdout, b"one\n")

    def test_the_readme_subscription_example_with_a_server_that_sends_fewer(self):
        _, url = self.start_python_peer("py_server.py", "--send", "a", "--send", "b", "--silent")
        start = time.monotonic()
        r = self.wskit("connect", "-x", '{"op":"sub"}', "--count", "10", "--json", url)
        self.assertGaveUp(r, "--count not reached (2 of 10)", start)
        self.assertEqual([e["text"] for e in received(r.stdout)], ["a", "b"])

    def test_until_not_matched_and_once_without_a_message(self):
        _, url = self.start_python_peer("py_server.py", "--send", "progress", "--silent")
        start = time.monotonic()
        r = self.wskit("connect", "-x", "go", "--until", "^done$", "-w", "0.2", url)
        self.assertGaveUp(r, "--until not matched", start, wait=0.2)
        self.assertEqual(r.stdout, b"progress\n")
        _, silent = self.start_python_peer("py_server.py", "--silent")
        start = time.monotonic()
        r = self.wskit("connect", "-x", "go", "-1", silent)
        self.assertGaveUp(r, "-1/--once: no message received", start)

    def test_a_server_that_closes_first_is_named(self):
        _, url = self.start_python_peer("py_server.py", "--send", "a", "--close", "1000")
        r = self.wskit("connect", "--count", "2", "--keep-open", url)
        self.assertExit(r, 7)
        self.assertIn("--count not reached (1 of 2): the connection closed first", r.stderr.decode())

    def test_met_in_time_still_exits_0(self):
        _, url = self.start_python_peer("py_server.py", "--send", "a", "--send", "b", "--silent")
        r = self.wskit("connect", "-x", "go", "--count", "2", url)
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"a\nb\n")
        self.assertEqual(r.stderr, b"")

    def test_keep_open_waits_for_the_server_as_long_as_it_takes(self):
        # -w 0 would give up as soon as "hi" is written; --keep-open waits
        # for the two messages listen sends only after it has read "hi".
        listen, url = self.start_wskit_server("listen", "--json", "0", stdin=subprocess.PIPE)
        self.addCleanup(listen.proc.stdin.close)
        client = self.start([WSKIT, "connect", "-x", "hi", "-w", "0", "--keep-open", "--count", "2", url])
        listen.wait_line(r'"dir":"in".*"text":"hi"', "stdout")
        listen.proc.stdin.write(b"one\ntwo\n")
        listen.proc.stdin.flush()
        self.assertEqual(client.wait(), 0, client.seen)
        self.assertEqual(client.seen["stdout"], ["one", "two"])


class ServerClosesFirst(TestCase):
    def test_an_immediate_1008_is_seen_with_its_reason(self):
        _, url = self.start_python_peer("py_server.py", "--close", "1008")
        for args in (["-x", "hello"], []):
            r = self.wskit("connect", "--json", *args, url, input="hello\n")
            self.assertExit(r, 6)
            close = [json.loads(l) for l in r.stdout.split(b"\n") if l][-1]
            self.assertEqual((close["event"], close["code"], close["reason"], close["dir"]),
                             ("close", 1008, "bye", "in"))
            self.assertIn("code 1008 (policy violation: the server refused something this client sent or did), "
                          "reason: bye", r.stderr.decode())

    def test_human_output_says_it_once(self):
        _, url = self.start_python_peer("py_server.py", "--close", "4000")
        r = self.wskit("connect", "--output", "human", "--color", "never", url, input="")
        self.assertExit(r, 6)
        self.assertIn(b"disconnected (code 4000, reason: bye)", r.stdout)
        self.assertEqual(r.stderr, b"")

    def test_the_servers_code_decides_even_after_our_close(self):
        # -w 0 sends our close right after the message; the server has
        # already failed the connection with 1009 for the oversized message.
        _, url = self.start_wskit_server("echo", "0", "--max-size", "10")
        r = self.wskit("connect", "-w", "0", "--json", url, input="x" * 100 + "\n")
        self.assertExit(r, 6)
        self.assertIn("1009", r.stderr.decode())

    def test_an_echo_of_our_own_close_code_is_success(self):
        _, url = self.start_wskit_server("echo", "0")
        r = self.wskit("connect", "--close-code", "4000", "--close-reason", "done", url, input="x\n")
        self.assertExit(r, 0)


if __name__ == "__main__":
    main()
