"""RFC 6455 strictness of `wskit connect` (the client role), checked with a
raw TCP server that answers the handshake and sends frames byte by byte:
response checks (4.1), masking, reserved bits and opcodes, fragmentation,
control frames, UTF-8, close codes, --max-size, and the close handshake."""
import base64

import rawws
from rawws import BINARY, CLOSE, CONT, PING, PONG, TEXT, frame, close_frame
from harness import main
from rawserver_case import ABNORMAL, HANDSHAKE, RawServerTest


class HandshakeResponse(RawServerTest):
    def reject(self, **response):
        """The server answers with a bad response; wskit must exit 5 and
        not treat the connection as open."""
        p = self.client(keep_stdin_open=True)
        conn, _, headers = self.server.accept()
        self.addCleanup(conn.close)
        conn.send(rawws.handshake_response(headers["sec-websocket-key"], **response))
        conn.wait_eof()
        out, err = self.assertExitStatus(p, HANDSHAKE)
        self.assertTrue(any(line.startswith("wskit: ") for line in err), f"no error message: {err!r}")
        return out, err

    def test_request_is_a_valid_rfc6455_handshake(self):
        p = self.client(keep_stdin_open=True)
        conn, start, headers = self.server.accept()
        self.addCleanup(conn.close)
        self.assertRegex(start, r"^GET /\S* HTTP/1\.1$")
        self.assertEqual(headers.get("upgrade", "").lower(), "websocket")
        self.assertIn("upgrade", headers.get("connection", "").lower())
        self.assertEqual(headers.get("sec-websocket-version"), "13")
        self.assertEqual(len(base64.b64decode(headers["sec-websocket-key"], validate=True)), 16)
        self.assertIn("host", headers)
        conn.send(rawws.handshake_response(headers["sec-websocket-key"]))
        conn.send(close_frame(1000, mask=False))
        _, close = self.read_client_close(conn)
        self.assertEqual(close.close_code, 1000)
        self.assertEqual(self.finish_close(conn, 1000), [])
        self.assertExitStatus(p, 0)

    def test_wrong_accept(self):
        self.reject(accept=rawws.accept_key("AAAAAAAAAAAAAAAAAAAAAA=="))

    def test_missing_accept(self):
        self.reject(drop=("Sec-WebSocket-Accept",))

    def test_missing_upgrade(self):
        self.reject(drop=("Upgrade",))

    def test_missing_connection(self):
        self.reject(drop=("Connection",))

    def test_wrong_upgrade_value(self):
        self.reject(headers={"Upgrade": "h2c"})

    def test_subprotocol_not_offered(self):
        self.reject(headers={"Sec-WebSocket-Protocol": "chat"})

    def test_subprotocol_other_than_offered(self):
        p = self.client("-s", "chat.v1", keep_stdin_open=True)
        conn, _, headers = self.server.accept()
        self.addCleanup(conn.close)
        self.assertEqual(headers.get("sec-websocket-protocol"), "chat.v1")
        conn.send(rawws.handshake_response(headers["sec-websocket-key"],
                                           headers={"Sec-WebSocket-Protocol": "chat.v2"}))
        conn.wait_eof()
        self.assertExitStatus(p, HANDSHAKE)

    def test_extension_not_offered(self):
        self.reject(headers={"Sec-WebSocket-Extensions": "permessage-deflate"})

    def test_non_101_status(self):
        out, err = self.reject(status="403 Forbidden", body=b"go away\n")
        self.assertEqual(out, [], "a rejected handshake printed data on stdout")

    def test_200_ok(self):
        self.reject(status="200 OK", body=b"<html></html>")


