"""permessage-deflate (RFC 7692) in `wskit echo --compress`, the server role,
checked with a raw socket client: the offers it accepts or declines (7.1),
and the strictness of the Autobahn test suite's categories 12 and 13: RSV1
only on a data message's first frame, messages that do not inflate, text
that inflates to invalid UTF-8, fragmented and mixed messages, window sizes,
and --max-size on the inflated size (decompression bombs)."""
import os
import socket
import zlib

import rawws
from rawws import BINARY, CLOSE, CONT, PING, RSV1, TEXT, close_frame, deflate, frame, inflate
from harness import EchoServersTestCase, WSKIT, LISTENING, Process, TestCase, main

MAX_SIZE = 1000
OFFER = "permessage-deflate; client_max_window_bits"
JSONISH = ('{"id": 1234, "user": "someone", "tags": ["a", "b", "c"], "text": "' + "lorem ipsum " * 70 + '"}')


class CompressingEcho(EchoServersTestCase):
    ECHO_ARGS = ("--compress",)
    SMALL_MAX_SIZE = MAX_SIZE

    def ws(self, offer=OFFER, port=None):
        conn, headers = rawws.ws_handshake(port or self.port, {"Sec-WebSocket-Extensions": offer})
        self.addCleanup(conn.close)
        return conn, headers.get("sec-websocket-extensions")

    def read_message(self, conn, wbits=15):
        """The next message from the server, inflated with a 2^wbits window
        when compressed: (opcode, payload, compressed)."""
        f = conn.read_frame()
        self.assertIsNotNone(f, "EOF instead of a message")
        self.assertFalse(f.masked)
        self.assertIn(f.rsv, (0, RSV1), f"{f!r}")
        payload = inflate(f.payload, wbits) if f.rsv == RSV1 else f.payload
        return f.opcode, payload, f.rsv == RSV1

    def assertFails(self, conn, data, code):
        conn.send(data if isinstance(data, bytes) else b"".join(data))
        frames = []
        try:
            conn.read_frames_until_close(frames)
        except socket.timeout:
            self.fail(f"no close frame within {rawws.TIMEOUT}s; the server sent {frames!r}")
        self.assertTrue(frames and frames[-1].opcode == CLOSE, f"{frames!r}")
        self.assertEqual(frames[-1].close_code, code, f"{frames!r}")
        try:
            conn.send(close_frame(code))
        except OSError:
            pass
        self.assertTrue(conn.wait_eof(), "the server did not close the TCP connection")


class Negotiation(CompressingEcho):
    def test_default_offer_gets_server_no_context_takeover(self):
        _, answer = self.ws()
        self.assertEqual(answer, "permessage-deflate; server_no_context_takeover")

    def test_each_parameter_is_acknowledged(self):
        _, answer = self.ws("permessage-deflate; client_no_context_takeover; server_max_window_bits=10; "
                            "client_max_window_bits=9")
        self.assertEqual(answer, "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
                                 "server_max_window_bits=10; client_max_window_bits=9")

    def test_quoted_value(self):
        _, answer = self.ws('permessage-deflate; server_max_window_bits="11"')
        self.assertEqual(answer, "permessage-deflate; server_no_context_takeover; server_max_window_bits=11")

    def test_invalid_offers_are_declined(self):
        for offer in ("permessage-deflate; server_max_window_bits=16", "permessage-deflate; server_max_window_bits=7",
                      "permessage-deflate; server_max_window_bits", "permessage-deflate; client_max_window_bits=0",
                      "permessage-deflate; mystery", "permessage-deflate; server_no_context_takeover=1",
                      "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
                      "x-webkit-deflate-frame", "permessage-deflate;;"):
            with self.subTest(offer=offer):
                conn, answer = self.ws(offer)
                self.assertIsNone(answer)
                # Declined means no compression: RSV1 is a protocol error.
                self.assertFails(conn, frame(TEXT, deflate("hi"), rsv=RSV1), 1002)

    def test_two_offers_the_first_it_can_meet_wins(self):
        _, answer = self.ws("permessage-deflate; mystery, permessage-deflate; server_max_window_bits=12")
        self.assertEqual(answer, "permessage-deflate; server_no_context_takeover; server_max_window_bits=12")
        # zlib cannot compress with a 256-byte window: declined, the next taken.
        _, answer = self.ws("permessage-deflate; server_max_window_bits=8, permessage-deflate")
        self.assertEqual(answer, "permessage-deflate; server_no_context_takeover")
        _, answer = self.ws("permessage-deflate; server_max_window_bits=9, permessage-deflate")
        self.assertEqual(answer, "permessage-deflate; server_no_context_takeover; server_max_window_bits=9")

    def test_two_offers_in_two_header_lines(self):
        conn = rawws.connect(self.port)
        self.addCleanup(conn.close)
        request = rawws.upgrade_request(f"127.0.0.1:{self.port}", key=rawws.new_key(),
                                        headers={"Sec-WebSocket-Extensions": "permessage-deflate; bogus"})
        extra = b"Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10\r\n\r\n"
        conn.send(request[:-2] + extra)
        start, headers, _ = conn.read_http_head()
        self.assertTrue(start.startswith("HTTP/1.1 101"), start)
        self.assertEqual(headers.get("sec-websocket-extensions"),
                         "permessage-deflate; server_no_context_takeover; server_max_window_bits=10")

    def test_without_compress_offers_are_ignored(self):
        p = Process([WSKIT, "echo", "0"])
        self.addCleanup(p.stop)
        port = int(p.wait_line(LISTENING.pattern).group(1).rstrip("/").rsplit(":", 1)[1])
        conn, answer = self.ws(port=port)
        self.assertIsNone(answer)
        self.assertFails(conn, frame(TEXT, deflate("hi"), rsv=RSV1), 1002)


