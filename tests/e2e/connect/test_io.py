"""wskit connect in pipelines: every input mode, every output format, large
volumes with nothing lost or reordered, and a server slow to accept while
stdin is already full."""
import base64
import json
import os
import subprocess
import tempfile

from harness import WSKIT, TestCase, main


def events(stdout):
    # NDJSON: split on LF only (U+2028 inside a string is valid JSON).
    return [json.loads(line) for line in stdout.split(b"\n") if line]


def payloads(stdout):
    """(opcode, bytes) of every message received, from JSON output."""
    out = []
    for e in events(stdout):
        if e["event"] != "message" or e["dir"] != "in":
            continue
        if "base64" in e:
            data = base64.b64decode(e["base64"])
        else:
            data = e["text"].encode("utf-8")
        assert e["size"] == len(data), (e, len(data))
        out.append((e["opcode"], data))
    return out


class InputModes(TestCase):
    """Against `wskit echo`, which answers everything sent before the close,
    so bare stdin EOF is enough; JSON output shows exactly what came back."""

    def setUp(self):
        _, self.url = self.start_wskit_server("echo", "0")

    def sent(self, *flags, input):
        r = self.wskit("connect", "--json", *flags, self.url, input=input)
        self.assertExit(r, 0)
        return payloads(r.stdout)

    def test_lines_lf_crlf_empty_and_unterminated(self):
        self.assertEqual(self.sent(input=b"one\r\ntwo\n\nthree \t\nlast"),
                         [("text", b"one"), ("text", b"two"), ("text", b""),
                          ("text", b"three \t"), ("text", b"last")])

    def test_lines_keep_lone_cr_and_unicode(self):
        self.assertEqual(self.sent(input="a\rb\nünï 🎉\n".encode()),
                         [("text", b"a\rb"), ("text", "ünï 🎉".encode())])

    def test_null_separated(self):
        self.assertEqual(self.sent("-0", input=b"multi\nline\r\n\0second\0\0tail"),
                         [("text", b"multi\nline\r\n"), ("text", b"second"), ("text", b""),
                          ("text", b"tail")])
        self.assertEqual(self.sent("--null", input=b"x\0"), [("text", b"x")])

    def test_paragraphs(self):
        doc = b'{\n  "a": 1,\n  "b": [1, 2]\n}\n\n\n{\n  "c": "d"\n}\n'
        self.assertEqual(self.sent("--paragraph", input=doc),
                         [("text", b'{\n  "a": 1,\n  "b": [1, 2]\n}'), ("text", b'{\n  "c": "d"\n}')])

    def test_whole(self):
        data = "line 1\r\nline 2\n\n\0 and ✓ more\n".encode() * 1000
        self.assertEqual(self.sent("--whole", input=data), [("text", data)])

    def test_binary_lines(self):
        self.assertEqual(self.sent("--binary", input=b"ab\ncd\r\n\xff\xfe\n"),
                         [("binary", b"ab"), ("binary", b"cd"), ("binary", b"\xff\xfe")])

    def test_whole_binary_every_byte_value(self):
        data = bytes(range(256)) * 40
        self.assertEqual(self.sent("--whole", "--binary", input=data), [("binary", data)])

    def test_null_binary(self):
        self.assertEqual(self.sent("-0", "--binary", input=b"\n\xff\n\0\r\n\0"),
                         [("binary", b"\n\xff\n"), ("binary", b"\r\n")])

    def test_hex(self):
        self.assertEqual(self.sent("--hex", input=b"48656c6c6f\r\nFF00\n48 69\n"),
                         [("binary", b"Hello"), ("binary", b"\xff\x00"), ("binary", b"Hi")])

    def test_base64(self):
        blob = bytes(range(256))
        self.assertEqual(self.sent("--base64", input=b"SGVsbG8=\n/wA=\n" + base64.b64encode(blob) + b"\n"),
                         [("binary", b"Hello"), ("binary", b"\xff\x00"), ("binary", blob)])

    def test_paragraph_hex(self):
        self.assertEqual(self.sent("--paragraph", "--hex", input=b"0001\n0203\n\nff\n"),
                         [("binary", b"\x00\x01\x02\x03"), ("binary", b"\xff")])

    def test_bad_hex_is_reported_not_sent(self):
        r = self.wskit("connect", "--json", "--hex", self.url, input=b"zz\n")
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(payloads(r.stdout), [])
        self.assertTrue(r.stderr.startswith(b"wskit: "), r.stderr)
        self.assertIn(b"hex", r.stderr)


