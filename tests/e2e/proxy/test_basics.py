"""wskit proxy between a raw client (rawws, which sees every frame) and a
Python `websockets` server (peers/proxy_upstream.py, which says what reached
it): messages cross intact with their opcodes and boundaries, each client
has its own upstream connection, pings and pongs cross and are answered by
the far side, close codes and reasons cross both ways, a leg dropped without
a close becomes 1014 or 1001 on the other, and the proxy prints every event
with its direction. --once and signals end it with the documented status."""
import hashlib
import json
import os
import re
import signal
import subprocess

import rawws
from rawws import BINARY, CLOSE, CONT, PING, PONG, TEXT, frame
from harness import PEERS, PYTHON, free_port, main
from proxy_support import ProxyCase, read_message


class Relay(ProxyCase):
    def setUp(self):
        self.server, self.server_url = self.upstream()
        self.px, self.url, self.port = self.proxy(self.server_url, "-P")

    def out(self, pattern):
        """Waits for a line of the proxy's stdout."""
        return self.px.wait_line(pattern, stream="stdout")

    def test_text_and_binary_cross_intact_with_their_boundaries(self):
        self.assertEqual(self.px.seen["stderr"], [f"listening on {self.url}", f"forwarding to {self.server_url}"])
        conn = self.client(self.port, "/room")
        self.out(r"^#1 S: connected to %s$" % re.escape(self.server_url + "room"))
        self.out(r"^#1 C: connected from 127\.0\.0\.1:\d+ to /room$")
        conn.send_frame(TEXT, "hello")
        self.expect_message(conn, TEXT, "hello")
        # Two messages in one TCP segment stay two; one message in three
        # fragments arrives as one; an empty one stays a message.
        conn.send(frame(TEXT, "first") + frame(TEXT, "second"))
        self.expect_message(conn, TEXT, "first")
        self.expect_message(conn, TEXT, "second")
        conn.send(frame(TEXT, "part one, ", fin=False) + frame(CONT, "part two, ", fin=False) +
                  frame(CONT, "part three", fin=True))
        self.expect_message(conn, TEXT, "part one, part two, part three")
        conn.send_frame(TEXT, "")
        self.expect_message(conn, TEXT, "")
        conn.send_frame(TEXT, "héllo ✓")
        self.expect_message(conn, TEXT, "héllo ✓")
        every_byte = bytes(range(256))
        conn.send_frame(BINARY, every_byte)
        self.expect_message(conn, BINARY, every_byte)
        big = os.urandom(1024 * 1024)
        conn.send_frame(BINARY, big)
        self.expect_message(conn, BINARY, big)

        self.saw(self.server, "binary", size=len(big))
        self.assertEqual(self.texts(self.server), ["hello", "first", "second", "part one, part two, part three", "",
                                                   "héllo ✓"])
        binaries = [(e["size"], e["sha256"]) for e in self.events(self.server, "binary")]
        self.assertEqual(binaries, [(256, hashlib.sha256(every_byte).hexdigest()),
                                    (len(big), hashlib.sha256(big).hexdigest())])
        # Each message printed once as it came from the client, once as it
        # came back from the server, in the order each side sent them.
        texts = ["hello", "first", "second", "part one, part two, part three", "", "héllo ✓"]
        binaries = ["[binary 256 B]", "[binary 1048576 B]"]
        self.wait_lines(self.px, [f"#1 {mark} {text}" for mark in ("C>", "<S") for text in texts + binaries])
        for mark in ("C>", "<S"):
            said = [line for line in self.px.seen["stdout"] if line.startswith(f"#1 {mark}")]
            self.assertEqual(said, [f"#1 {mark} {text}" for text in texts + binaries])

    def test_library_clients_get_everything_through(self):
        # Python websockets: text, binary, empty ones, 16 MiB (the default
        # --max-size, which passes), a ping answered, a clean close.
        done = subprocess.run([PYTHON, os.path.join(PEERS, "py_client.py"), "checks", self.url], capture_output=True,
                              timeout=60)
        checks = [json.loads(line) for line in done.stdout.decode().splitlines()]
        self.assertEqual([(c["check"], c["ok"]) for c in checks],
                         [(name, True) for name in ("text", "binary", "empty-text", "empty-binary", "16MiB", "ping",
                                                    "close")], done)
        # wskit connect: what it sends comes back, and it exits 0.
        r = self.wskit("connect", "-x", "from wskit connect", "--count", "1", self.url + "wskit")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"from wskit connect\n")
        self.saw(self.server, "text", conn=2, text="from wskit connect")

    def test_clients_have_their_own_upstream_connections(self):
        one = self.client(self.port, "/one")
        self.event(self.server, "open", conn=1, path="/one")
        two = self.client(self.port, "/two")
        self.event(self.server, "open", conn=2, path="/two")
        two.send_frame(TEXT, "from two")
        one.send_frame(TEXT, "from one")
        self.expect_message(one, TEXT, "from one")
        self.expect_message(two, TEXT, "from two")
        self.saw(self.server, "text", conn=1, text="from one")
        self.saw(self.server, "text", conn=2, text="from two")
        self.assertEqual(self.texts(self.server, conn=1), ["from one"])
        self.assertEqual(self.texts(self.server, conn=2), ["from two"])
        self.wait_lines(self.px, ["#2 C> from two", "#1 C> from one", "#1 <S from one", "#2 <S from two"])
        one.send_frame(TEXT, "/send 2 just one")  # the server talks to one client only
        self.expect_message(one, TEXT, "just one 1")
        self.expect_message(one, TEXT, "just one 2")
        two.send_frame(TEXT, "still two")
        self.expect_message(two, TEXT, "still two")  # nothing of one's came first

    def test_ten_clients_at_once_each_with_its_own_conversation(self):
        clients = [self.client(self.port, f"/c{i}") for i in range(10)]
        for i, conn in enumerate(clients):
            conn.send_frame(TEXT, f"/send 3 to client {i}")
        for i, conn in enumerate(clients):
            for n in (1, 2, 3):
                self.expect_message(conn, TEXT, f"to client {i} {n}")
        opened = {self.saw(self.server, "open", path=f"/c{i}")["conn"] for i in range(10)}
        self.assertEqual(opened, set(range(1, 11)))

    def test_a_ping_from_the_client_is_answered_by_the_server(self):
        # raw_ws_server.py --mode pong says each frame it reads and answers
        # pings itself: one pong, the server's, comes back before the echo
        # of the text sent after the ping.
        server, url = self.upstream("--mode", "pong", script="raw_ws_server.py")
        px, _, port = self.proxy(url, "-P")
        conn = self.client(port)
        conn.send_frame(PING, "are you there")
        conn.send_frame(TEXT, "after the ping")
        server.wait_line(r"^frame ping len=13 data=are you there$")
        self.assertEqual(read_message(conn), (PONG, b"are you there"))
        self.assertEqual(read_message(conn), (TEXT, b"after the ping"))
        px.wait_line(r"^#1 C> \[ping are you there\]$", stream="stdout")
        px.wait_line(r"^#1 <S \[pong are you there\]$", stream="stdout")

    def test_a_ping_from_the_server_is_answered_by_the_client(self):
        conn = self.client(self.port)
        conn.send_frame(TEXT, "/ping from the server")
        self.assertEqual(read_message(conn), (PING, b"from the server"))
        conn.send_frame(PONG, "from the server")
        conn.send_frame(TEXT, "after the pong")
        self.expect_message(conn, TEXT, "after the pong")
        self.event(self.server, "text", text="after the pong")
        # One pong reached the server, ours: the proxy did not answer the
        # ping itself.
        pongs = self.events(self.server, "pong")
        self.assertEqual([p["data"] for p in pongs], ["from the server"])
        self.out(r"^#1 <S \[ping from the server\]$")
        self.out(r"^#1 C> \[pong from the server\]$")

    def test_close_codes_and_reasons_cross_both_ways(self):
        conn = self.client(self.port)
        conn.send(rawws.close_frame(4001, "bye from the client"))
        self.expect_close(conn, 4001, answer=False)
        closed = self.event(self.server, "closed", conn=1)
        self.assertEqual((closed["code"], closed["reason"]), (4001, "bye from the client"))
        self.out(r"^#1 C: disconnected \(code 4001, reason: bye from the client\)$")
        self.out(r"^#1 S: closing \(code 4001, reason: bye from the client\)$")

        conn = self.client(self.port)
        conn.send_frame(TEXT, "/close 4002 bye from the server")
        self.expect_close(conn, 4002, "bye from the server")
        closed = self.event(self.server, "closed", conn=2)
        self.assertEqual((closed["code"], closed["reason"]), (4002, "bye from the server"))
        self.out(r"^#2 S: disconnected \(code 4002, reason: bye from the server\)$")
        self.out(r"^#2 C: closing \(code 4002, reason: bye from the server\)$")  # the proxy passed it on

        # A close without a code goes on without one.
        conn = self.client(self.port)
        conn.send(rawws.close_frame())
        self.assertEqual(read_message(conn)[0], CLOSE)
        closed = self.event(self.server, "closed", conn=3)
        self.assertEqual((closed["code"], closed["reason"]), (1005, ""))

    def test_a_leg_dropped_without_a_close_closes_the_other_with_1014_or_1001(self):
        conn = self.client(self.port)
        conn.send_frame(TEXT, "/drop")
        self.expect_close(conn, 1014, "upstream connection lost")
        self.out(r"^#1 S: disconnected \(code 1006")
        self.out(r"^#1 C: closing \(code 1014")

        conn = self.client(self.port)
        conn.send_frame(TEXT, "hello")
        self.expect_message(conn, TEXT, "hello")
        conn.abort()  # a TCP reset, no close frame
        closed = self.event(self.server, "closed", conn=2)
        self.assertEqual((closed["code"], closed["reason"]), (1001, "client went away"))

    def test_messages_the_server_sends_at_once_wait_for_the_client(self):
        # The server greets and closes before the client has its 101: what it
        # said is held until the client's leg is open, then comes in order.
        server, url = self.upstream("--send", "welcome", "--send", "second", "--close", "4003", script="py_server.py")
        _, _, port = self.proxy(url)
        conn = self.client(port)
        before = self.expect_close(conn, 4003, "bye")
        self.assertEqual(before, [(TEXT, b"welcome"), (TEXT, b"second")])
        server.wait_line(r"^closed code=4003 reason=bye$")


