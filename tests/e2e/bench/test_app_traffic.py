"""wskit bench's application traffic in echo mode, seen from the server
(peers/py_json_server.py logs every message it receives): templates rendered
right ({seq} per {conn}, {rand:N}, {file:PATH} in turn, {ts_us}, {{ and JSON
braces), several templates and --messages-from in turn, --first sent first on
every connection and not measured, --match pairing replies that come in
reverse or after pushes (unmatched counted), in-order pairing against an echo,
requests without the match field as protocol errors, --binary and --compress
with templates, and the usage errors (exit 2, before connecting)."""
import json
import os
import shutil
import tempfile
import time

from harness import TestCase, free_port, main

JSON_SERVER = "py_json_server.py"


class AppTraffic(TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wskit-app-traffic-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def path(self, name, content=None):
        p = os.path.join(self.tmp, name)
        if content is not None:
            with open(p, "w") as f:
                f.write(content)
        return p

    def json_server(self, *args):
        """A py_json_server logging to a file: (process, url, log path)."""
        log = self.path(f"server-{len(os.listdir(self.tmp))}.ndjson")
        proc, url = self.start_python_peer(JSON_SERVER, "--log", log, *args)
        return proc, url, log

    def bench(self, url, *args, code=0, timeout=30):
        # --json right before the URL: the repeatable options (--message,
        # --first) must not be the last one before it (see test_a_repeatable_option_leaves_the_url).
        r = self.wskit("bench", *args, "--json", url, timeout=timeout)
        self.assertExit(r, code)
        return json.loads(r.stdout)

    def closed(self, server, n):
        """Waits for n connections to end on the server; their close codes."""
        return [int(server.wait_line(r"closed conn=\d+ code=(\d+)").group(1)) for _ in range(n)]

    @staticmethod
    def messages(log):
        """The messages the server received, by its connection number, in order."""
        by_conn = {}
        with open(log) as f:
            for line in f:
                e = json.loads(line)
                if e["event"] == "message":
                    by_conn.setdefault(e["conn"], []).append(e)
        return by_conn

    @staticmethod
    def count_events(log, kind):
        with open(log) as f:
            return sum(1 for line in f if json.loads(line)["event"] == kind)

    def test_placeholders_render_per_connection(self):
        lines = self.path("lines.txt", "alpha\n\nbeta\r\ngamma\n")
        server, url, log = self.json_server()
        before = time.time() * 1e6
        template = ('{"id":{seq},"c":{conn},"r":{rand:5},"f":"{file:' + lines + '}","t":{ts_us},'
                    '"lit":"{} {Seq} {a b}","nested":{"x":[{"y":1}]}}')
        r = self.bench(url, "-c", "3", "-d", "1", "--message", template)
        after = time.time() * 1e6
        self.closed(server, 3)
        self.assertEqual(r["errors"]["total"], 0, r["errors"]["first"])
        got = self.messages(log)
        self.assertEqual(len(got), 3)
        conns, rands, files = set(), set(), []
        for messages in got.values():
            docs = [json.loads(m["data"]) for m in messages]  # JSON braces came through as JSON
            self.assertGreater(len(docs), 5)
            # One {conn} per connection, {seq} 0, 1, 2... on each.
            self.assertEqual(len({d["c"] for d in docs}), 1, docs[:3])
            conns.add(docs[0]["c"])
            self.assertEqual([d["id"] for d in docs], list(range(len(docs))))
            stamps = [d["t"] for d in docs]
            self.assertEqual(stamps, sorted(stamps))
            self.assertGreaterEqual(stamps[0], before)
            self.assertLessEqual(stamps[-1], after)
            for d in docs:
                self.assertEqual(d["lit"], "{} {Seq} {a b}")
                self.assertEqual(d["nested"], {"x": [{"y": 1}]})
                rands.add(d["r"])
                files.append(d["f"])
        self.assertEqual(conns, {0, 1, 2})
        self.assertTrue(rands <= set(range(5)), rands)
        self.assertGreater(len(rands), 1)
        # The file's non-blank lines, taken in turn across the run: each as often as the others (within one).
        counts = [files.count(w) for w in ("alpha", "beta", "gamma")]
        self.assertEqual(sum(counts), len(files), set(files))
        self.assertLessEqual(max(counts) - min(counts), 1, counts)

    def test_file_lines_in_turn_on_one_connection(self):
        lines = self.path("lines.txt", "one\ntwo\nthree\n")
        server, url, log = self.json_server()
        r = self.bench(url, "-c", "1", "-n", "7", "--message", '{"id":{seq},"f":"{file:' + lines + '}"}')
        self.assertEqual(r["received"], 7)
        self.closed(server, 1)
        (messages,) = self.messages(log).values()
        self.assertEqual([json.loads(m["data"])["f"] for m in messages],
                         ["one", "two", "three", "one", "two", "three", "one"])

    def test_double_brace_is_a_literal_brace(self):
        server, url, log = self.json_server()
        self.bench(url, "-c", "1", "-n", "3", "--message", "{{seq} is {seq}; {{{conn}}")
        self.closed(server, 1)
        (messages,) = self.messages(log).values()
        self.assertEqual([m["data"] for m in messages], ["{seq} is 0; {0}", "{seq} is 1; {0}", "{seq} is 2; {0}"])

    def test_templates_and_messages_from_in_turn(self):
        more = self.path("more.txt", '{"id":{seq},"op":"c"}\n\n\r\n{"id":{seq},"op":"d"}\r\n')
        server, url, log = self.json_server()
        r = self.bench(url, "-c", "2", "--threads", "2", "-n", "18", "--message", '{"id":{seq},"op":"a"}',
                       "--message", '{"id":{seq},"op":"b"}', "--messages-from", more)
        self.assertEqual((r["sent"], r["received"]), (18, 18))
        self.closed(server, 2)
        got = self.messages(log)
        self.assertEqual(sorted(len(m) for m in got.values()), [9, 9])
        for messages in got.values():
            docs = [json.loads(m["data"]) for m in messages if m["data"].strip()]
            self.assertEqual([d["op"] for d in docs], ["a", "b", "c", "d", "a", "b", "c", "d", "a"])
            self.assertEqual([d["id"] for d in docs], list(range(9)))

    def test_first_messages_come_first_and_are_not_measured(self):
        server, url, log = self.json_server()
        r = self.bench(url, "-c", "3", "-d", "1", "--first", '{"op":"login","c":{conn},"n":{seq}}',
                       "--first", '{"op":"subscribe"}', "--message", '{"id":{seq},"op":"get"}')
        self.closed(server, 3)
        self.assertEqual(r["first_sent"], 6)
        self.assertEqual(r["errors"]["total"], 0, r["errors"]["first"])
        answered = r["sent"] - r["unanswered"]
        self.assertGreater(answered, 10)
        # Every reply but the two to --first on each connection was measured, and only those.
        self.assertEqual(r["received"], answered + 6)
        self.assertEqual((r["measured"], r["latency_us"]["count"]), (answered, answered))
        self.assertEqual(r["unmatched"], 0)
        conns = set()
        for messages in self.messages(log).values():
            docs = [json.loads(m["data"]) for m in messages]
            self.assertEqual(docs[0]["op"], "login")
            self.assertEqual(docs[0]["n"], 0)
            conns.add(docs[0]["c"])
            self.assertEqual(docs[1], {"op": "subscribe"})
            self.assertEqual([d["op"] for d in docs[2:]], ["get"] * (len(docs) - 2))
            self.assertEqual([d["id"] for d in docs[2:]], list(range(len(docs) - 2)))
        self.assertEqual(conns, {0, 1, 2})

    def test_first_replies_are_unmatched_with_match(self):
        server, url, log = self.json_server()
        r = self.bench(url, "-c", "3", "-d", "1", "--first", '{"op":"login"}', "--match", "/id",
                       "--message", '{"id":{seq}}')
        self.assertEqual(r["first_sent"], 3)
        self.assertEqual(r["unmatched"], 3)  # {"id": null} matches no request
        self.assertEqual(r["measured"], r["sent"] - r["unanswered"])
        self.assertEqual(r["errors"]["total"], 0, r["errors"]["first"])

    def test_match_pairs_replies_in_reverse(self):
        # One connection per thread, so that -n gives each an even number of
        # requests: the server answers in pairs, second first.
        server, url, log = self.json_server("--reverse")
        r = self.bench(url, "-c", "2", "--threads", "2", "-w", "2", "-n", "200", "--match", "/id",
                       "--message", '{"id":"r{conn}-{seq}"}')
        self.assertEqual((r["sent"], r["received"], r["measured"], r["unanswered"]), (200, 200, 200, 0))
        self.assertEqual(r["latency_us"]["count"], 200)
        self.assertEqual((r["match"], r["templates"]), ("/id", 1))
        self.assertEqual(r["unmatched"], 0)
        self.assertEqual(r["errors"]["total"], 0, r["errors"]["first"])

    def test_match_counts_pushes_as_unmatched(self):
        server, url, log = self.json_server("--push-every", "3", "--reverse")
        r = self.bench(url, "-c", "2", "-w", "4", "-d", "1", "--match", "/id", "--message", '{"id":{seq}}')
        self.closed(server, 2)
        pushes = self.count_events(log, "push")
        self.assertGreater(pushes, 10)
        self.assertEqual(r["errors"]["total"], 0, r["errors"]["first"])
        # Every push the client read is unmatched; those it did not read were
        # still in flight when the run ended (at most a window's worth each).
        self.assertLessEqual(r["unmatched"], pushes)
        self.assertGreaterEqual(r["unmatched"], pushes - 2 * 4)
        self.assertEqual(r["received"], r["measured"] + r["unmatched"])
        self.assertEqual(r["latency_us"]["count"], r["measured"])
        self.assertEqual(r["measured"], r["sent"] - r["unanswered"])

    def test_n_counts_replies_not_pushes_or_first_replies(self):
        # -n N stops once N requests are answered: replies to --first and
        # unsolicited messages are no answers.
        for name, args, server_args in (("first", ["--first", '{"op":"login"}'], []),
                                        ("pushes", [], ["--push-every", "2"])):
            with self.subTest(name):
                server, url, log = self.json_server("--delay-ms", "20", *server_args)
                r = self.bench(url, "-c", "2", "-n", "30", "--match", "/id", "--message", '{"id":{seq}}', *args)
                self.assertEqual((r["sent"], r["measured"], r["unanswered"]), (30, 30, 0), r)

    def test_drop_id_replies_are_unmatched_and_their_requests_unanswered(self):
        # Every 10th reply lacks its id: with 8 in flight, the connection
        # stalls once 8 requests have lost their replies (80 sent).
        server, url, log = self.json_server("--drop-id-every", "10")
        r = self.bench(url, "-c", "1", "-w", "8", "-d", "1", "--match", "/id", "--message", '{"id":{seq}}')
        self.assertEqual((r["sent"], r["received"], r["unmatched"], r["unanswered"], r["measured"]),
                         (80, 80, 8, 8, 72))

    def test_in_order_pairing_against_an_echo(self):
        _, url = self.start_wskit_server("echo", "0")
        r = self.bench(url, "-c", "2", "-w", "4", "-n", "400", "--message", "hello {conn}/{seq} {rand:100}")
        self.assertEqual((r["sent"], r["received"], r["measured"], r["unanswered"]), (400, 400, 400, 0))
        self.assertEqual((r["first_sent"], r["unmatched"]), (0, 0))
        self.assertIsNone(r["match"])
        self.assertEqual(r["latency_us"]["count"], 400)
        self.assertEqual(r["errors"]["total"], 0, r["errors"]["first"])

    def test_requests_without_the_match_field_are_protocol_errors(self):
        server, url, log = self.json_server()
        # Every other request has no id: on each connection seq 0 is
        # answered, seq 1 fails and stays in flight (the window is full).
        r = self.bench(url, "-c", "2", "-d", "1", "--match", "/id", "--message", '{"id":{seq}}',
                       "--message", '{"op":"no id"}')
        self.assertEqual(r["errors"]["protocol"], 2)
        self.assertEqual(r["errors"]["first"], "a request has no field /id to match its reply by: '{\"op\":\"no id\"}'")
        self.assertEqual((r["sent"], r["measured"], r["unmatched"]), (4, 2, 2))
        # None has it: nothing measured, and the message says where to look.
        r = self.wskit("bench", "-c", "2", "-d", "1", "--match", "/id", "--message", '{"op":"x"}', "-q", url)
        self.assertExit(r, 7)
        self.assertRegex(r.stderr.decode(), r"^wskit: no reply came back in .*2 replies matched no request by /id")
        # The same id twice in flight.
        r = self.bench(url, "-c", "1", "-w", "2", "-d", "0.5", "--match", "/id", "--message", '{"id":1}')
        self.assertGreater(r["errors"]["protocol"], 0)
        self.assertIn("two requests in flight have the same /id (1): put {seq} in it", r["errors"]["first"])

    def test_binary_templates(self):
        server, url, log = self.json_server()
        r = self.bench(url, "-c", "2", "-n", "40", "--binary", "--match", "/id", "--message", '{"id":{seq},"op":"b"}')
        self.assertEqual((r["received"], r["measured"], r["unmatched"]), (40, 40, 0))
        self.assertTrue(r["binary"])
        r = self.bench(url, "-c", "1", "-n", "3", "--binary", "--message", b"\xff{seq}\xfe")
        self.assertEqual(r["measured"], 3)
        self.closed(server, 3)
        got = self.messages(log)
        everything = [m for messages in got.values() for m in messages]
        self.assertEqual(len(everything), 43)
        self.assertTrue(all(m["binary"] for m in everything))
        raw = [m["data"] for m in everything if not m["data"].startswith("{")]
        self.assertEqual(raw, ["\xff0\xfe", "\xff1\xfe", "\xff2\xfe"])

    def test_compressed_templates(self):
        # The server inflates each request (its log has them as rendered) and
        # compresses every reply, which bench inflates to find the id.
        server, url, log = self.json_server("--deflate")
        pad = "x" * 300
        r = self.bench(url, "-c", "2", "--threads", "2", "-n", "60", "--compress", "--match", "/id",
                       "--message", '{"id":{seq},"pad":"' + pad + '","c":{conn}}')
        self.assertEqual((r["received"], r["measured"], r["unmatched"]), (60, 60, 0))
        self.assertEqual(r["errors"]["total"], 0, r["errors"]["first"])
        self.assertEqual(r["compression"]["agreed"], 2)
        for _ in range(2):
            server.wait_line(r"open conn=\d+ extensions=permessage-deflate")
        self.closed(server, 2)
        for messages in self.messages(log).values():
            docs = [json.loads(m["data"]) for m in messages]
            self.assertEqual([d["id"] for d in docs], list(range(30)))
            self.assertTrue(all(d["pad"] == pad for d in docs))
        # In order against an echo that compresses everything (Node ws, threshold 0).
        _, echo = self.start_node_peer("node_deflate.cjs", "server")
        r = self.bench(echo, "-c", "2", "-n", "50", "--compress", "--message", '{"n":{seq},"pad":"' + pad + '"}')
        self.assertEqual((r["received"], r["measured"]), (50, 50))
        self.assertEqual(r["errors"]["total"], 0, r["errors"]["first"])
        self.assertEqual(r["compression"]["agreed"], 2)

    def test_usage_errors_exit_2_before_connecting(self):
        url = f"ws://127.0.0.1:{free_port()}/"  # nothing listens: a run would exit 3
        for args, says in ((["--message", '{"id":{sq}}'], "wskit: unknown placeholder {sq}: "),
                           (["--first", "{rand:0}"], "wskit: {rand:0}: rand takes a whole number above 0"),
                           (["--match", "/id"], "wskit: --match pairs replies with requests: give the requests"),
                           (["--match", "id", "--message", "{seq}"], "wskit: --match takes a JSON Pointer"),
                           (["--match", "/id", "--message", "{seq}", "--mode", "idle"], "go with --mode echo"),
                           (["--message", b"\xff{seq}"], "not valid UTF-8: send it with --binary"),
                           (["--mode", "fanout", "--message", "x"], "go with --mode echo")):
            with self.subTest(args=args):
                r = self.wskit("bench", "-c", "1", *args, "-d", "1", url)
                self.assertExit(r, 2)
                err = r.stderr.decode("utf-8", "replace")
                self.assertTrue(err.startswith("wskit: "), err)
                self.assertIn(says, err)
                self.assertEqual(len(err.splitlines()), 1, err)
        missing = os.path.join(self.tmp, "missing.txt")
        for args in (["--messages-from", missing], ["--message", "{file:" + missing + "}"]):
            with self.subTest(args=args):
                r = self.wskit("bench", "-c", "1", *args, "-d", "1", url)
                self.assertExit(r, 1)
                self.assertEqual(r.stderr.decode(), f"wskit: {missing}: cannot be read\n")

    def test_a_repeatable_option_leaves_the_url(self):
        # As -H and -s do: "--message T URL" is a template and a URL, not two templates.
        _, url = self.start_wskit_server("echo", "0")
        for option, value in (("--message", "m {seq}"), ("--first", "hello")):
            with self.subTest(option):
                r = self.wskit("bench", "-c", "1", "-n", "3", option, value, url)
                self.assertExit(r, 0)


if __name__ == "__main__":
    main()
