"""wskit proxy's faults on purpose, each checked by what a raw client (and
the server, peers/proxy_upstream.py) observes: --delay (with a jitter that
never reorders), --throttle, --drop-every (said on stdout), --close-after
(by count or time, with its code and reason, crossing to the other leg),
--kill-after (no close frame: 1014 towards the client, 1001 towards the
server) and --refuse-every (503), on the leg --leg names. Times are measured
with the monotonic clock: lower bounds are the faults' promises, upper bounds
only catch a hang."""
import time

import rawws
from rawws import BINARY, TEXT
from harness import main
from proxy_support import ProxyCase, read_message


class Faults(ProxyCase):
    def setUp(self):
        self.server, self.server_url = self.upstream()

    def faulty(self, *args):
        """A proxy with these fault options and a client through it."""
        px, _, port = self.proxy(self.server_url, *args)
        return px, self.client(port)

    def round_trip(self, conn, text):
        start = time.monotonic()
        conn.send_frame(TEXT, text)
        self.expect_message(conn, TEXT, text)
        return time.monotonic() - start

    def test_delay_holds_each_message_on_the_legs_it_acts_on(self):
        for args, at_least in ((("--delay", "300"), 0.6), (("--delay", "300", "--leg", "client"), 0.3),
                               (("--delay", "300", "--leg", "upstream"), 0.3)):
            with self.subTest(args=args):
                _, conn = self.faulty(*args)
                took = self.round_trip(conn, "timed")
                self.assertGreaterEqual(took, at_least, f"a round trip took {took * 1000:.0f} ms")
                self.assertLess(took, at_least + 5)

    def test_a_jitter_never_reorders_messages(self):
        _, conn = self.faulty("--delay", "150±140")
        sent = [f"message {i}" for i in range(1, 21)]
        for text in sent:
            conn.send_frame(TEXT, text)
        got = [read_message(conn) for _ in sent]
        self.assertEqual(got, [(TEXT, text.encode()) for text in sent])
        self.saw(self.server, "text", text=sent[-1])
        self.assertEqual(self.texts(self.server), sent)

    def test_throttle_paces_the_payload(self):
        # 20000 B/s: four messages of 10000 B leave 0.5 s apart, the first at once.
        _, conn = self.faulty("--throttle", "20000", "--leg", "upstream")
        payloads = [bytes([i]) * 10000 for i in range(4)]
        start = time.monotonic()
        for p in payloads:
            conn.send_frame(BINARY, p)
        for p in payloads:
            self.expect_message(conn, BINARY, p)
        took = time.monotonic() - start
        self.assertGreaterEqual(took, 1.5, f"40 KB at 20000 B/s took {took:.2f} s")
        self.assertLess(took, 10)

    def test_drop_every_drops_every_nth_message_and_says_so(self):
        # On the way to the client: the server sends six, the client gets
        # the odd ones; the seventh goes through.
        px, conn = self.faulty("--drop-every", "2", "--leg", "client")
        conn.send_frame(TEXT, "/send 6 m")
        conn.send_frame(TEXT, "/send 1 last")
        got = [read_message(conn) for _ in range(4)]
        self.assertEqual(got, [(TEXT, b"m 1"), (TEXT, b"m 3"), (TEXT, b"m 5"), (TEXT, b"last 1")])
        self.wait_lines(px, ["#1 C: dropped a text message of 3 B on its way to the client (--drop-every 2)"] * 3)
        self.assertEqual(len([l for l in px.seen["stdout"] if "dropped" in l]), 3, px.seen["stdout"])

        # On the way to the server.
        px, conn = self.faulty("--drop-every", "2", "--leg", "upstream")
        for i in range(1, 8):
            conn.send_frame(TEXT, str(i))
        got = [read_message(conn) for _ in range(4)]
        self.assertEqual(got, [(TEXT, b"1"), (TEXT, b"3"), (TEXT, b"5"), (TEXT, b"7")])
        self.saw(self.server, "text", conn=2, text="7")
        self.assertEqual(self.texts(self.server, conn=2), ["1", "3", "5", "7"])
        self.wait_lines(px, ["#1 S: dropped a text message of 1 B on its way to the server (--drop-every 2)"] * 3)

    def test_close_after_n_messages_closes_the_leg_and_the_other_gets_the_same_close(self):
        px, conn = self.faulty("--close-after", "3:4000:enough", "--leg", "client")
        conn.send_frame(TEXT, "/send 5 m")
        before = self.expect_close(conn, 4000, "enough")  # answered with the same code and reason
        self.assertEqual(before, [(TEXT, b"m 1"), (TEXT, b"m 2"), (TEXT, b"m 3")])
        closed = self.event(self.server, "closed")
        self.assertEqual((closed["code"], closed["reason"]), (4000, "enough"))
        px.wait_line(r"^#1 C: closing with 4000 \(--close-after\)$", stream="stdout")

    def test_close_after_reaches_the_server_whatever_the_client_answers(self):
        # The server gets the close the proxy sent, not the client's answer
        # to it: a client may answer with the code alone (RFC 6455 5.5.1).
        px, conn = self.faulty("--close-after", "3:4000:enough", "--leg", "client")
        conn.send_frame(TEXT, "/send 3 m")
        self.expect_close(conn, 4000, "enough", answer=False)
        conn.send(rawws.close_frame(4000))
        closed = self.event(self.server, "closed")
        self.assertEqual((closed["code"], closed["reason"]), (4000, "enough"))

    def test_close_after_a_time_closes_the_upstream_leg(self):
        # The time runs from the leg's opening: measured from before it.
        px, _, port = self.proxy(self.server_url, "--close-after", "300ms:4005:time is up", "--leg", "upstream")
        start = time.monotonic()
        conn = self.client(port)
        self.assertEqual(self.expect_close(conn, 4005, "time is up"), [])
        took = time.monotonic() - start
        self.assertGreaterEqual(took, 0.3)
        self.assertLess(took, 5)
        closed = self.event(self.server, "closed")
        self.assertEqual((closed["code"], closed["reason"]), (4005, "time is up"))
        px.wait_line(r"^#1 S: closing with 4005 \(--close-after\)$", stream="stdout")

    def test_kill_after_drops_the_upstream_and_the_client_gets_1014(self):
        px, conn = self.faulty("--kill-after", "2", "--leg", "upstream")
        for text in ("a", "b", "c"):
            conn.send_frame(TEXT, text)
        self.expect_close(conn, 1014, "upstream connection lost")
        self.assertEqual(self.event(self.server, "closed")["code"], 1006)  # no close frame reached it
        px.wait_line(r"^#1 S: dropping the connection without a close frame \(--kill-after\)$", stream="stdout")
        self.assertNotIn("c", self.texts(self.server))

    def test_kill_after_drops_the_client_and_the_server_gets_1001(self):
        px, _, port = self.proxy(self.server_url, "--kill-after", "300ms", "--leg", "client")
        start = time.monotonic()
        conn = self.client(port)
        frames = conn.read_frames_until_close()  # until EOF: no close frame comes
        took = time.monotonic() - start
        self.assertEqual(frames, [])
        self.assertGreaterEqual(took, 0.3)
        closed = self.event(self.server, "closed")
        self.assertEqual((closed["code"], closed["reason"]), (1001, "client went away"))
        px.wait_line(r"^#1 C: dropping the connection without a close frame \(--kill-after\)$", stream="stdout")

    def test_kill_after_n_lets_the_nth_message_through(self):
        # --kill-after N drops the connection once the Nth message has been
        # written, not as it is handed over: the peer gets N, and no more.
        with self.subTest(leg="upstream"):
            _, conn = self.faulty("--kill-after", "2", "--leg", "upstream")
            for text in ("a", "b", "c"):
                conn.send_frame(TEXT, text)
            self.expect_close(conn, 1014)
            self.event(self.server, "closed")
            self.assertEqual(self.texts(self.server), ["a", "b"])
        with self.subTest(leg="client"):
            _, conn = self.faulty("--kill-after", "2", "--leg", "client")
            conn.send_frame(TEXT, "/send 3 m")
            frames = conn.read_frames_until_close()
            self.assertEqual([f.payload for f in frames], [b"m 1", b"m 2"])

    def test_refuse_every_answers_every_nth_upgrade_with_503(self):
        px, _, port = self.proxy(self.server_url, "--refuse-every", "2")
        answers = [self.handshake(port, f"/{i}") for i in range(1, 5)]
        self.assertEqual([a.status for a in answers], [101, 503, 101, 503], answers)
        self.assertEqual(answers[1].headers.get("retry-after"), "1")
        self.assertEqual(answers[1].body, b"Refused on purpose (wskit proxy --refuse-every).\n")
        self.wait_lines(px, ["#2 refused with 503 (--refuse-every 2)", "#4 refused with 503 (--refuse-every 2)"],
                        stream="stderr")
        # The refused clients never reached the server.
        self.assertEqual(self.event(self.server, "request")["path"], "/1")
        self.assertEqual(self.event(self.server, "request")["path"], "/3")
        self.assertEqual([e["path"] for e in self.events(self.server, "request")], ["/1", "/3"])


if __name__ == "__main__":
    main()