class Slash(ProxyCase):
    def test_slash_commands_inject_list_and_close(self):
        server, server_url = self.upstream()
        px, _, port = self.proxy(server_url, "--slash", stdin=subprocess.PIPE)

        def command(line):
            px.proc.stdin.write((line + "\n").encode())
            px.proc.stdin.flush()

        conn = self.client(port, "/p")
        command("/send 1 c to the client only")
        self.expect_message(conn, TEXT, "to the client only")
        command("/send 1 s to the server")
        self.expect_message(conn, TEXT, "to the server")  # its echo
        self.saw(server, "text", text="to the server")
        self.assertEqual(self.texts(server), ["to the server"])
        px.wait_line(r"^#1 C< to the client only$", stream="stdout")
        px.wait_line(r"^#1 >S to the server$", stream="stdout")
        command("/list")
        px.wait_line(r"^#1 127\.0\.0\.1:\d+ path /p upstream %s connected \d+s messages C> 0 <S 1$"
                     % re.escape(server_url + "p"), stream="stdout")
        command("/send 9 c nobody")
        px.wait_line(r"^wskit: no pair #9 \(type /list\)$")
        command("/close 1 4003 closed by hand")
        self.expect_close(conn, 4003, "closed by hand")
        closed = self.saw(server, "closed")
        self.assertEqual((closed["code"], closed["reason"]), (4003, "closed by hand"))
        command("/quit")
        self.assertEqual(px.wait(), 0, px.seen)