class Masking(RawServerTest):
    def test_client_frames_are_masked_and_eof_sends_close_1000(self):
        p = self.client(stdin=b"one\ntwo\n\xce\xba\n")
        conn, _ = self.server.accept_ws()
        self.addCleanup(conn.close)
        before, close = self.read_client_close(conn)
        self.assertEqual([(f.opcode, f.payload, f.fin) for f in before],
                         [(TEXT, b"one", True), (TEXT, b"two", True), (TEXT, b"\xce\xba", True)])
        self.assertTrue(close.masked)
        self.assertEqual(close.close_code, 1000, repr(close))
        self.assertEqual(len({f.key for f in before + [close]}), 4, "masking keys repeat")
        self.assertEqual(self.finish_close(conn, 1000), [])
        self.assertExitStatus(p, 0)

    def test_binary_frames_masked(self):
        p = self.client("--binary", stdin=b"\x00\xff\n")
        conn, _ = self.server.accept_ws()
        self.addCleanup(conn.close)
        before, close = self.read_client_close(conn)
        self.assertEqual([(f.opcode, f.payload) for f in before], [(BINARY, b"\x00\xff")])
        self.assertEqual(close.close_code, 1000)
        self.finish_close(conn, 1000)
        self.assertExitStatus(p, 0)

    def test_ping_answered_with_masked_pong(self):
        p = self.client(keep_stdin_open=True)
        conn, _ = self.server.accept_ws()
        self.addCleanup(conn.close)
        conn.send(frame(PING, b"\x01payload\xff", mask=False))
        f = conn.read_frame()
        self.assertIsNotNone(f)
        self.assertClientFrame(f)
        self.assertEqual((f.opcode, f.payload), (PONG, b"\x01payload\xff"))
        p.proc.stdin.close()
        _, close = self.read_client_close(conn)
        self.assertEqual(close.close_code, 1000)
        self.finish_close(conn, 1000)
        self.assertExitStatus(p, 0)

    def test_masked_frame_from_server(self):
        self.assertClientFails(frame(TEXT, "hello", mask=True), 1002)


class Framing(RawServerTest):
    def test_reserved_bits(self):
        for rsv in (4, 2, 1, 7):
            with self.subTest(rsv=rsv):
                self.setUp()
                self.assertClientFails(frame(TEXT, "x", rsv=rsv, mask=False), 1002)

    def test_reserved_opcodes(self):
        for op in (3, 7, 0xB, 0xF):
            with self.subTest(opcode=op):
                self.setUp()
                self.assertClientFails(frame(op, b"x", mask=False), 1002)

    def test_continuation_without_a_message(self):
        self.assertClientFails(frame(CONT, "x", mask=False), 1002)

    def test_new_data_frame_inside_fragmented_message(self):
        self.assertClientFails([frame(TEXT, "a", fin=False, mask=False), frame(TEXT, "b", mask=False)], 1002)

    def test_control_frame_over_125(self):
        self.assertClientFails(frame(PING, b"p" * 126, mask=False), 1002)

    def test_fragmented_ping(self):
        self.assertClientFails(frame(PING, b"p", fin=False, mask=False), 1002)

    def test_fragmented_message_with_interleaved_ping(self):
        p = self.client(keep_stdin_open=True)
        conn, _ = self.server.accept_ws()
        self.addCleanup(conn.close)
        conn.send(frame(TEXT, "frag1-", fin=False, mask=False) + frame(PING, "mid", mask=False) +
                  frame(CONT, "frag2", mask=False))
        f = conn.read_frame()
        self.assertEqual((f.opcode, f.payload), (PONG, b"mid"), repr(f))
        self.assertClientFrame(f)
        conn.send(close_frame(1000, mask=False))
        _, close = self.read_client_close(conn)
        self.assertEqual(close.close_code, 1000)
        self.finish_close(conn, 1000)
        out, _ = self.assertExitStatus(p, 0)
        self.assertEqual(out, ["frag1-frag2"])

    def test_oversized_message(self):
        self.assertClientFails(frame(BINARY, b"z" * 101, mask=False), 1009, "--max-size", "100")

    def test_64_bit_length_with_the_top_bit_set(self):
        # RFC 6455 5.2: the most significant bit must be 0: a malformed frame
        # (1002), not a message too big (1009).
        self.assertClientFails(frame(BINARY, b"", mask=False, length=2**63 + 5), 1002)

    def test_oversized_fragmented_message(self):
        self.assertClientFails([frame(TEXT, "z" * 60, fin=False, mask=False),
                                frame(CONT, "z" * 60, mask=False)], 1009, "--max-size", "100")


