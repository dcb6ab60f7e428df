"""wskit proxy --record FILE between headless Chromium (peers/browser.cjs,
playwright-core) or Python `websockets` clients and a Python `websockets`
server (peers/proxy_upstream.py): the HAR is the browser's view, one entry
per client connection ("send": what the client sent, "receive": what the
proxy received from the server for it), with Chromium's own request headers;
the NDJSON has both legs, the upstream open carrying the request as the
proxy sent it upstream."""
import json
import os
import signal
import subprocess
import tempfile
import unittest

from harness import PEERS, PYTHON, main, page_of
from proxy_support import ProxyCase
from record_support import (assert_private, close_quietly, assert_times_in_order, har_messages, headers_of, messages, read_har,
                            read_ndjson)

# Run in a page of the proxy's own origin (its 426 page): sets a cookie,
# opens a WebSocket through the proxy, sends text and binary and reads their
# echoes, asks the server for two messages of its own, then closes.
PAGE_SCRIPT = r"""
document.cookie = 'sid=SQpage1; path=/';
const ws = new WebSocket(args.url);
ws.binaryType = 'arraybuffer';
const queue = [];
let waiting = null;
ws.onmessage = (e) => { if (waiting) { const w = waiting; waiting = null; w(e.data); } else queue.push(e.data); };
const next = () => queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => { waiting = r; });
const closed = new Promise((r) => { ws.onclose = (e) => r({ code: e.code, reason: e.reason, clean: e.wasClean }); });
await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error('WebSocket error')); });
const got = [];
ws.send('hello from chromium');
got.push(await next());
ws.send(new Uint8Array([0, 1, 2, 255]));
got.push(Array.from(new Uint8Array(await next())));
ws.send('/send 2 pushed');
got.push(await next(), await next());
ws.close(4001, 'the page leaves');
return { got, close: await closed, userAgent: navigator.userAgent };
"""
EXPECTED_PAGE = {"got": ["hello from chromium", [0, 1, 2, 255], "pushed 1", "pushed 2"],
                 "close": {"code": 4001, "reason": "the page leaves", "clean": True}}




class RecordProxy(ProxyCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="wskit-record-proxy-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", self.dir]))

    def path(self, name):
        return os.path.join(self.dir, name)

    def chromium_session(self, rec, *proxy_args):
        """Chromium's page talks to proxy_upstream.py through `wskit proxy
        --record REC`, which is then stopped with SIGTERM. Returns (the
        page's result, the proxy's port, the upstream server's request
        event: its path and headers as they reached it)."""
        server, server_url = self.upstream()
        px, url, port = self.proxy(server_url, "--record", rec, *proxy_args)
        got = self.run_browser(page_of(url), PAGE_SCRIPT, args={"url": url + "room?token=SQpage2&x=1"})
        result = got[-1]["done"]
        self.assertEqual({k: result[k] for k in EXPECTED_PAGE}, EXPECTED_PAGE)
        self.saw(server, "closed", conn=1)
        self.wait_lines(px, ["#1 C: disconnected (code 4001, reason: the page leaves)"])
        px.signal(signal.SIGTERM)
        self.assertEqual(px.wait(), 143)
        return result, port, self.events(server, "request")[0]

    def py_client(self, url):
        """A Python `websockets` client (peers/py_talk_client.py)."""
        p = self.start([PYTHON, os.path.join(PEERS, "py_talk_client.py"), url], stdin=subprocess.PIPE)
        self.addCleanup(close_quietly, p.proc.stdin)
        self.expect_json(p, open=True)
        return p

    def say(self, client, line):
        client.proc.stdin.write((line + "\n").encode())
        client.proc.stdin.flush()

    def expect_json(self, proc, **fields):
        while True:
            line = json.loads(proc.wait_line(r"^\{", stream="stdout").string)
            if all(line.get(k) == v for k, v in fields.items()):
                return line


