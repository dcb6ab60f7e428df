"""permessage-deflate (RFC 7692) in `wskit connect --compress`, the client
role, against a raw server: the offer, the check of the answer (exit 5 with
the reason), what it sends, and the strictness of what it reads (Autobahn
categories 12 and 13 from the client side)."""
import os
import zlib

import rawws
from rawws import BINARY, CONT, PING, RSV1, TEXT, close_frame, deflate, frame, inflate
from harness import main
from rawserver_case import ABNORMAL, HANDSHAKE, RawServerTest

JSONISH = ('{"id": 1234, "user": "someone", "text": "' + "lorem ipsum " * 60 + '"}')


class Offer(RawServerTest):
    def offer_of(self, *args):
        p = self.client(*args, keep_stdin_open=True)
        conn, _, headers = self.server.accept()
        self.addCleanup(conn.close)
        return headers.get("sec-websocket-extensions")

    def test_default_offer(self):
        self.assertEqual(self.offer_of("--compress"), "permessage-deflate; client_max_window_bits")

    def test_offer_with_parameters(self):
        self.assertEqual(
            self.offer_of("--compress=server_no_context_takeover,client_no_context_takeover,server_max_window_bits=10,"
                          "client_max_window_bits=12"),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; "
            "client_max_window_bits=12")

    def test_no_offer_without_compress(self):
        self.assertIsNone(self.offer_of())

    def test_bad_parameters_are_usage_errors(self):
        for value, words in (("bogus", "unknown parameter bogus"), ("server_max_window_bits=16", "not a window size"),
                             ("client_no_context_takeover=1", "takes no value"),
                             ("server_no_context_takeover,server_no_context_takeover", "appears twice")):
            with self.subTest(value=value):
                r = self.wskit("connect", f"--compress={value}", self.server.url)
                self.assertExit(r, 2)
                self.assertIn(words, r.stderr.decode())
                self.assertTrue(r.stderr.decode().startswith("wskit: "))


class Answer(RawServerTest):
    def answer(self, value, *args):
        """The server accepts with Sec-WebSocket-Extensions: value; returns
        the client process and the connection."""
        p = self.client("--compress", *args, keep_stdin_open=True)
        conn, _ = self.server.accept_ws(headers={"Sec-WebSocket-Extensions": value})
        self.addCleanup(conn.close)
        return p, conn

    def rejected(self, value, words, *args):
        p, conn = self.answer(value, *args)
        _, close = self.read_client_close(conn, p)
        self.assertEqual(close.close_code, 1002)
        self.finish_close(conn, 1002)
        out, err = self.assertExitStatus(p, HANDSHAKE)
        self.assertTrue(any(line.startswith("wskit: ") and words in line for line in err),
                        f"expected '{words}' in {err!r}")

    def test_invalid_answers_fail_the_handshake(self):
        for value, words in (
                ("permessage-deflate; mystery", "unknown parameter mystery"),
                ("permessage-deflate; server_max_window_bits=16", "server_max_window_bits=16 is not a window size"),
                ("permessage-deflate; client_max_window_bits=7", "not a window size"),
                ("permessage-deflate; client_max_window_bits", "needs a value"),
                ("permessage-deflate; server_no_context_takeover=yes", "takes no value"),
                ("permessage-deflate; server_no_context_takeover; server_no_context_takeover", "appears twice"),
                ("permessage-deflate, permessage-deflate", "accepted permessage-deflate twice"),
                ("x-webkit-deflate-frame", "extension 'x-webkit-deflate-frame', which was not offered")):
            with self.subTest(value=value):
                self.rejected(value, words)

    def test_answer_beyond_the_offer(self):
        self.rejected("permessage-deflate; server_max_window_bits=12", "above the 10 offered",
                      "--compress=server_max_window_bits=10")
        self.rejected("permessage-deflate", "leaves out server_max_window_bits", "--compress=server_max_window_bits=10")
        self.rejected("permessage-deflate; client_max_window_bits=12", "above the 9 offered",
                      "--compress=client_max_window_bits=9")

    def test_unoffered_compression_still_fails_without_compress(self):
        p = self.client(keep_stdin_open=True)
        conn, _ = self.server.accept_ws(headers={"Sec-WebSocket-Extensions": "permessage-deflate"})
        self.addCleanup(conn.close)
        self.read_client_close(conn, p)
        self.finish_close(conn, 1002)
        out, err = self.assertExitStatus(p, HANDSHAKE)
        self.assertTrue(any("not offered" in line for line in err), err)

    def test_declined_offer_runs_uncompressed(self):
        p = self.client("--compress", stdin=b"plain\n", keep_stdin_open=False)
        conn, _ = self.server.accept_ws()
        self.addCleanup(conn.close)
        f = conn.read_frame()
        self.assertEqual((f.opcode, f.rsv, f.payload), (TEXT, 0, b"plain"))
        conn.send(close_frame(1000, mask=False))