class Utf8(RawServerTest):
    def test_invalid_utf8_text(self):
        self.assertClientFails(frame(TEXT, b"bad \xff text", mask=False), 1007)

    def test_truncated_utf8_in_single_frame(self):
        self.assertClientFails(frame(TEXT, b"abc\xe2\x82", mask=False), 1007)

    def test_fragmented_text_ending_mid_character(self):
        self.assertClientFails([frame(TEXT, b"\xe2\x82\xac", fin=False, mask=False),
                                frame(CONT, b"\xe2\x82", mask=False)], 1007)

    def test_invalid_sequence_split_across_fragments(self):
        self.assertClientFails([frame(TEXT, b"\xed", fin=False, mask=False),
                                frame(CONT, b"\xa0\x80", mask=False)], 1007)

    def test_valid_utf8_split_across_fragments(self):
        data = "κόσμε😀".encode("utf-8")
        p = self.client(keep_stdin_open=True)
        conn, _ = self.server.accept_ws()
        self.addCleanup(conn.close)
        conn.send(b"".join(frame(TEXT if i == 0 else CONT, data[i:i + 1], fin=i == len(data) - 1, mask=False)
                           for i in range(len(data))))
        conn.send(close_frame(1000, mask=False))
        _, close = self.read_client_close(conn)
        self.assertEqual(close.close_code, 1000)
        self.finish_close(conn, 1000)
        out, _ = self.assertExitStatus(p, 0)
        self.assertEqual(out, ["κόσμε😀"])


class Close(RawServerTest):
    def test_invalid_close_codes_from_server(self):
        for code in (0, 999, 1005, 1006, 1015, 2999, 5000):
            with self.subTest(code=code):
                self.setUp()
                self.assertClientFails(close_frame(code, mask=False), 1002)

    def test_close_reason_invalid_utf8(self):
        # Not UTF-8 is 1007 (RFC 6455 5.5.1, 7.4.1), as for a text message.
        self.assertClientFails(close_frame(1000, b"\xff\xfe", mask=False), 1007)

    def test_server_close_1000_answered_once(self):
        p = self.client(keep_stdin_open=True)
        conn, _ = self.server.accept_ws()
        self.addCleanup(conn.close)
        conn.send(close_frame(1000, "done", mask=False))
        before, close = self.read_client_close(conn)
        self.assertEqual(before, [])
        self.assertEqual(close.close_code, 1000, repr(close))
        conn.shutdown_write()
        self.assertTrue(conn.wait_eof(), "wskit did not close the TCP connection")
        self.assertEqual(conn.buf, b"", "wskit sent more after its close frame")
        self.assertExitStatus(p, 0)

    def test_server_close_4001(self):
        p = self.client(keep_stdin_open=True)
        conn, _ = self.server.accept_ws()
        self.addCleanup(conn.close)
        conn.send(close_frame(4001, "custom", mask=False))
        _, close = self.read_client_close(conn)
        self.assertEqual(close.close_code, 4001, repr(close))
        conn.shutdown_write()
        self.assertTrue(conn.wait_eof())
        self.assertEqual(conn.buf, b"", "wskit sent more after its close frame")
        self.assertExitStatus(p, ABNORMAL)

    def test_messages_after_client_close_are_printed_and_one_close_sent(self):
        p = self.client(stdin=b"last\n")
        conn, _ = self.server.accept_ws()
        self.addCleanup(conn.close)
        before, close = self.read_client_close(conn)
        self.assertEqual([(f.opcode, f.payload) for f in before], [(TEXT, b"last")])
        self.assertEqual(close.close_code, 1000)
        conn.send(frame(TEXT, "late 1", mask=False) + frame(TEXT, "late 2", mask=False) +
                  frame(PING, "are you there", mask=False))
        extra = self.finish_close(conn, 1000)
        closes = [f for f in extra if f.opcode == CLOSE]
        self.assertEqual(closes, [], f"wskit sent a second close frame: {extra!r}")
        out, _ = self.assertExitStatus(p, 0)
        self.assertEqual(out, ["late 1", "late 2"])

    def test_close_code_and_reason_options(self):
        p = self.client("--close-code", "4321", "--close-reason", "bye now")
        conn, _ = self.server.accept_ws()
        self.addCleanup(conn.close)
        _, close = self.read_client_close(conn)
        self.assertEqual((close.close_code, close.close_reason), (4321, b"bye now"))
        self.finish_close(conn, 4321)
        # The user chose the code, so the server's echo of it is a normal end.
        self.assertExitStatus(p, 0)

    def test_server_hangs_up_without_close(self):
        p = self.client(keep_stdin_open=True)
        conn, _ = self.server.accept_ws()
        conn.send(frame(TEXT, "bye", mask=False))
        conn.close()
        out, _ = self.assertExitStatus(p, ABNORMAL)
        self.assertEqual(out, ["bye"])


if __name__ == "__main__":
    main()
