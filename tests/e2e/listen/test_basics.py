"""wskit listen against clients nobody here wrote: Python `websockets`, Node
`ws`, headless Chromium, curl, and wskit connect. What listen prints, what the
clients get, and how it exits."""
import json
import os
import re
import subprocess

from harness import (CertsTestCase, NODE, PEERS, PYTHON, TestCase, WSKIT, main, port_of)  # noqa: E402


class ListenCase(TestCase):
    def listen(self, *args):
        """Starts `wskit listen ... 0` with a stdin pipe and human output;
        returns (process, url)."""
        return self.start_wskit_server("listen", "--output", "human", *args, "0", stdin=subprocess.PIPE)

    def type(self, listen, line):
        listen.proc.stdin.write((line + "\n").encode())
        listen.proc.stdin.flush()

    def py_client(self, url, *args):
        return self.start([PYTHON, os.path.join(PEERS, "py_talk_client.py"), url, *args], stdin=subprocess.PIPE)

    def node_client(self, url, text=None):
        args = [NODE, os.path.join(PEERS, "node_client.cjs"), "talk", url]
        return self.start(args + ([text] if text is not None else []))

    def expect(self, client, **fields):
        """Waits for the client's JSON line with these fields (and values)."""
        while True:
            line = json.loads(client.wait_line(r"^\{", stream="stdout").string)
            if all(line.get(k) == v for k, v in fields.items()):
                return line


