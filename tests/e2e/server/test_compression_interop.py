"""permessage-deflate between wskit and peers nobody here wrote, with
compression on at the peer: Python `websockets` and Node `ws`
(perMessageDeflate) as clients of `wskit echo/listen/chat --compress` and as
servers for `wskit connect --compress`, and headless Chromium. The agreed
parameters are checked on both sides."""
import json
import subprocess

from harness import PYTHON, TestCase, main

SERVER_ANSWER = "permessage-deflate; server_no_context_takeover"
JSON_LINE = json.dumps({"items": [{"id": i, "name": f"item {i}"} for i in range(40)]})


class WskitServes(TestCase):
    def listen(self):
        listen, url = self.start_wskit_server("listen", "--compress", "--json", "0", stdin=subprocess.PIPE)
        self.addCleanup(listen.proc.stdin.close)
        return listen, url

    def assertOpenedWithCompression(self, listen):
        line = listen.wait_line(r'^\{"event":"open".*', stream="stdout").group(0)
        self.assertEqual(json.loads(line).get("compression"), SERVER_ANSWER)

    def test_python_client(self):
        listen, url = self.listen()
        script = f"""
import asyncio, websockets
async def main():
    async with websockets.connect({url!r}, max_size=None) as ws:
        print(ws.response_headers.get("Sec-WebSocket-Extensions"), flush=True)
        await ws.send({JSON_LINE!r})
        print(await ws.recv(), flush=True)
asyncio.run(main())
"""
        client = self.start([PYTHON, "-c", script])
        self.assertEqual(client.wait_line(r".*", stream="stdout").group(0), SERVER_ANSWER)
        self.assertOpenedWithCompression(listen)
        listen.wait_line(r'"dir":"in".*"text":"\{', stream="stdout")
        listen.proc.stdin.write(b"from listen\n")
        listen.proc.stdin.flush()
        client.wait_line(r"^from listen$", stream="stdout")
        self.assertEqual(client.wait(), 0)

    def test_python_client_against_echo(self):
        echo, url = self.start_wskit_server("echo", "--compress", "0")
        script = f"""
import asyncio, websockets
async def main():
    async with websockets.connect({url!r}, max_size=None) as ws:
        assert ws.response_headers.get("Sec-WebSocket-Extensions") == {SERVER_ANSWER!r}
        for m in [{JSON_LINE!r}, b"\\x00" * 100000, "", "é" * 5000]:
            await ws.send(m)
            assert await ws.recv() == m
        print("ok")
asyncio.run(main())
"""
        r = subprocess.run([PYTHON, "-c", script], capture_output=True, timeout=30)
        self.assertEqual((r.returncode, r.stdout), (0, b"ok\n"), r.stderr)

    def test_node_client(self):
        echo, url = self.start_wskit_server("echo", "--compress", "0")
        node = self.start_node_peer_client(url)
        self.assertEqual(node[0], {"extensions": SERVER_ANSWER})
        self.assertEqual([c for c in node[1:] if not c.get("ok")], [], node)
        self.assertEqual(len(node), 5)

    def start_node_peer_client(self, url):
        import os
        from harness import NODE, PEERS
        r = subprocess.run([NODE, os.path.join(PEERS, "node_deflate.cjs"), "client", url], capture_output=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r)
        return [json.loads(line) for line in r.stdout.decode().splitlines()]

    BROWSER_OPEN = """
        const ws = new WebSocket(args.url);
        await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error('error')); });
        report({extensions: ws.extensions});
        const reply = () => new Promise((r) => { ws.onmessage = (e) => r(e.data); });
    """
    BROWSER_CLOSE = """
        ws.close(1000);
        await new Promise((r) => { ws.onclose = r; });
        return true;
    """

    def test_chromium_against_echo(self):
        _, url = self.start_wskit_server("echo", "--compress", "0")
        lines = self.run_browser("about:blank", self.BROWSER_OPEN + """
            const text = JSON.stringify({hello: 'browser', n: [1, 2, 3]}).repeat(30);
            for (let i = 0; i < 3; i++) {
              ws.send(text);
              report({same: (await reply()) === text});
            }
        """ + self.BROWSER_CLOSE, args={"url": url})
        self.assertEqual(lines[0], {"extensions": SERVER_ANSWER})
        self.assertEqual(lines[1:4], [{"same": True}] * 3)

    def test_chromium_against_listen(self):
        import threading
        listen, url = self.listen()
        result = {}

        def browse():
            try:
                # From listen's own page: listen refuses other origins (about:blank's is null).
                result["lines"] = self.run_browser(url.replace("ws://", "http://"), self.BROWSER_OPEN + """
                    ws.send('hello listen');
                    report({got: await reply()});
                """ + self.BROWSER_CLOSE, args={"url": url})
            except AssertionError as e:
                result["error"] = e

        t = threading.Thread(target=browse)
        t.start()
        try:
            self.assertOpenedWithCompression(listen)
            listen.wait_line(r'"text":"hello listen"', stream="stdout", timeout=60)
            listen.proc.stdin.write(b"hello browser\n")
            listen.proc.stdin.flush()
        finally:
            t.join(90)
        self.assertNotIn("error", result)
        self.assertEqual(result["lines"][0], {"extensions": SERVER_ANSWER})
        self.assertEqual(result["lines"][1], {"got": "hello browser"})


    def test_python_clients_in_a_chat_room(self):
        # A broadcast goes out compressed once for every receiver: each of
        # them inflates it (Python checks RSV1 and the stream).
        _, url = self.start_wskit_server("broadcast-chat", "--compress", "0")
        script = f"""
import asyncio, websockets
async def main():
    async with websockets.connect({url!r} + "room?name=ann") as ann, \\
               websockets.connect({url!r} + "room?name=bob") as bob, \\
               websockets.connect({url!r} + "room?name=cid") as cid:
        for ws in (ann, bob, cid):
            assert ws.response_headers.get("Sec-WebSocket-Extensions") == {SERVER_ANSWER!r}
        await ann.send({JSON_LINE!r})
        for ws in (bob, cid):
            while True:
                m = await asyncio.wait_for(ws.recv(), 5)
                if m.startswith("ann: "):
                    assert m == "ann: " + {JSON_LINE!r}, m[:80]
                    break
        print("ok")
asyncio.run(main())
"""
        r = subprocess.run([PYTHON, "-c", script], capture_output=True, timeout=30)
        self.assertEqual((r.returncode, r.stdout), (0, b"ok\n"), r.stderr)

    def test_chromium_against_chat(self):
        _, url = self.start_wskit_server("broadcast-chat", "--compress", "0")
        other = url + "lobby?name=term"
        lines = self.run_browser(url.replace("ws://", "http://") + "lobby", """
            const ws = new WebSocket(args.url);
            await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error('error')); });
            report({extensions: ws.extensions});
            const seen = [];
            const got = new Promise((r) => { ws.onmessage = (e) => { seen.push(e.data); if (e.data.startsWith('web: ')) r(e.data); }; });
            const peer = new WebSocket(args.url.replace('term', 'web'));
            await new Promise((r) => { peer.onopen = r; });
            peer.send('compressed ' + 'x'.repeat(2000));
            report({got: (await got).length});
            ws.close(1000);
            peer.close(1000);
            return true;
        """, args={"url": other})
        self.assertEqual(lines[0], {"extensions": SERVER_ANSWER})
        self.assertEqual(lines[1], {"got": len("web: compressed ") + 2000})


