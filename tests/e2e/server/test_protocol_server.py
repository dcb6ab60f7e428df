"""RFC 6455 strictness of `wskit echo` (the server role), checked with a raw
socket client that sends crafted bytes, in the spirit of the Autobahn
test suite's categories: framing, reserved bits and opcodes, fragmentation,
control frames, UTF-8, close codes and reasons, masking, limits, and the
opening handshake (RFC 6455 4.2.1)."""
import socket

import rawws
from rawws import BINARY, CLOSE, CONT, PING, PONG, TEXT, frame, close_frame, close_payload
from harness import EchoServersTestCase, main

MAX_SIZE = 1000


class EchoServer(EchoServersTestCase):
    SMALL_MAX_SIZE = MAX_SIZE

    def ws(self, port=None):
        conn = rawws.ws_connect(port or self.port)
        self.addCleanup(conn.close)
        return conn

    def assertServerFrame(self, f):
        self.assertFalse(f.masked, f"the server masked a frame: {f!r}")
        self.assertEqual(f.rsv, 0, f"the server set reserved bits: {f!r}")

    def assertFails(self, data, code, port=None, before=()):
        """Sends `data` (bytes or frames) after `before` messages are echoed,
        expects the server to fail the connection with a close frame carrying
        `code` and nothing else, then to close the TCP connection once the
        close is acknowledged."""
        conn = self.ws(port)
        for opcode, payload in before:
            conn.send_frame(opcode, payload)
            echo = conn.read_frame()
            self.assertIsNotNone(echo)
            self.assertEqual((echo.opcode, echo.payload), (opcode, payload))
        conn.send(data if isinstance(data, bytes) else b"".join(data))
        frames = []
        try:
            conn.read_frames_until_close(frames)
        except socket.timeout:
            self.fail(f"no close frame within {rawws.TIMEOUT}s: the server let it pass; "
                      f"it sent {frames!r}")
        self.assertTrue(frames and frames[-1].opcode == CLOSE,
                        f"expected a close frame with {code}, got {frames!r} then EOF")
        for f in frames:
            self.assertServerFrame(f)
        self.assertEqual(frames[-1].close_code, code, f"frames: {frames!r}")
        self.assertEqual(len(frames), 1, f"the server sent more than its close frame: {frames!r}")
        try:
            conn.send(close_frame(code))
        except OSError:
            pass  # it may already have dropped the connection
        self.assertTrue(conn.wait_eof(), "the server did not close the TCP connection")
        return frames[-1]

    def assertEchoes(self, data, expected, conn=None):
        """Sends `data`, expects exactly the frames `expected` ((opcode,
        payload) pairs) back, with FIN set."""
        conn = conn or self.ws()
        conn.send(data if isinstance(data, bytes) else b"".join(data))
        got = []
        for _ in expected:
            f = conn.read_frame()
            self.assertIsNotNone(f, f"EOF after {got!r}")
            self.assertServerFrame(f)
            got.append(f)
        self.assertEqual([(f.opcode, f.payload) for f in got], list(expected), f"frames: {got!r}")
        self.assertTrue(all(f.fin for f in got))
        return conn


class Framing(EchoServer):
    def test_text_and_binary_echoed(self):
        self.assertEchoes([frame(TEXT, "hello"), frame(BINARY, b"\x00\xff\x80")],
                          [(TEXT, b"hello"), (BINARY, b"\x00\xff\x80")])

    def test_empty_and_16_bit_and_64_bit_lengths(self):
        big = bytes(range(256)) * 300  # 76800 B: 64-bit length
        mid = b"x" * 300  # 16-bit length
        self.assertEchoes([frame(BINARY, b""), frame(BINARY, mid), frame(BINARY, big)],
                          [(BINARY, b""), (BINARY, mid), (BINARY, big)])

    def test_64_bit_length_with_the_top_bit_set(self):
        # RFC 6455 5.2: the most significant bit of a 64-bit length must be 0;
        # such a frame is malformed (1002), not a message too big (1009).
        for length in (2**63, 2**63 + 5, 2**64 - 1):
            with self.subTest(length=hex(length)):
                self.assertFails(frame(BINARY, b"", length=length), 1002)

    def test_huge_64_bit_length_is_too_big(self):
        self.assertFails(frame(BINARY, b"", length=2**63 - 1), 1009)

    def test_reserved_bits_without_extension(self):
        for rsv in range(1, 8):
            with self.subTest(rsv=rsv):
                self.assertFails(frame(TEXT, "hi", rsv=rsv), 1002)

    def test_reserved_bit_on_ping(self):
        self.assertFails(frame(PING, "p", rsv=4), 1002)

    def test_reserved_bits_after_a_valid_message(self):
        self.assertFails(frame(BINARY, b"x", rsv=2), 1002, before=[(TEXT, b"ok")])

    def test_reserved_opcodes(self):
        for op in (3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF):
            with self.subTest(opcode=op):
                self.assertFails(frame(op, b"data"), 1002)

    def test_unmasked_client_frame(self):
        self.assertFails(frame(TEXT, "hello", mask=False), 1002)

    def test_unmasked_client_ping(self):
        self.assertFails(frame(PING, "p", mask=False), 1002)