class TestClients(ListenCase):
    def test_several_clients_get_ids_stdin_and_to(self):
        listen, url = self.listen("--slash")
        py = self.py_client(url + "py")
        self.expect(py, open=True)
        listen.wait_line(r"^#1 connected from 127\.0\.0\.1:\d+ to /py$", stream="stdout")
        node = self.node_client(url + "node", "hello from node")
        self.expect(node, open=True)
        listen.wait_line(r"^#2 connected from .* to /node$", stream="stdout")
        listen.wait_line(r"^#2 < hello from node$", stream="stdout")
        wskit = self.start([WSKIT, "connect", "--keep-open", url + "wskit"], stdin=subprocess.PIPE)
        listen.wait_line(r"^#3 connected from .* to /wskit$", stream="stdout")

        self.type(listen, "to everyone")
        self.expect(py, message="to everyone")
        self.expect(node, message="to everyone")
        wskit.wait_line(r"^to everyone$", stream="stdout")
        listen.wait_line(r"^> to everyone$", stream="stdout")

        self.type(listen, "/to 2 just node")
        self.expect(node, message="just node")
        listen.wait_line(r"^#2 > just node$", stream="stdout")
        self.type(listen, "after")
        self.expect(py, message="after")  # py never saw "just node": messages arrive in order
        self.assertNotIn('"just node"', "\n".join(py.seen["stdout"]))

        py.proc.stdin.write(b"send from python\n")
        py.proc.stdin.flush()
        listen.wait_line(r"^#1 < from python$", stream="stdout")

        self.type(listen, "/list")
        listen.wait_line(r"^#1 127\.0\.0\.1:\d+ path /py subprotocol - connected \d+s messages in 1 out 2$",
                         stream="stdout")
        listen.wait_line(r"^#2 .* path /node .* messages in 1 out 3$", stream="stdout")

    def test_kick_sends_the_code_and_reason(self):
        listen, url = self.listen("--slash")
        node = self.node_client(url)
        self.expect(node, open=True)
        listen.wait_line(r"^#1 connected", stream="stdout")
        self.type(listen, "/kick 1 4000 bye")
        self.expect(node, closed=4000, reason="bye")
        listen.wait_line(r"^#1 closing .*4000", stream="stdout")  # listen closed it
        self.type(listen, "/kick 1")
        listen.wait_line(r"wskit: no client #1 \(type /list\)")
        self.type(listen, "/kick x")
        listen.wait_line(r"wskit: /kick takes a client id")

    def test_input_before_any_client_goes_to_the_first(self):
        listen, url = self.listen()
        self.type(listen, "early one")
        self.type(listen, "early two")
        py = self.py_client(url)
        self.expect(py, message="early one")
        self.expect(py, message="early two")
        second = self.py_client(url)
        self.expect(second, open=True)
        self.type(listen, "later")
        self.expect(second, message="later")
        self.assertNotIn("early", "\n".join(second.seen["stdout"]))

    def test_json_events_carry_the_connection_id(self):
        listen, url = self.start_wskit_server("listen", "--json", "-s", "chat", "0", stdin=subprocess.PIPE)
        self.assertEqual(json.loads(listen.wait_line(r"^\{.*listening", stream="stdout").string)["url"], url)
        py = self.py_client(url + "room?x=1", "--subprotocol", "chat")
        self.expect(py, open=True, subprotocol="chat")
        opened = json.loads(listen.wait_line(r'"event":"open"', stream="stdout").string)
        self.assertEqual((opened["conn"], opened["url"], opened["subprotocol"]), (1, url + "room?x=1", "chat"))
        self.assertRegex(opened["peer"], r"^127\.0\.0\.1:\d+$")
        py.proc.stdin.write(b"send hi\nclose 1000 done\n")
        py.proc.stdin.flush()
        msg = json.loads(listen.wait_line(r'"event":"message"', stream="stdout").string)
        self.assertEqual((msg["conn"], msg["dir"], msg["text"]), (1, "in", "hi"))
        closed = json.loads(listen.wait_line(r'"event":"close"', stream="stdout").string)
        self.assertEqual((closed["conn"], closed["code"], closed["reason"]), (1, 1000, "done"))

    def test_hex_dump_lines_align_under_the_client_id(self):
        import rawws
        listen, url = self.listen()
        conn = rawws.ws_connect(int(url.rsplit(":", 1)[1].strip("/")))
        self.addCleanup(conn.close)
        conn.send_frame(rawws.BINARY, bytes(range(40)))
        listen.wait_line(r"^#1 < \[binary 40 B\]$", stream="stdout")
        rows = [listen.wait_line(r"0000000|0000001|00000020", stream="stdout").string for _ in range(3)]
        self.assertEqual(rows[0], "#1   00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|")
        self.assertEqual([r.index("000000") for r in rows], [5, 5, 5], rows)
        self.assertTrue(rows[1].startswith("     00000010  10 11"), rows)

    def test_verbose_line_and_json_open_event_show_origin_agent_and_url(self):
        import rawws

        def handshake(port, path, headers):
            r = rawws.http_exchange(port, rawws.upgrade_request(f"127.0.0.1:{port}", path, headers=headers))
            self.assertEqual(r.status, 101)
        listen, url = self.listen("-v")
        port = port_of(url)
        handshake(port, "/p?q=1", {"Origin": f"http://127.0.0.1:{port}", "User-Agent": "probe/1 \x1b[31m"})
        listen.wait_line(r"^#1 connected from 127\.0\.0\.1:\d+ to /p\?q=1; origin http://127\.0\.0\.1:%d; "
                         r"user agent probe/1 \\x1b\[31m$" % port, stream="stdout")

        js, js_url = self.start_wskit_server("listen", "--json", "0", stdin=subprocess.PIPE)
        handshake(port_of(js_url), "/room?x=1", {"User-Agent": "probe/2"})
        opened = json.loads(js.wait_line(r'"event":"open"', stream="stdout").string)
        self.assertEqual(opened["url"], js_url + "room?x=1")  # as asked, with its Host
        self.assertEqual(opened["origin"], "")
        self.assertEqual(opened["user_agent"], "probe/2")

    def test_verbose_shows_the_request(self):
        listen, url = self.listen("-v")
        py = self.py_client(url + "p?q=1", "--header", "X-Custom: a\x1bb")
        self.expect(py, open=True)
        listen.wait_line(r"^#1 < GET /p\?q=1 HTTP/1\.1$")
        listen.wait_line(r"^#1 < X-Custom: a\\x1bb$")  # escaped


