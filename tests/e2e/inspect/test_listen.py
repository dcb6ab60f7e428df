"""wskit handshake-inspect --listen: requests from Python websockets, Node ws
and headless Chromium are shown with their headers and every check passing;
hand-written bad requests are flagged; --respond 403 is seen by the client as
a 403."""
import json
import os
import subprocess

import rawws
from harness import NODE, PEERS, PYTHON, TestCase, main, port_of  # noqa: E402
from inspect_support import VALIDATOR, check  # noqa: E402

GOOD_KEY = "dGhlIHNhbXBsZSBub25jZQ=="


def peer(*cmd):
    """Runs a client peer to completion; returns its JSON lines."""
    done = subprocess.run(list(cmd), capture_output=True, timeout=30)
    return [json.loads(line) for line in done.stdout.decode().splitlines() if line.startswith("{")]


def raw_request(port, head):
    """Sends a hand-written request; returns the status line of the answer."""
    conn = rawws.connect(port, timeout=10)
    try:
        conn.send(head)
        start, _, _ = conn.read_http_head()
        return start
    finally:
        conn.close()


def upgrade_head(port, method="GET", version="HTTP/1.1", key=GOOD_KEY, ws_version="13"):
    """A request to /raw; key or ws_version None leaves that header out."""
    return rawws.upgrade_request(f"127.0.0.1:{port}", "/raw", method=method, version=version,
                                 headers={"Sec-WebSocket-Key": key, "Sec-WebSocket-Version": ws_version})


class InspectListen(TestCase):
    def listen(self, *args):
        return self.start_wskit_server("inspect", "--listen", "0", *args)

    def documents(self, proc, count):
        """The next `count` request documents of a --json server, validated."""
        docs = []
        while len(docs) < count:
            line = proc.wait_line(r"^\{.*\}$", stream="stdout").group(0)
            doc = json.loads(line)
            if doc.get("type") != "request":
                continue
            errors = [e.message for e in VALIDATOR.iter_errors(doc)]
            self.assertEqual(errors, [], line)
            docs.append(doc)
        return docs

    def assert_all_pass(self, doc):
        self.assertEqual([c["id"] for c in doc["checks"] if c["verdict"] != "pass"], [], doc)
        self.assertEqual(len(doc["checks"]), 8)
        self.assertEqual([c["id"] for c in doc["answer_checks"] if c["verdict"] != "pass"], [], doc)
        self.assertEqual(doc["verdict"], "pass")
        self.assertEqual(doc["answered"], 101)

    def test_python_client(self):
        proc, url = self.listen("--json")
        self.assertEqual(peer(PYTHON, os.path.join(PEERS, "py_client.py"), "handshake", url), [{"open": True}])
        doc = self.documents(proc, 1)[0]
        self.assert_all_pass(doc)
        self.assertIn("websockets", doc["user_agent"])
        names = [h["name"] for h in doc["headers"]]
        self.assertIn("Sec-WebSocket-Key", names)
        self.assertEqual(doc["offered"], {"subprotocols": [], "extensions": []})  # py_client offers none

    def test_node_client_human(self):
        proc, url = self.listen()
        self.assertEqual(peer(NODE, os.path.join(PEERS, "node_client.cjs"), "handshake", url), [{"open": True}])
        proc.wait_line(r"^request #1 from 127\.0\.0\.1:\d+", stream="stdout")
        proc.wait_line(r"^  > Sec-WebSocket-Version: 13$", stream="stdout")
        proc.wait_line(r"^  PASS  Sec-WebSocket-Key: \S+ \(16 bytes\)", stream="stdout")
        proc.wait_line(r"^  PASS: answered 101 Switching Protocols$", stream="stdout")

    def test_messages_are_echoed_and_shown(self):
        proc, url = self.listen()
        out = self.wskit("connect", "-x", "hello inspector", "-1", url)
        self.assertExit(out, 0)
        self.assertEqual(out.stdout, b"hello inspector\n")
        proc.wait_line(r"< hello inspector", stream="stdout")

    def test_chromium(self):
        proc, url = self.listen("--json", "-s", "chat")
        page = url.replace("ws://", "http://")
        lines = self.run_browser(page, """
            const ws = new WebSocket(args.url, ['chat']);
            await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
            ws.close();
            return ws.protocol;
        """, args={"url": url})
        self.assertEqual(lines[-1], {"done": "chat"})
        docs = []
        while not docs:
            docs = [d for d in self.documents(proc, 1) if d["headers"] and any(
                h["name"].lower() == "sec-websocket-key" for h in d["headers"])]
        doc = docs[0]
        self.assert_all_pass(doc)
        self.assertEqual(doc["origin"], page.rstrip("/"))
        self.assertIn("Chrome", doc["user_agent"])
        self.assertEqual(doc["offered"]["subprotocols"], ["chat"])
        self.assertTrue(doc["offered"]["extensions"][0].startswith("permessage-deflate"))

    def test_bad_requests_are_flagged(self):
        proc, url = self.listen("--json")
        port = port_of(url)
        cases = [
            ("no key", upgrade_head(port, key=None), "key", "400"),
            ("8-byte key", upgrade_head(port, key="AAAAAAAAAAA="), "key", "400"),
            ("version 8", upgrade_head(port, ws_version="8"), "version", "426"),
            ("POST", upgrade_head(port, method="POST"), "method", "400"),
            ("HTTP/1.0", upgrade_head(port, version="HTTP/1.0"), "http_version", "400"),
        ]
        for name, head, failing, status in cases:
            with self.subTest(name):
                self.assertIn(f" {status} ", raw_request(port, head) + " ")
                doc = self.documents(proc, 1)[0]
                self.assertEqual(check(doc, failing)["verdict"], "fail", doc)
                self.assertEqual([c["id"] for c in doc["checks"] if c["verdict"] == "fail"], [failing])
                self.assertEqual(doc["answered"], int(status))
                self.assertEqual(doc["verdict"], "fail")

    def test_bad_key_shows_its_size(self):
        proc, url = self.listen()
        port = port_of(url)
        raw_request(port, upgrade_head(port, key="AAAAAAAAAAA="))
        proc.wait_line(r"^  FAIL  Sec-WebSocket-Key  \(RFC 6455 4\.2\.1\)", stream="stdout")
        proc.wait_line(r"^        actual:   AAAAAAAAAAA= \(8 bytes\)$", stream="stdout")
        proc.wait_line(r"^  FAIL: answered 400 Bad Request$", stream="stdout")

    def test_respond_403_once(self):
        proc, url = self.listen("--respond", "403", "--once", "--json")
        got = peer(PYTHON, os.path.join(PEERS, "py_client.py"), "handshake", url)
        self.assertEqual(got, [{"status": 403}])
        doc = self.documents(proc, 1)[0]
        self.assertEqual(doc["answered"], 403)
        self.assertEqual(doc["verdict"], "pass")
        self.assertEqual(proc.wait(), 0)

    def test_once_exits_after_the_connection(self):
        proc, url = self.listen("--once")
        self.assertExit(self.wskit("connect", "-x", "bye", "-1", url), 0)
        self.assertEqual(proc.wait(), 0)


if __name__ == "__main__":
    main()