class Json(ProxyCase):
    def test_events_carry_conn_leg_and_dir(self):
        server, server_url = self.upstream("--subprotocol", "v1")
        px, url, port = self.proxy(server_url, "--json")

        def next_event(**fields):
            while True:
                e = json.loads(px.wait_line(r"^\{", stream="stdout").string)
                if all(e.get(k) == v for k, v in fields.items()):
                    return e

        self.assertEqual(next_event(event="listening")["url"], url)
        conn = self.client(port, "/j", headers={"Sec-WebSocket-Protocol": "v1"})
        up = next_event(event="open", leg="upstream")
        self.assertEqual((up["conn"], up["url"], up["subprotocol"]), (1, server_url + "j", "v1"))
        down = next_event(event="open", leg="client")
        self.assertEqual((down["conn"], down["subprotocol"]), (1, "v1"))
        self.assertRegex(down["peer"], r"^127\.0\.0\.1:\d+$")
        conn.send_frame(TEXT, "hi")
        conn.send_frame(BINARY, b"\x00\x01\xff")
        self.expect_message(conn, TEXT, "hi")
        self.expect_message(conn, BINARY, b"\x00\x01\xff")
        got = [next_event(event="message") for _ in range(4)]
        keyed = {(e["leg"], e["dir"], e["opcode"]): e for e in got}
        self.assertEqual(sorted(keyed), [("client", "in", "binary"), ("client", "in", "text"),
                                         ("upstream", "in", "binary"), ("upstream", "in", "text")], got)
        self.assertEqual({e["conn"] for e in got}, {1})
        self.assertEqual(keyed[("client", "in", "text")]["text"], "hi")
        self.assertEqual(keyed[("upstream", "in", "binary")]["base64"], "AAH/")
        conn.send(rawws.close_frame(4001, "json bye"))
        self.expect_close(conn, 4001, answer=False)
        client_close = next_event(event="close", leg="client")
        self.assertEqual((client_close["conn"], client_close["code"], client_close["reason"]), (1, 4001, "json bye"))

        second = self.client(port)
        second.send_frame(TEXT, "two")
        self.assertEqual(next_event(event="message", leg="client")["conn"], 2)