class TestChromium(RecordProxy):
    def test_har_of_a_chromium_session(self):
        rec = self.path("chromium.har")
        page, port, upstream_request = self.chromium_session(rec)
        assert_private(self, rec)
        entries = read_har(self, rec)
        self.assertEqual(len(entries), 1, [e["request"]["url"] for e in entries])
        entry = entries[0]
        self.assertEqual(entry["request"]["url"], f"ws://127.0.0.1:{port}/room?token=[hidden]&x=1")
        self.assertEqual(entry["request"]["queryString"], [{"name": "token", "value": "[hidden]"},
                                                           {"name": "x", "value": "1"}])
        sent = headers_of(entry["request"]["headers"])
        # Chromium's own request headers, as the proxy received them.
        self.assertRegex(sent.get("user-agent", ""), r"(HeadlessChrome|Chrome)/\d+")
        self.assertEqual(sent["user-agent"], page["userAgent"])
        self.assertEqual(sent.get("origin"), f"http://127.0.0.1:{port}")
        self.assertEqual(sent.get("host"), f"127.0.0.1:{port}")
        self.assertEqual(sent.get("cookie"), "sid=[hidden]")
        self.assertEqual(sent.get("sec-websocket-version"), "13")
        self.assertIn("sec-websocket-key", sent)
        self.assertEqual(entry["response"]["status"], 101)
        answered = headers_of(entry["response"]["headers"])
        self.assertEqual(answered.get("upgrade", "").lower(), "websocket")
        self.assertEqual(har_messages(entry), [
            ("send", 1, "hello from chromium"), ("receive", 1, "hello from chromium"),
            ("send", 2, b"\x00\x01\x02\xff"), ("receive", 2, b"\x00\x01\x02\xff"),
            ("send", 1, "/send 2 pushed"), ("receive", 1, "pushed 1"), ("receive", 1, "pushed 2")])
        self.assertEqual(entry["_webSocketClose"], {"code": 4001, "reason": "the page leaves", "by": "client",
                                                    "clean": True})
        # The server really got the secrets; the recording does not have them.
        self.assertEqual(headers_of([{"name": n, "value": v} for n, v in upstream_request["headers"]])["cookie"],
                         "sid=SQpage1")
        self.assertIn("token=SQpage2", upstream_request["path"])
        with open(rec) as f:
            text = f.read()
        self.assertNotIn("SQpage1", text)
        self.assertNotIn("SQpage2", text)

    def test_ndjson_has_both_legs_and_the_request_sent_upstream(self):
        rec = self.path("chromium.ndjson")
        page, port, upstream_request = self.chromium_session(rec, "--record-secrets")
        assert_private(self, rec)
        events = read_ndjson(self, rec, role="proxy", secrets="kept")
        assert_times_in_order(self, events)
        self.assertEqual({e.get("leg") for e in events[1:]}, {"client", "upstream"})
        self.assertTrue(all(e["conn"] == 1 for e in events[1:]), events)
        opens = [e for e in events if e["event"] == "open"]
        self.assertEqual([e["leg"] for e in opens], ["upstream", "client"])
        upstream, client = opens

        # The upstream leg's request is the one the server got, as sent.
        self.assertEqual(upstream["request"]["target"], upstream_request["path"])
        self.assertEqual([[h["name"], h["value"]] for h in upstream["request"]["headers"]],
                         upstream_request["headers"])
        forwarded = headers_of(upstream["request"]["headers"])
        self.assertEqual(forwarded["user-agent"], page["userAgent"])
        self.assertEqual(forwarded["origin"], f"http://127.0.0.1:{port}")
        self.assertEqual(forwarded["cookie"], "sid=SQpage1")
        self.assertNotEqual(forwarded["host"], f"127.0.0.1:{port}")  # the server's host, not the proxy's
        self.assertEqual(upstream["response"]["status"], 101)
        self.assertRegex(headers_of(upstream["response"]["headers"]).get("server", ""), r"websockets/")
        self.assertIn("sec-websocket-accept", headers_of(upstream["response"]["headers"]))

        # The client leg's request is Chromium's, as received.
        self.assertEqual(client["request"]["target"], "/room?token=SQpage2&x=1")
        received = headers_of(client["request"]["headers"])
        self.assertEqual(received["user-agent"], page["userAgent"])
        self.assertEqual(received["host"], f"127.0.0.1:{port}")
        self.assertNotEqual(received["sec-websocket-key"], forwarded["sec-websocket-key"])
        self.assertEqual(client["user_agent"], page["userAgent"])
        self.assertEqual(client["origin"], f"http://127.0.0.1:{port}")

        # Each leg's events are what the proxy received on it.
        self.assertEqual(messages(events, leg="client"), [
            ("in", "text", "hello from chromium"), ("in", "binary", b"\x00\x01\x02\xff"), ("in", "text", "/send 2 pushed")])
        self.assertEqual(messages(events, leg="upstream"), [
            ("in", "text", "hello from chromium"), ("in", "binary", b"\x00\x01\x02\xff"), ("in", "text", "pushed 1"),
            ("in", "text", "pushed 2")])
        closes = {e["leg"]: (e["code"], e["reason"], e["clean"]) for e in events if e["event"] == "close"}
        self.assertEqual(closes, {"client": (4001, "the page leaves", True), "upstream": (4001, "the page leaves", True)})
        client_close = next(e for e in events if e["event"] == "close" and e["leg"] == "client")
        self.assertEqual(client_close["dir"], "in")


