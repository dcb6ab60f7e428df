"""wskit bench tells the truth about its target: against a server that is not
what the mode needs (a chat room in echo mode, a server that never echoes, a
chat room's rate limit in fan-out) it says why and fails with the exit
status of the table instead of printing numbers from 10 ms; the first error
names the close code and reason; the man page's fan-out example works as
written against broadcast-chat; --output json, rounded numbers and counted
nouns; repeated -H lines; and the descriptors counted when they run out."""
import json
import os
import re
import subprocess
import threading

import rawws  # noqa: E402
from harness import SOURCE_DIR, WSKIT, TestCase, main  # noqa: E402


class NotTheServerTheModeNeeds(TestCase):
    def test_echo_mode_against_a_chat_room_says_it_is_no_echo_server(self):
        # The room relays each message to everyone, prefixed with a name (not an
        # echo), and closes a client over its rate with 1008. A rate of 2/s:
        # bench sends on each reply, which a loaded machine slows below 10/s.
        _, url = self.start_wskit_server("broadcast-chat", "--history", "0", "--rate", "2", "0")
        r = self.wskit("bench", "-d", "10", url)
        self.assertExit(r, 6)
        err = r.stderr.decode()
        self.assertRegex(err, r"^wskit: all 10 connections were closed by the server after [\d.]+ m?s "
                              r"\(1008: more than 2 messages per second\)")
        self.assertIn("not an echo server? try --mode fanout", err)
        self.assertEqual(len(err.splitlines()), 1, err)
        out = r.stdout.decode()
        self.assertRegex(out, r"errors +\d+ \(.*closed 10,")
        self.assertRegex(out, r"first error +")
        doc = json.loads(self.wskit("bench", "--json", "-d", "10", url).stdout)
        self.assertRegex(doc["error"], r"^all 10 connections were closed by the server .*: not an echo server\?")
        self.assertEqual(doc["errors"]["closed"], 10)

    def test_a_server_that_never_echoes_is_a_timeout(self):
        _, url = self.start_python_peer("broken_server.py", "mute")
        r = self.wskit("bench", "-c", "2", "-d", "0.5", url)
        self.assertExit(r, 7)
        self.assertRegex(r.stderr.decode(), r"^wskit: no echo came back in \d+ ms: not an echo server\?")
        self.assertRegex(r.stdout.decode(), r"echoes +0 ")

    def test_the_first_error_names_the_close_code_and_reason_escaped(self):
        _, url = self.start_python_peer("broken_server.py", "goodbye")
        r = self.wskit("bench", "-c", "2", "-d", "10", url)
        self.assertExit(r, 6)
        self.assertIn(r"first error           the server closed a connection with 4000: go away \x1b[31mnow",
                      r.stdout.decode())
        self.assertRegex(r.stderr.decode(), r"^wskit: all 2 connections were closed by the server after \d+ ms "
                                            r"\(4000: go away \\x1b\[31mnow\)\n$")
        self.assertNotIn(b"\x1b", r.stdout + r.stderr)
        doc = json.loads(self.wskit("bench", "--json", "-c", "2", "-d", "10", url).stdout)
        self.assertEqual(doc["errors"]["first"], "the server closed a connection with 4000: go away \x1b[31mnow")


class FanoutAgainstChat(TestCase):
    def test_a_rate_limited_sender_is_named_with_the_way_out(self):
        _, url = self.start_wskit_server("broadcast-chat", "--history", "0", "0")
        r = self.wskit("bench", "--mode", "fanout", "-c", "3", "-d", "10", url + "room")
        self.assertExit(r, 6)
        self.assertRegex(r.stderr.decode(),
                         r"^wskit: the sender was closed by the server after [\d.]+ m?s \(1008: more than 10 messages "
                         r"per second\): a rate limit\? lower --rate \(1000 msg/s over 1 sender\), or lift the "
                         r"server's \(wskit chat --rate 0\)\n$")
        self.assertIn("first error           the server closed a sender with 1008: more than 10 messages per second",
                      r.stdout.decode())

    def test_the_man_page_example_works_as_written(self):
        with open(os.path.join(SOURCE_DIR, "man", "wskit-bench.1")) as f:
            page = f.read().replace("\\-", "-")
        # The example's text names the chat it runs against; its command is the block after it.
        m = re.search(r"'(wskit chat [^']*9000)'[^\n]*\n\.PP\n\.in \+4n\n\.EX\n(wskit bench --mode fanout [^\n]*)", page)
        self.assertIsNotNone(m, "no fan-out example against wskit chat in man/wskit-bench.1")
        chat, bench = m.group(1).split(), m.group(2).split()
        self.assertEqual(chat[:2], ["wskit", "chat"])
        _, url = self.start_wskit_server(*chat[1:-1], "0")  # port 0 for 9000
        args = [url + "room" if a == "ws://127.0.0.1:9000/room" else a for a in bench[2:]]
        self.assertIn(url + "room", args)
        r = self.wskit("bench", *args, "-d", "1", "--json", timeout=60)  # as written, for one second
        self.assertExit(r, 0)
        doc = json.loads(r.stdout)
        self.assertEqual((doc["connections"], doc["senders"]), (50, 2))
        self.assertEqual(doc["errors"]["total"], 0, doc["errors"])
        self.assertEqual((doc["lost"], doc["duplicated"]), (0, 0))
        self.assertGreater(doc["measured"], 0)
        self.assertIsNone(doc["error"])