class Lifetime(ProxyCase):
    def test_once_exits_0_after_a_normal_close_and_6_after_another(self):
        server, server_url = self.upstream()
        for code, status in ((1000, 0), (4001, 6)):
            with self.subTest(code=code):
                px, _, port = self.proxy(server_url, "--once")
                conn = self.client(port)
                conn.send_frame(TEXT, "once")
                self.expect_message(conn, TEXT, "once")
                conn.send(rawws.close_frame(code, "done"))
                self.expect_close(conn, code, answer=False)
                self.assertEqual(px.wait(), status, px.seen)
                self.assertIn(f"#1 C: disconnected (code {code}, reason: done)", px.seen["stdout"])

    def test_once_with_an_unreachable_server_exits_6_after_the_502(self):
        px, _, port = self.proxy(f"ws://127.0.0.1:{free_port()}/", "--once")
        self.assertEqual(self.handshake(port).status, 502)
        self.assertEqual(px.wait(), 6, px.seen)

    def test_signals_close_every_pair_with_1001(self):
        server, server_url = self.upstream()
        for signo, status in ((signal.SIGTERM, 143), (signal.SIGINT, 130)):
            with self.subTest(signal=signo):
                px, _, port = self.proxy(server_url)
                first = self.client(port)
                second = self.client(port)
                for conn in (first, second):
                    conn.send_frame(TEXT, "here")
                    self.expect_message(conn, TEXT, "here")
                px.signal(signo)
                for conn in (first, second):
                    self.expect_close(conn, 1001, "proxy shutting down")
                self.assertEqual(px.wait(), status, px.seen)
                for _ in range(2):
                    closed = self.event(server, "closed")
                    self.assertEqual((closed["code"], closed["reason"]), (1001, "proxy shutting down"))


if __name__ == "__main__":
    main()