class Messages(CompressingEcho):
    def test_compressed_text_and_binary_round_trip(self):
        conn, _ = self.ws()
        blob = os.urandom(3000)
        for opcode, data in ((TEXT, JSONISH.encode()), (BINARY, blob), (TEXT, b""), (BINARY, b"\x00" * 70000)):
            with self.subTest(opcode=opcode, size=len(data)):
                conn.send_frame(opcode, deflate(data), rsv=RSV1)
                self.assertEqual(self.read_message(conn)[:2], (opcode, data))

    def test_replies_are_compressed_each_on_its_own(self):
        # server_no_context_takeover: every reply inflates with a fresh inflater.
        conn, _ = self.ws()
        for _ in range(3):
            conn.send_frame(TEXT, deflate(JSONISH), rsv=RSV1)
            opcode, payload, compressed = self.read_message(conn)
            self.assertTrue(compressed)
            self.assertEqual(payload, JSONISH.encode())

    def test_mixed_compressed_and_uncompressed(self):
        conn, _ = self.ws()
        for i, compressed in enumerate((True, False, True, False)):
            text = f"message {i} " * 20
            conn.send_frame(TEXT, deflate(text) if compressed else text, rsv=RSV1 if compressed else 0)
            self.assertEqual(self.read_message(conn)[:2], (TEXT, text.encode()))

    def test_context_taken_over_by_the_client(self):
        conn, _ = self.ws()
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        for _ in range(3):
            data = c.compress(JSONISH.encode()) + c.flush(zlib.Z_SYNC_FLUSH)
            conn.send_frame(TEXT, data[:-4], rsv=RSV1)
            self.assertEqual(self.read_message(conn)[1], JSONISH.encode())

    def test_fragmented_compressed_message_with_a_ping_inside(self):
        conn, _ = self.ws()
        payload = deflate(JSONISH)
        a, b, c = payload[:5], payload[5:40], payload[40:]
        conn.send(frame(TEXT, a, fin=False, rsv=RSV1) + frame(CONT, b, fin=False) + frame(PING, "p") +
                  frame(CONT, c))
        self.assertEqual(self.read_message(conn)[:2], (0xA, b"p"))
        self.assertEqual(self.read_message(conn)[:2], (TEXT, JSONISH.encode()))

    def test_window_sizes_are_respected_both_ways(self):
        # The server compresses with at most 2^9 bytes of window: its reply
        # inflates with a 512-byte window (a larger one would reach too far
        # back). The client compresses with 2^9 as it offered.
        conn, answer = self.ws("permessage-deflate; server_max_window_bits=9; client_max_window_bits=9")
        self.assertIn("server_max_window_bits=9", answer)
        text = (os.urandom(300).hex() + "|") * 8  # repeats 601 bytes apart: beyond a 512-byte window
        conn.send_frame(TEXT, deflate(text, wbits=9), rsv=RSV1)
        opcode, payload, compressed = self.read_message(conn, wbits=9)
        self.assertTrue(compressed)
        self.assertEqual(payload, text.encode())