class Output(TestCase):
    def test_output_json_is_json_and_numbers_are_rounded(self):
        _, url = self.start_wskit_server("echo", "0")
        r = self.wskit("bench", "--output", "json", "-c", "2", "-n", "200", url)
        self.assertExit(r, 0)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["received"], 200)
        for name, value in doc["latency_us"].items():
            if name != "count":
                self.assertEqual(round(value, 1), value, (name, value))
        self.assertIsInstance(doc["per_second"], int)
        self.assertEqual(round(doc["mb_per_second"], 3), doc["mb_per_second"])
        self.assertEqual(round(doc["seconds"], 3), doc["seconds"])
        self.assertEqual(round(doc["client_cpu_percent"], 1), doc["client_cpu_percent"])
        self.assertNotRegex(r.stdout.decode(), r"\d\.\d{4,}")  # no 17-digit noise anywhere
        human = self.wskit("bench", "--output", "human", "-n", "10", url)
        self.assertExit(human, 0)
        self.assertIn("latency", human.stdout.decode())
        clash = self.wskit("bench", "--output", "human", "--json", url)
        self.assertExit(clash, 2)
        self.assertIn("ask for different output formats", clash.stderr.decode())

    def test_one_of_a_kind_is_not_plural(self):
        _, url = self.start_python_peer("py_broadcast_server.py")
        r = self.wskit("bench", "--mode", "fanout", "-c", "1", "--senders", "1", "--rate", "50", "-d", "0.3", url)
        self.assertExit(r, 0)
        out = r.stdout.decode()
        self.assertIn("load                  1 receiver, 1 sender, 32 B", out)
        self.assertNotRegex(out, r"\b1 (connections|receivers|senders|messages|threads)\b")
        _, echo = self.start_wskit_server("echo", "0")
        r = self.wskit("bench", "-c", "1", "-n", "1", echo)
        self.assertIn("load                  1 connection x 1 in flight", r.stdout.decode())


class RequestHeaders(TestCase):
    def test_repeated_headers_go_out_in_order_and_replace_the_own_ones(self):
        server = rawws.RawServer()
        self.addCleanup(server.close)
        got = {}

        # RawServer.accept() parses the head into a dict (repeats joined): read it raw instead.
        def serve_raw():
            s, _ = server.sock.accept()
            c = rawws.Conn(s)
            while b"\r\n\r\n" not in c.buf:
                if not c._fill():
                    break
            got["head"] = c.buf.decode("latin-1")
            c.send(rawws.handshake_response("", status="403 Forbidden"))
            c.close()

        t = threading.Thread(target=serve_raw, daemon=True)
        t.start()
        r = self.wskit("bench", "-c", "1", "-d", "5", "-H", "Cookie: a=1", "-H", "User-Agent: load/2",
                       "-H", "Cookie: b=2", "-H", "Host: virtual.test", server.url)
        t.join(timeout=10)
        self.assertExit(r, 5)
        lines = got["head"].split("\r\n")
        names = [line.split(":", 1)[0].lower() for line in lines[1:] if line]
        self.assertEqual([line for line in lines if line.startswith("Cookie:")], ["Cookie: a=1", "Cookie: b=2"])
        self.assertEqual([line for line in lines if line.lower().startswith("host:")], ["Host: virtual.test"])
        self.assertEqual([line for line in lines if line.lower().startswith("user-agent:")], ["User-Agent: load/2"])
        self.assertEqual(names.count("sec-websocket-key"), 1)
        self.assertIn("403", r.stderr.decode())


class Descriptors(TestCase):
    """Out of descriptors, the list of open ones cannot be read (it takes one):
    the count must not come out as 0."""

    def test_bench_out_of_its_own_descriptors_says_how_many(self):
        _, url = self.start_wskit_server("echo", "0")
        # The hard limit too, so that raising the soft one changes nothing.
        r = subprocess.run(["prlimit", "--nofile=40:40", WSKIT, "bench", "--mode", "idle", "-c", "100", "-d", "0.3",
                            url], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)  # the connections that opened were held and measured
        self.assertRegex(r.stdout.decode(), r"first error +out of file descriptors \(40 of 40 open\): raise the "
                                            r"limit \(ulimit -n\) or open fewer connections")
        self.assertRegex(r.stdout.decode(), r"errors +\d+ \(connect \d+,")

    def test_a_server_out_of_descriptors_counts_them(self):
        server, url = self.start_server(["prlimit", "--nofile=64:64", WSKIT, "echo", "0"])
        r = self.wskit("bench", "--mode", "idle", "-c", "100", "-d", "0.3", "--connect-timeout", "1", url, timeout=60)
        self.assertExit(r, 0)
        server.wait_line(r"wskit: out of file descriptors \(64 of 64 open\); pausing accepts")


if __name__ == "__main__":
    main()