class Fragmentation(EchoServer):
    def test_fragmented_text_echoed_as_one_message(self):
        self.assertEchoes([frame(TEXT, "Hel", fin=False), frame(CONT, "lo, ", fin=False),
                           frame(CONT, "world", fin=True)], [(TEXT, b"Hello, world")])

    def test_fragmented_binary_with_empty_fragments(self):
        self.assertEchoes([frame(BINARY, b"", fin=False), frame(CONT, b"\x01\x02", fin=False),
                           frame(CONT, b"", fin=True)], [(BINARY, b"\x01\x02")])

    def test_continuation_without_a_message(self):
        for fin in (True, False):
            with self.subTest(fin=fin):
                self.assertFails(frame(CONT, "orphan", fin=fin), 1002)

    def test_continuation_after_a_complete_message(self):
        self.assertFails(frame(CONT, "late"), 1002, before=[(TEXT, b"done")])

    def test_new_data_frame_inside_fragmented_message(self):
        for second in (TEXT, BINARY):
            with self.subTest(second=second):
                self.assertFails([frame(TEXT, "part", fin=False), frame(second, "new", fin=True)], 1002)

    def test_ping_interleaved_in_fragmented_message(self):
        conn = self.ws()
        conn.send(frame(TEXT, "frag1-", fin=False) + frame(PING, "in-between") +
                  frame(CONT, "frag2-", fin=False))
        f = conn.read_frame()
        self.assertServerFrame(f)
        self.assertEqual((f.opcode, f.payload), (PONG, b"in-between"), repr(f))
        conn.send(frame(PONG, "unsolicited") + frame(CONT, "frag3", fin=True))
        self.assertEchoes(b"", [(TEXT, b"frag1-frag2-frag3")], conn=conn)

    def test_fragmented_ping(self):
        self.assertFails([frame(PING, "a", fin=False), frame(CONT, "b", fin=True)], 1002)

    def test_fragmented_close(self):
        self.assertFails(frame(CLOSE, close_payload(1000), fin=False), 1002)


class ControlFrames(EchoServer):
    def test_ping_with_payload_gets_identical_pong(self):
        for payload in (b"", b"hello", bytes(range(125)), b"\xff\xfe\x00"):
            with self.subTest(size=len(payload)):
                self.assertEchoes(frame(PING, payload), [(PONG, payload)])

    def test_control_payload_over_125(self):
        for op in (PING, PONG, CLOSE):
            with self.subTest(opcode=op):
                payload = close_payload(1000, "r" * 124) if op == CLOSE else b"p" * 126
                self.assertFails(frame(op, payload), 1002)

    def test_unsolicited_pong_ignored(self):
        self.assertEchoes([frame(PONG, "x"), frame(TEXT, "after")], [(TEXT, b"after")])