class TestOnce(ListenCase):
    def once(self, close_args):
        listen, url = self.start_wskit_server("listen", "--once", "0", stdin=subprocess.PIPE)
        py = self.py_client(url)
        self.expect(py, open=True)
        refused = self.py_client(url)  # one client at a time
        self.expect(refused, status=503)
        py.proc.stdin.write(f"send saved line\nclose {close_args}\n".encode())
        py.proc.stdin.flush()
        return listen, listen.wait()

    def test_a_normal_close_exits_0_with_what_was_sent(self):
        listen, code = self.once("1000 done")
        self.assertEqual(code, 0, listen.seen)
        self.assertEqual(listen.seen["stdout"], ["saved line"])

    def test_an_abnormal_close_exits_6(self):
        listen, code = self.once("4001 broken")
        self.assertEqual(code, 6, listen.seen)


class TestRefusals(ListenCase):
    def test_wrong_origin_is_403_with_a_line_on_stderr(self):
        listen, url = self.listen("--origin", "https://app.test")
        bad = self.py_client(url, "--origin", "https://evil.test")
        self.expect(bad, status=403)
        listen.wait_line(r"wskit: refused 127\.0\.0\.1:\d+: origin 'https://evil\.test' is not allowed \(--origin\)")
        good = self.py_client(url, "--origin", "https://app.test")
        self.expect(good, open=True)
        no_origin = self.py_client(url)
        self.expect(no_origin, open=True)

    def test_max_clients_is_503(self):
        listen, url = self.listen("--max-clients", "1")
        first = self.py_client(url)
        self.expect(first, open=True)
        second = self.py_client(url)
        self.expect(second, status=503)

    def test_plain_get_is_426_with_a_page(self):
        listen, url = self.listen()
        r = subprocess.run(["curl", "-s", "-i", "--noproxy", "*", url.replace("ws://", "http://")],
                           capture_output=True, timeout=10)
        head, _, body = r.stdout.decode().partition("\r\n\r\n")
        self.assertRegex(head, r"^HTTP/1\.1 426")
        self.assertIn("Upgrade: websocket", head)
        self.assertIn("WebSocket endpoint", body)

    def test_oversize_message_is_1009(self):
        listen, url = self.listen("--max-size", "100")
        py = self.py_client(url)
        self.expect(py, open=True)
        py.proc.stdin.write(b"send " + b"x" * 200 + b"\n")
        py.proc.stdin.flush()
        self.expect(py, closed=1009)

    def test_bad_input_is_reported_and_the_server_goes_on(self):
        listen, url = self.start_wskit_server("listen", "--hex", "0", stdin=subprocess.PIPE)
        self.type(listen, "zz")
        listen.wait_line(r"wskit: .*hex")
        py = self.py_client(url)
        self.expect(py, open=True)
        listen.signal(2)
        self.assertEqual(listen.wait(), 130)


class TestTls(CertsTestCase, ListenCase):
    def test_wss_with_a_test_ca(self):
        listen, url = self.start_wskit_server("listen", "--cert", self.certs.server_cert, "--key",
                                              self.certs.server_key, "0", stdin=subprocess.PIPE)
        self.assertTrue(url.startswith("wss://"))
        self.type(listen, "over tls")
        r = self.wskit("connect", "-1", "--ca", self.certs.ca, url.replace("127.0.0.1", "localhost"))
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"over tls\n")


class TestBrowser(ListenCase):
    def test_chromium_talks_to_listen(self):
        listen, url = self.listen()
        self.type(listen, "hello browser")
        # From listen's own page (its 426 page): a page of another origin is refused.
        lines = self.run_browser(url.replace("ws://", "http://"), """
            const ws = new WebSocket(args.url);
            const got = await new Promise((resolve, reject) => {
              ws.onmessage = (e) => resolve(e.data);
              ws.onerror = () => reject(new Error('websocket error'));
            });
            ws.send('hello listen');
            await new Promise((r) => setTimeout(r, 100));
            ws.close(1000, 'bye');
            await new Promise((r) => { ws.onclose = r; });
            return got;
        """, args={"url": url})
        self.assertEqual(lines[-1]["done"], "hello browser")
        listen.wait_line(r"^#1 < hello listen$", stream="stdout")
        listen.wait_line(r"^#1 disconnected .*1000", stream="stdout")


if __name__ == "__main__":
    main()