class Strictness(CompressingEcho):
    def test_rsv1_on_a_continuation_frame(self):
        conn, _ = self.ws()
        payload = deflate(JSONISH)
        self.assertFails(conn, [frame(TEXT, payload[:10], fin=False, rsv=RSV1),
                                frame(CONT, payload[10:], rsv=RSV1)], 1002)

    def test_rsv1_on_an_uncompressed_message_continuation(self):
        conn, _ = self.ws()
        self.assertFails(conn, [frame(TEXT, "abc", fin=False), frame(CONT, deflate("d"), rsv=RSV1)], 1002)

    def test_rsv1_on_control_frames(self):
        for opcode in (PING, 0xA, CLOSE):
            with self.subTest(opcode=opcode):
                conn, _ = self.ws()
                self.assertFails(conn, frame(opcode, b"", rsv=RSV1), 1002)

    def test_other_reserved_bits_stay_errors(self):
        for rsv in (1, 2, 5, 6):
            with self.subTest(rsv=rsv):
                conn, _ = self.ws()
                self.assertFails(conn, frame(TEXT, deflate("x"), rsv=rsv), 1002)

    def test_data_that_does_not_inflate(self):
        for garbage in (b"\xff\xff\xff\xff", b"\x07" + os.urandom(50)):
            with self.subTest(garbage=garbage[:8]):
                conn, _ = self.ws()
                self.assertFails(conn, frame(BINARY, garbage, rsv=RSV1), 1007)

    def test_text_inflating_to_invalid_utf8(self):
        for bad in (b"caf\xc3", b"\xff\xfe", b"ok \xed\xa0\x80 surrogate"):
            with self.subTest(bad=bad):
                conn, _ = self.ws()
                self.assertFails(conn, frame(TEXT, deflate(bad), rsv=RSV1), 1007)

    def test_text_whose_last_byte_inflates_from_the_tail(self):
        # What the end of a message inflates to is UTF-8 checked too.
        conn, _ = self.ws()
        self.assertFails(conn, frame(TEXT, rawws.deflated_text_ending_in_the_tail("hello"), rsv=RSV1), 1007)

    def test_inflated_size_is_limited(self):
        conn, _ = self.ws(port=self.small_port)
        small = deflate(b"\x00" * 5000)
        self.assertLess(len(small), MAX_SIZE)
        self.assertFails(conn, frame(BINARY, small, rsv=RSV1), 1009)

    def test_inflated_size_is_limited_across_fragments(self):
        conn, _ = self.ws(port=self.small_port)
        payload = deflate(b"a" * 3000)
        self.assertFails(conn, [frame(TEXT, payload[:4], fin=False, rsv=RSV1), frame(CONT, payload[4:])], 1009)

    def test_exactly_the_limit_passes(self):
        conn, _ = self.ws(port=self.small_port)
        data = b"b" * MAX_SIZE
        conn.send_frame(BINARY, deflate(data), rsv=RSV1)
        self.assertEqual(self.read_message(conn)[:2], (BINARY, data))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


class DecompressionBomb(TestCase):
    def test_one_gib_bomb_is_refused_with_1009_and_memory_stays_small(self):
        # 1 GiB of zeros deflates to about 1 MiB (deflate's ratio tops out
        # near 1:1030); sent as one message in 64 KiB fragments. The default
        # --max-size (16 MiB) stops it.
        p = Process([WSKIT, "echo", "--compress", "0"])
        self.addCleanup(p.stop)
        port = int(p.wait_line(LISTENING.pattern).group(1).rstrip("/").rsplit(":", 1)[1])
        conn, answer = rawws.ws_handshake(port, {"Sec-WebSocket-Extensions": OFFER})
        self.addCleanup(conn.close)
        self.assertIsNotNone(answer)
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        chunk = b"\x00" * (16 << 20)
        first = True
        closed_at = None
        for i in range(64):
            data = c.compress(chunk)
            if i == 63:
                data += c.flush(zlib.Z_SYNC_FLUSH)[:-4]
            try:
                conn.send(frame(BINARY if first else CONT, data, fin=(i == 63), rsv=RSV1 if first else 0))
            except OSError:
                closed_at = i
                break
            first = False
        frames = []
        try:
            conn.read_frames_until_close(frames)
        except (socket.timeout, OSError):
            pass
        self.assertTrue(frames and frames[-1].opcode == CLOSE, f"no close frame ({closed_at=}): {frames!r}")
        self.assertEqual(frames[-1].close_code, 1009)
        limit = 400_000 if os.environ.get("WSKIT_SANITIZE") else 80_000
        self.assertLess(rss_kib(p.proc.pid), limit, "peak RSS (KiB) of the server")
        self.assertIsNone(p.proc.poll())


if __name__ == "__main__":
    main()