class OutputFormats(TestCase):
    def setUp(self):
        _, self.url = self.start_wskit_server("echo", "0")

    def test_raw_is_payloads_only(self):
        r = self.wskit("connect", "--raw", self.url, input="a\nb b\n")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"a\nb b\n")
        # Not a TTY: raw is the default.
        r = self.wskit("connect", self.url, input="a\nb b\n")
        self.assertEqual(r.stdout, b"a\nb b\n")

    def test_raw_binary_written_as_is(self):
        data = bytes(range(256))
        r = self.wskit("connect", "--output", "raw", "--whole", "--binary", self.url, input=data)
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, data)

    def test_null_output_pairs_with_null_input_byte_for_byte(self):
        # Binary units holding newlines, every byte value but NUL, and an
        # empty one: what comes back is the input, byte for byte.
        data = b"a\nb\0" + bytes(range(1, 256)) + b"\0\0last\r\n\0"
        for flags in (["-0", "--binary"], ["--null", "--binary", "--raw"]):
            with self.subTest(flags=flags):
                r = self.wskit("connect", *flags, self.url, input=data)
                self.assertExit(r, 0)
                self.assertEqual(r.stdout, data)
        # Text too: a message holding newlines stays one record.
        r = self.wskit("connect", "-0", self.url, input=b"multi\nline\0second\0")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"multi\nline\0second\0")
        self.assertEqual(r.stdout.split(b"\0")[:-1], [b"multi\nline", b"second"])

    def test_null_output_of_listen(self):
        listen, url = self.start_wskit_server("listen", "-0", "--raw", "0")
        r = self.wskit("connect", "-0", "--binary", url, input=b"one\ntwo\0\x01\0")
        self.assertExit(r, 0)
        listen.signal(15)
        self.assertEqual(listen.wait(), 143)
        self.assertEqual(listen.seen["stdout"], ["one", "two\x00\x01\x00"])

    def test_json_round_trips_text_that_needs_escaping(self):
        text = 'quote " backslash \\ tab \t bell \x07 del \x7f nul \x00 ls \u2028 emoji 🎉 é'
        r = self.wskit("connect", "--json", "--whole", self.url, input=text.encode())
        self.assertExit(r, 0)
        self.assertEqual(payloads(r.stdout), [("text", text.encode())])
        for line in r.stdout.split(b"\n")[:-1]:
            json.loads(line)  # every line is one complete JSON object

    def test_json_round_trips_invalid_utf8_binary(self):
        data = b"\xff\xfe\xc3(\xed\xa0\x80 valid \xe2\x82\xac \x00"
        r = self.wskit("connect", "--json", "--whole", "--binary", self.url, input=data)
        self.assertExit(r, 0)
        (ev,) = [e for e in events(r.stdout) if e["event"] == "message" and e["dir"] == "in"]
        self.assertEqual(ev["opcode"], "binary")
        self.assertEqual(base64.b64decode(ev["base64"]), data)

    def test_json_events(self):
        r = self.wskit("connect", "--json", self.url, input="x\n")
        self.assertExit(r, 0)
        ev = events(r.stdout)
        # Messages sent are events too, in the order they happened.
        self.assertEqual([(e["event"], e.get("dir")) for e in ev],
                         [("open", None), ("message", "out"), ("message", "in"), ("close", "out")])
        self.assertEqual(ev[0]["url"], self.url)
        self.assertEqual(ev[3]["code"], 1000)
        self.assertIs(ev[3]["clean"], True)
        self.assertEqual([e["ts"] for e in ev], sorted(e["ts"] for e in ev))
        for e in ev:
            self.assertIn("ts", e)
            self.assertIn("conn", e)

    def test_human(self):
        env = dict(os.environ, NO_COLOR="1")
        r = self.wskit("connect", "--output", "human", self.url, input="hello there\n", env=env)
        self.assertExit(r, 0)
        self.assertIn(b"< hello there\n", r.stdout)
        data = b"\x00\x01AB\xff"
        r = self.wskit("connect", "--output", "human", "--whole", "--binary", self.url, input=data)
        self.assertExit(r, 0)
        out = r.stdout.decode()
        self.assertIn("< [binary 5 B]", out)
        self.assertIn("00 01 41 42 ff", out)
        self.assertNotIn("\x1b[", out)  # no color when stdout is not a TTY


class Volume(TestCase):
    N = 100_000

    def lines(self):
        return b"".join(b"line %d\n" % i for i in range(self.N))

    def test_100k_lines_through_wskit_echo_with_bare_eof(self):
        _, url = self.start_wskit_server("echo", "0")
        data = self.lines()
        r = self.wskit("connect", url, input=data, timeout=60)
        self.assertExit(r, 0)
        self.assertEqual(r.stdout.count(b"\n"), self.N)
        self.assertEqual(r.stdout, data)

    def test_100k_lines_from_a_file_through_wskit_echo(self):
        _, url = self.start_wskit_server("echo", "0")
        data = self.lines()
        with tempfile.TemporaryFile() as f:
            f.write(data)
            f.seek(0)
            r = subprocess.run([WSKIT, "connect", url], stdin=f, capture_output=True, timeout=60)
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, data)

    def test_100k_lines_through_python_websockets(self):
        _, url = self.start_python_peer("py_server.py")
        data = self.lines()
        r = self.wskit("connect", "--count", str(self.N), url, input=data, timeout=90)
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, data)

    def test_100k_lines_through_node_ws(self):
        _, url = self.start_node_peer("node_server.cjs")
        data = self.lines()
        r = self.wskit("connect", "--count", str(self.N), url, input=data, timeout=60)
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, data)


class SlowAccept(TestCase):
    """The server takes a second to answer the handshake while the client's
    stdin already holds thousands of messages: none may be lost."""
    N = 20_000

    def lines(self):
        return b"".join(b"early %d\n" % i for i in range(self.N))

    def test_python_websockets_slow_to_accept_stdin_pipe_full(self):
        _, url = self.start_python_peer("py_server.py", "--delay-accept", "1")
        data = self.lines()  # more than a pipe buffer: the writer blocks
        r = self.wskit("connect", "--count", str(self.N), url, input=data, timeout=60)
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, data)

    def test_node_ws_slow_to_accept_stdin_file(self):
        _, url = self.start_node_peer("node_server.cjs", "--delay-accept", "1000")
        data = self.lines()
        with tempfile.TemporaryFile() as f:
            f.write(data)
            f.seek(0)
            r = subprocess.run([WSKIT, "connect", "--count", str(self.N), url], stdin=f,
                               capture_output=True, timeout=60)
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, data)

    def test_whole_binary_read_before_open_is_sent_intact(self):
        _, url = self.start_python_peer("py_server.py", "--delay-accept", "1")
        data = os.urandom(300_000)
        r = self.wskit("connect", "--whole", "--binary", "--once", url, input=data, timeout=30)
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, data)


if __name__ == "__main__":
    main()