class WskitConnects(TestCase):
    def connect(self, url, data):
        r = self.wskit("connect", "--compress", "-v", "--json", url, input=data)
        self.assertExit(r, 0)
        events = [json.loads(line) for line in r.stdout.decode().splitlines()]
        return events, r.stderr.decode()

    def test_python_server(self):
        server, url = self.start_python_peer("py_deflate_server.py")
        events, err = self.connect(url, (JSON_LINE + "\n") * 3)
        # websockets answers the default offer with its own choices.
        negotiated = server.wait_line(r"^extensions=(.*)$").group(1)
        self.assertEqual(events[0]["compression"], negotiated)
        self.assertIn("client_max_window_bits=12", negotiated)
        self.assertIn("* permessage-deflate: server context takeover, window 2^12; client context takeover, "
                      "window 2^12", err)
        received = [e["text"] for e in events if e["event"] == "message" and e["dir"] == "in"]
        self.assertEqual(received, [JSON_LINE] * 3)

    def test_node_server(self):
        server, url = self.start_node_peer("node_deflate.cjs", "server")
        events, err = self.connect(url, (JSON_LINE + "\n") * 3)
        negotiated = server.wait_line(r"^extensions=(.*)$").group(1)
        self.assertEqual(negotiated, "permessage-deflate")  # ws keeps its context and 2^15 windows
        self.assertEqual(events[0]["compression"], negotiated)
        self.assertIn("* permessage-deflate: server context takeover, window 2^15; client context takeover, "
                      "window 2^15", err)
        received = [e["text"] for e in events if e["event"] == "message" and e["dir"] == "in"]
        self.assertEqual(received, [JSON_LINE] * 3)

    def test_python_server_with_every_parameter(self):
        server, url = self.start_python_peer("py_deflate_server.py")
        r = self.wskit("connect", "--compress=server_no_context_takeover,client_no_context_takeover,"
                       "server_max_window_bits=10,client_max_window_bits=11", "--json", url, input=JSON_LINE + "\n")
        self.assertExit(r, 0)
        events = [json.loads(line) for line in r.stdout.decode().splitlines()]
        self.assertEqual(events[0]["compression"], "permessage-deflate; server_no_context_takeover; "
                         "client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11")
        self.assertEqual(server.wait_line(r"^extensions=(.*)$").group(1), events[0]["compression"])
        self.assertIn(JSON_LINE, [e.get("text") for e in events])


if __name__ == "__main__":
    main()