class Utf8(EchoServer):
    VALID = "κόσμε 😀 €".encode("utf-8")

    def test_valid_utf8_echoed(self):
        self.assertEchoes(frame(TEXT, self.VALID), [(TEXT, self.VALID)])

    def test_valid_utf8_split_inside_characters(self):
        # One byte per fragment: every fragment but the last ends mid-character.
        frames = [frame(TEXT if i == 0 else CONT, self.VALID[i:i + 1], fin=i == len(self.VALID) - 1)
                  for i in range(len(self.VALID))]
        self.assertEchoes(frames, [(TEXT, self.VALID)])

    def test_valid_utf8_split_in_two(self):
        data = "a€b😀".encode("utf-8")
        for cut in range(1, len(data)):
            with self.subTest(cut=cut):
                self.assertEchoes([frame(TEXT, data[:cut], fin=False), frame(CONT, data[cut:])],
                                  [(TEXT, data)])

    def test_invalid_utf8_single_frame(self):
        cases = {
            "lone continuation byte": b"ab\x80cd",
            "0xff": b"\xff",
            "overlong slash": b"\xc0\xaf",
            "overlong NUL": b"\xe0\x80\x80",
            "surrogate": b"\xed\xa0\x80",
            "above U+10FFFF": b"\xf4\x90\x80\x80",
            "5-byte form": b"\xf8\x88\x80\x80\x80",
            "truncated at end": b"abc\xe2\x82",
        }
        for name, payload in cases.items():
            with self.subTest(name):
                self.assertFails(frame(TEXT, payload), 1007)

    def test_fragmented_text_ending_mid_character(self):
        cases = {
            "3-byte char cut": [b"\xe2\x82\xac", b"\xe2\x82"],
            "4-byte char cut": [b"ok", b"\xf0\x9f\x98"],
            "lead byte alone": [b"abc", b"\xc3"],
            "last fragment empty": [b"\xe2\x82", b""],
        }
        for name, parts in cases.items():
            with self.subTest(name):
                frames = [frame(TEXT if i == 0 else CONT, p, fin=i == len(parts) - 1)
                          for i, p in enumerate(parts)]
                self.assertFails(frames, 1007)

    def test_invalid_sequence_split_across_fragments(self):
        cases = {
            "bad continuation": [b"\xe2", b"\x28\xa1"],
            "surrogate": [b"\xed", b"\xa0\x80"],
            "overlong": [b"\xe0", b"\x80\xaf"],
            "above U+10FFFF": [b"\xf4\x90", b"\x80\x80"],
        }
        for name, parts in cases.items():
            with self.subTest(name):
                self.assertFails([frame(TEXT, parts[0], fin=False), frame(CONT, parts[1])], 1007)

    def test_binary_is_not_checked(self):
        self.assertEchoes(frame(BINARY, b"\xff\xc0\xaf"), [(BINARY, b"\xff\xc0\xaf")])


class Close(EchoServer):
    def test_close_1000_echoed_then_tcp_closed_by_server(self):
        conn = self.ws()
        conn.send(close_frame(1000, "bye"))
        f = conn.read_frame()
        self.assertIsNotNone(f, "EOF instead of a close frame")
        self.assertServerFrame(f)
        self.assertEqual((f.opcode, f.close_code), (CLOSE, 1000), repr(f))
        self.assertTrue(conn.wait_eof(), "the server did not close the TCP connection")

    def test_valid_close_codes_echoed(self):
        for code in (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999):
            with self.subTest(code=code):
                conn = self.ws()
                conn.send(close_frame(code))
                f = conn.read_frame()
                self.assertIsNotNone(f)
                self.assertEqual((f.opcode, f.close_code), (CLOSE, code), repr(f))
                self.assertTrue(conn.wait_eof())

    def test_empty_close_answered(self):
        conn = self.ws()
        conn.send(close_frame(None))
        f = conn.read_frame()
        self.assertIsNotNone(f)
        self.assertEqual(f.opcode, CLOSE)
        self.assertIn(f.close_code, (None, 1000), repr(f))
        self.assertTrue(conn.wait_eof())

    def test_invalid_close_codes(self):
        for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535):
            with self.subTest(code=code):
                self.assertFails(close_frame(code), 1002)

    def test_close_payload_of_one_byte(self):
        self.assertFails(frame(CLOSE, b"\x03"), 1002)

    def test_close_reason_invalid_utf8(self):
        # RFC 6455 5.5.1 / 8.1: the endpoint fails the connection, and data
        # that is not UTF-8 is 1007 (7.4.1), as for a text message.
        f = self.assertFails(close_frame(1000, b"bad \xff\xfe reason"), 1007)
        f.close_reason.decode("utf-8")  # its own reason is valid UTF-8

    def test_close_reason_invalid_utf8_with_a_bad_code_is_a_bad_code(self):
        self.assertFails(close_frame(1005, b"\xff"), 1002)

    def test_data_after_close_not_echoed(self):
        conn = self.ws()
        conn.send(close_frame(1000) + frame(TEXT, "too late"))
        f = conn.read_frame()
        self.assertEqual((f.opcode, f.close_code), (CLOSE, 1000), repr(f))
        self.assertTrue(conn.wait_eof())
        self.assertNotIn(b"too late", conn.buf)