class Messages(RawServerTest):
    def end(self, conn, p):
        """The server closes with 1000, reads the client's answer, hangs up."""
        conn.send(close_frame(1000, mask=False))
        self.read_client_close(conn, p)
        conn.shutdown_write()

    def session(self, answer, *args, stdin=b""):
        p = self.client("--compress", *args, stdin=stdin, keep_stdin_open=not stdin)
        conn, _ = self.server.accept_ws(headers={"Sec-WebSocket-Extensions": answer})
        self.addCleanup(conn.close)
        return p, conn

    def test_sent_messages_are_compressed_within_the_window(self):
        # Lines that repeat 601 bytes apart: a 2^9 window cannot reach back.
        line = (os.urandom(300).hex() + "|") * 4
        p, conn = self.session("permessage-deflate; client_max_window_bits=9", "-v",
                               stdin=(line + "\n" + line + "\n").encode())
        got = []
        d = zlib.decompressobj(-9)  # the client keeps its context: one inflater for both
        for _ in range(2):
            f = conn.read_frame()
            self.assertTrue(f.masked)
            self.assertEqual((f.opcode, f.rsv), (TEXT, RSV1), repr(f))
            got.append(d.decompress(f.payload + rawws.DEFLATE_TAIL))
        self.assertEqual(got, [line.encode()] * 2)
        self.end(conn, p)
        out, err = self.assertExitStatus(p, 0)
        self.assertIn("* permessage-deflate: server context takeover, window 2^15; client context takeover, "
                      "window 2^9", err)

    def test_client_no_context_takeover_is_honoured(self):
        p, conn = self.session("permessage-deflate; client_no_context_takeover",
                               stdin=(JSONISH + "\n" + JSONISH + "\n").encode())
        for _ in range(2):
            f = conn.read_frame()
            self.assertEqual(f.rsv, RSV1)
            self.assertEqual(inflate(f.payload), JSONISH.encode())  # a fresh inflater each time
        conn.send(close_frame(1000, mask=False))

    def test_received_messages_inflate_fragmented_and_mixed(self):
        p, conn = self.session("permessage-deflate; server_no_context_takeover")
        payload = deflate(JSONISH)
        conn.send(frame(TEXT, payload[:7], fin=False, rsv=RSV1, mask=False) + frame(PING, "p", mask=False) +
                  frame(CONT, payload[7:], mask=False) + frame(TEXT, "plain", mask=False) +
                  frame(TEXT, deflate("again"), rsv=RSV1, mask=False))
        self.end(conn, p)
        out, err = self.assertExitStatus(p, 0)
        self.assertEqual(out, [JSONISH, "plain", "again"])

    def test_server_context_takeover(self):
        p, conn = self.session("permessage-deflate")
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        for _ in range(3):
            data = c.compress(JSONISH.encode()) + c.flush(zlib.Z_SYNC_FLUSH)
            conn.send_frame(TEXT, data[:-4], rsv=RSV1, mask=False)
        self.end(conn, p)
        out, _ = self.assertExitStatus(p, 0)
        self.assertEqual(out, [JSONISH] * 3)


class Strictness(RawServerTest):
    def fails(self, data, code, *args):
        p = self.client("--compress", *args, keep_stdin_open=True)
        conn, _ = self.server.accept_ws(headers={"Sec-WebSocket-Extensions": "permessage-deflate"})
        self.addCleanup(conn.close)
        conn.send(data if isinstance(data, bytes) else b"".join(data))
        before, close = self.read_client_close(conn, p)
        self.assertEqual(close.close_code, code, f"{close!r}; stderr={p.seen['stderr'][-5:]!r}")
        self.finish_close(conn, code)
        self.assertExitStatus(p, ABNORMAL)

    def test_rsv1_on_continuation(self):
        payload = deflate(JSONISH)
        self.fails([frame(TEXT, payload[:5], fin=False, rsv=RSV1, mask=False),
                    frame(CONT, payload[5:], rsv=RSV1, mask=False)], 1002)

    def test_rsv1_on_ping(self):
        self.fails(frame(PING, b"", rsv=RSV1, mask=False), 1002)

    def test_not_inflatable(self):
        self.fails(frame(BINARY, b"\xff\xff\xff\xff", rsv=RSV1, mask=False), 1007)

    def test_invalid_utf8_after_inflating(self):
        self.fails(frame(TEXT, deflate(b"bad \xff"), rsv=RSV1, mask=False), 1007)

    def test_invalid_utf8_inflated_from_the_tail(self):
        payload = rawws.deflated_text_ending_in_the_tail("hello")
        self.fails(frame(TEXT, payload, rsv=RSV1, mask=False), 1007)

    def test_inflated_size_limit(self):
        small = deflate(b"\x00" * 100000)
        self.assertLess(len(small), 1000)
        self.fails(frame(BINARY, small, rsv=RSV1, mask=False), 1009, "--max-size", "1000")


if __name__ == "__main__":
    main()