class TestPythonClients(RecordProxy):
    def test_one_entry_per_client_connection(self):
        server, server_url = self.upstream()
        rec = self.path("two.har")
        px, url, port = self.proxy(server_url, "--record", rec)
        a = self.py_client(url + "a")
        self.say(a, "send one")
        self.expect_json(a, message="one")
        b = self.py_client(url + "b?key=SQpy1")
        self.say(b, "send two")
        self.expect_json(b, message="two")
        self.say(a, "close 1000 a done")
        self.expect_json(a, closed=1000)
        self.say(b, "close 4003 b done")
        self.expect_json(b, closed=4003)
        self.saw(server, "closed", conn=2)
        self.wait_lines(px, ["#1 C: disconnected (code 1000, reason: a done)",
                             "#2 C: disconnected (code 4003, reason: b done)"])
        px.signal(signal.SIGINT)
        self.assertEqual(px.wait(), 130)
        entries = read_har(self, rec)
        self.assertEqual([e["request"]["url"] for e in entries],
                         [f"ws://127.0.0.1:{port}/a", f"ws://127.0.0.1:{port}/b?key=[hidden]"])
        self.assertEqual([har_messages(e) for e in entries], [[("send", 1, "one"), ("receive", 1, "one")],
                                                             [("send", 1, "two"), ("receive", 1, "two")]])
        self.assertEqual([e["_webSocketClose"] for e in entries],
                         [{"code": 1000, "reason": "a done", "by": "client", "clean": True},
                          {"code": 4003, "reason": "b done", "by": "client", "clean": True}])

    def test_a_close_the_server_started_is_recorded_as_the_servers(self):
        # In a proxy's HAR, a close the upstream server started (here on the
        # client's "/close 4002 server leaves") has _webSocketClose "by"
        # "server", not "client": the HAR tells which end closed.
        server, server_url = self.upstream()
        rec = self.path("server-closes.har")
        px, url, _ = self.proxy(server_url, "--record", rec)
        a = self.py_client(url)
        self.say(a, "send /close 4002 server leaves")
        self.expect_json(a, closed=4002)
        self.wait_lines(px, ["#1 C: closing (code 4002, reason: server leaves)"])
        px.signal(signal.SIGTERM)
        px.wait()
        entry, = read_har(self, rec)
        self.assertEqual(har_messages(entry), [("send", 1, "/close 4002 server leaves")])
        self.assertEqual(entry["_webSocketClose"], {"code": 4002, "reason": "server leaves", "by": "server",
                                                    "clean": True})


class TestUsage(RecordProxy):
    def test_record_secrets_alone_and_an_unwritable_file(self):
        r = self.wskit("proxy", "--record-secrets", "0", "ws://127.0.0.1:9/")
        self.assertExit(r, 2)
        self.assertIn("--record-secrets goes with --record", r.stderr.decode())
        for target in (self.path("missing/x.ndjson"), self.path("missing/x.har")):
            with self.subTest(target):
                r = self.wskit("proxy", "--record", target, "0", "ws://127.0.0.1:9/")
                self.assertExit(r, 1)
                self.assertIn(f"--record: cannot write {target}", r.stderr.decode())


if __name__ == "__main__":
    main()