class MaxSize(EchoServer):
    def test_message_at_limit_echoed(self):
        data = b"a" * MAX_SIZE
        self.assertEchoes(frame(TEXT, data), [(TEXT, data)], conn=self.ws(self.small_port))

    def test_oversized_message(self):
        self.assertFails(frame(BINARY, b"b" * (MAX_SIZE + 1)), 1009, port=self.small_port)

    def test_oversized_fragmented_message(self):
        half = b"c" * (MAX_SIZE // 2 + 1)
        self.assertFails([frame(BINARY, half, fin=False), frame(CONT, half)], 1009, port=self.small_port)


class Handshake(EchoServer):
    def request(self, **kw):
        return rawws.http_exchange(self.port, rawws.upgrade_request(f"127.0.0.1:{self.port}", **kw))

    def test_correct_handshake(self):
        key = rawws.new_key()
        r = self.request(key=key)
        self.assertEqual(r.status, 101, repr(r))
        self.assertEqual(r.headers.get("upgrade", "").lower(), "websocket")
        self.assertIn("upgrade", r.headers.get("connection", "").lower())
        self.assertEqual(r.headers.get("sec-websocket-accept"), rawws.accept_key(key))
        self.assertNotIn("sec-websocket-protocol", r.headers)
        self.assertNotIn("sec-websocket-extensions", r.headers)

    def test_rfc_example_key(self):
        # RFC 6455 1.3's example.
        self.assertEqual(rawws.accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        r = self.request(key="dGhlIHNhbXBsZSBub25jZQ==")
        self.assertEqual(r.status, 101, repr(r))
        self.assertEqual(r.headers.get("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")

    def test_missing_key(self):
        r = self.request(drop=("Sec-WebSocket-Key",))
        self.assertEqual(r.status, 400, repr(r))

    def test_malformed_keys(self):
        import base64
        for key in ("not base64!!", "c2hvcnQ=", base64.b64encode(b"x" * 17).decode(),
                    base64.b64encode(b"x" * 15).decode(), ""):
            with self.subTest(key=key):
                r = self.request(key=key)
                self.assertEqual(r.status, 400, repr(r))

    def test_post(self):
        # wskit answers 400 (RFC 6455 4.2.1 item 1; 405 would also be a 4xx).
        r = self.request(method="POST")
        self.assertEqual(r.status, 400, repr(r))

    def test_http_1_0(self):
        r = self.request(version="HTTP/1.0")
        self.assertEqual(r.status, 400, repr(r))

    def test_missing_upgrade_or_connection(self):
        for drop in ("Upgrade", "Connection"):
            with self.subTest(missing=drop):
                r = self.request(drop=(drop,))
                self.assertEqual(r.status, 400, repr(r))

    def test_wrong_upgrade_or_connection(self):
        for headers in ({"Upgrade": "h2c"}, {"Connection": "keep-alive"}):
            with self.subTest(headers=headers):
                r = self.request(headers=headers)
                self.assertEqual(r.status, 400, repr(r))

    def test_unsupported_versions(self):
        for version in ("8", "14", "7", None):
            with self.subTest(version=version):
                r = self.request(headers={"Sec-WebSocket-Version": version})
                # RFC 6455 4.2.2: a 4xx naming the supported version; wskit's
                # choice is 426 Upgrade Required, as for versions 7 and 8.
                self.assertTrue(400 <= r.status < 500, repr(r))
                self.assertEqual(r.headers.get("sec-websocket-version"), "13", repr(r))
                self.assertEqual(r.status, 426, repr(r))

    def test_a_body_is_refused_not_taken_for_frames(self):
        # Bytes after the head are the client's frames: a body announced by
        # Content-Length or chunked encoding would be read as frames, which a
        # proxy in front would not see (request smuggling).
        masked_text = frame(TEXT, b"smuggled")
        for headers, body in (({"Content-Length": str(len(masked_text))}, masked_text),
                              ({"Transfer-Encoding": "chunked"},
                               b"%x\r\n" % len(masked_text) + masked_text + b"\r\n0\r\n\r\n")):
            with self.subTest(headers=headers):
                request = rawws.upgrade_request(f"127.0.0.1:{self.port}", headers=headers) + body
                r = rawws.http_exchange(self.port, request)
                self.assertEqual(r.status, 400, repr(r))
                self.assertIn(b"no request body", r.body)
        self.assertEqual(self.request(headers={"Content-Length": "0"}).status, 101)

    def test_plain_get(self):
        r = rawws.http_exchange(self.port, f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n\r\n")
        self.assertEqual(r.status, 426, repr(r))
        self.assertEqual(r.headers.get("upgrade", "").lower(), "websocket", repr(r))

    def test_healthz(self):
        r = rawws.http_exchange(self.port, f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n\r\n")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.body.strip(), b"ok", repr(r))


if __name__ == "__main__":
    main()
