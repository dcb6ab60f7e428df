"""wskit listen --record FILE with Node `ws` clients (a peer nobody here
wrote). The recording is the server's (role "server"), but a HAR entry is
the client's view: "send" is what the client sent, "receive" what listen
sent it (typed lines to everyone, /to to one). One entry per client, written
at exit (also on SIGTERM and SIGINT). NDJSON: each open with the request as
received and the 101 as answered. --record does not go with --exec or --to
(a usage error, exit 2)."""
import json
import os
import signal
import subprocess
import tempfile
import unittest

from harness import NODE, TestCase, main, port_of
from record_support import (assert_private, close_quietly, assert_times_in_order, har_messages, headers_of, messages, read_har,
                            read_ndjson)

# A Node `ws` client driven by JSON lines on stdin ({"send": TEXT},
# {"binary": HEX}, {"close": [CODE, REASON]}); prints {"open": true},
# {"message": TEXT}, {"binary": HEX}, {"closed": CODE, "reason": R}.
# Usage: node client.cjs URL OPTIONS_JSON ({"headers": {...}}).
NODE_CLIENT = r"""
'use strict';
const WebSocket = require('ws');
const readline = require('readline');
const [url, opts] = process.argv.slice(-2);
const o = JSON.parse(opts);
const out = (x) => process.stdout.write(JSON.stringify(x) + '\n');
const ws = new WebSocket(url, { headers: o.headers || {}, perMessageDeflate: false });
ws.on('open', () => out({ open: true }));
ws.on('message', (data, isBinary) => out(isBinary ? { binary: data.toString('hex') } : { message: data.toString() }));
ws.on('close', (code, reason) => { out({ closed: code, reason: reason.toString() }); process.exit(0); });
ws.on('error', (e) => { out({ error: e.message }); process.exit(1); });
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const c = JSON.parse(line);
  if ('send' in c) ws.send(c.send);
  if ('binary' in c) ws.send(Buffer.from(c.binary, 'hex'));
  if ('close' in c) ws.close(c.close[0], c.close[1]);
});
"""



class RecordListen(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="wskit-record-listen-")
        cls.client_script = os.path.join(cls.tmp, "client.cjs")
        with open(cls.client_script, "w") as f:
            f.write(NODE_CLIENT)

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["rm", "-rf", cls.tmp])

    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=self.tmp)

    def path(self, name):
        return os.path.join(self.dir, name)

    def listen(self, rec, *args):
        """`wskit listen --json --slash --record REC ARGS 0` with a stdin
        pipe: (process, url)."""
        p, url = self.start_wskit_server("listen", "--json", "--slash", "--record", rec, *args, "0",
                                         stdin=subprocess.PIPE)
        self.addCleanup(close_quietly, p.proc.stdin)
        return p, url

    def type(self, listen, line):
        listen.proc.stdin.write((line + "\n").encode())
        listen.proc.stdin.flush()

    def client(self, url, headers=None):
        p = self.start([NODE, self.client_script, url, json.dumps({"headers": headers or {}})], stdin=subprocess.PIPE)
        self.addCleanup(close_quietly, p.proc.stdin)
        self.expect(p, open=True)
        return p

    def tell(self, client, **command):
        client.proc.stdin.write((json.dumps(command) + "\n").encode())
        client.proc.stdin.flush()

    def expect(self, proc, **fields):
        """Waits for the process's JSON line on stdout with these fields."""
        while True:
            line = json.loads(proc.wait_line(r"^\{", stream="stdout").string)
            if all(line.get(k) == v for k, v in fields.items()):
                return line

    def heard(self, listen, **fields):
        """Waits for listen's --json event with these fields."""
        return self.expect(listen, **fields)


class TestHar(RecordListen):
    def test_two_clients_two_entries_written_on_sigterm(self):
        rec = self.path("two.har")
        listen, url = self.listen(rec)
        a = self.client(url + "a?token=SQlisten1&x=1",
                        {"Authorization": "Bearer SQlisten2", "Cookie": "sid=SQlisten3", "User-Agent": "node-ws-a"})
        self.heard(listen, event="open", conn=1)
        self.tell(a, send="from a")
        self.tell(a, binary="00ff10")
        self.heard(listen, event="message", conn=1, opcode="binary")
        b = self.client(url + "b", {"User-Agent": "node-ws-b"})
        self.heard(listen, event="open", conn=2)
        self.tell(b, send="from b")
        self.heard(listen, event="message", conn=2, text="from b")

        self.type(listen, "to everyone")
        self.expect(a, message="to everyone")
        self.expect(b, message="to everyone")
        self.type(listen, "/to 2 just b")
        self.expect(b, message="just b")
        self.tell(a, close=[4001, "a leaves"])
        self.expect(a, closed=4001)
        self.heard(listen, event="close", conn=1)
        self.assertFalse(os.path.exists(rec), "the HAR is written at the end, not before")

        listen.signal(signal.SIGTERM)
        self.assertEqual(listen.wait(), 143)
        self.expect(b, closed=1001)
        assert_private(self, rec)
        entries = read_har(self, rec)
        self.assertEqual(len(entries), 2, entries)
        first, second = entries
        port = port_of(url)

        self.assertEqual(first["request"]["url"], f"ws://127.0.0.1:{port}/a?token=[hidden]&x=1")
        self.assertEqual(first["request"]["queryString"], [{"name": "token", "value": "[hidden]"},
                                                           {"name": "x", "value": "1"}])
        sent = headers_of(first["request"]["headers"])
        self.assertEqual(sent["user-agent"], "node-ws-a")
        self.assertEqual(sent["authorization"], "Bearer [hidden]")
        self.assertEqual(sent["cookie"], "sid=[hidden]")
        self.assertEqual(sent["host"], f"127.0.0.1:{port}")
        self.assertEqual(sent["sec-websocket-version"], "13")
        self.assertIn("sec-websocket-key", sent)
        answered = headers_of(first["response"]["headers"])
        self.assertEqual(answered["upgrade"].lower(), "websocket")
        self.assertEqual(answered["connection"].lower(), "upgrade")
        self.assertEqual(har_messages(first), [("send", 1, "from a"), ("send", 2, b"\x00\xff\x10"),
                                               ("receive", 1, "to everyone")])
        self.assertEqual(first["_webSocketClose"], {"code": 4001, "reason": "a leaves", "by": "client", "clean": True})

        self.assertEqual(second["request"]["url"], f"ws://127.0.0.1:{port}/b")
        self.assertEqual(second["request"]["queryString"], [])
        self.assertEqual(headers_of(second["request"]["headers"])["user-agent"], "node-ws-b")
        self.assertEqual(har_messages(second), [("send", 1, "from b"), ("receive", 1, "to everyone"),
                                                ("receive", 1, "just b")])
        self.assertEqual((second["_webSocketClose"]["code"], second["_webSocketClose"]["reason"]),
                         (1001, "server shutting down"))
        self.assertLessEqual(first["startedDateTime"], second["startedDateTime"])
        with open(rec) as f:
            text = f.read()
        self.assertEqual([s for s in ("SQlisten1", "SQlisten2", "SQlisten3") if s in text], [])

    def test_written_on_sigint(self):
        rec = self.path("int.har")
        listen, url = self.listen(rec)
        a = self.client(url + "only")
        self.tell(a, send="hi")
        self.heard(listen, event="message", conn=1, text="hi")
        listen.signal(signal.SIGINT)
        self.assertEqual(listen.wait(), 130)
        entry, = read_har(self, rec)
        self.assertEqual(har_messages(entry), [("send", 1, "hi")])

    def test_secrets_kept_with_record_secrets(self):
        rec = self.path("kept.har")
        listen, url = self.listen(rec, "--record-secrets")
        a = self.client(url + "?api_key=SQlisten4", {"Authorization": "Bearer SQlisten5"})
        self.tell(a, close=[1000, ""])
        self.expect(a, closed=1000)
        self.heard(listen, event="close", conn=1)
        listen.signal(signal.SIGTERM)
        listen.wait()
        entry, = read_har(self, rec)
        self.assertEqual(entry["request"]["url"], url + "?api_key=SQlisten4")
        self.assertEqual(headers_of(entry["request"]["headers"])["authorization"], "Bearer SQlisten5")


class TestNdjson(RecordListen):
    def test_the_servers_view(self):
        rec = self.path("server.ndjson")
        listen, url = self.listen(rec)
        a = self.client(url + "chat?session=SQlisten6&room=1", {"User-Agent": "node-ws-a"})
        self.tell(a, send="hello listen")
        self.heard(listen, event="message", conn=1, text="hello listen")
        self.type(listen, "hello node")
        self.expect(a, message="hello node")
        self.tell(a, close=[1000, "done"])
        self.expect(a, closed=1000)
        self.heard(listen, event="close", conn=1)
        listen.signal(signal.SIGINT)
        listen.wait()
        assert_private(self, rec)
        events = read_ndjson(self, rec, role="server")
        assert_times_in_order(self, events)
        self.assertEqual([e["event"] for e in events], ["record", "open", "message", "message", "close"], events)
        opened = events[1]
        self.assertEqual(opened["conn"], 1)
        self.assertEqual(opened["url"], f"ws://127.0.0.1:{port_of(url)}/chat?session=[hidden]&room=1")
        self.assertRegex(opened["peer"], r"^127\.0\.0\.1:\d+$")
        self.assertEqual(opened["user_agent"], "node-ws-a")
        request, response = opened["request"], opened["response"]
        self.assertEqual((request["method"], request["target"]), ("GET", "/chat?session=[hidden]&room=1"))
        self.assertEqual(headers_of(request["headers"])["user-agent"], "node-ws-a")
        self.assertEqual((response["status"], response["reason"]), (101, "Switching Protocols"))
        answered = headers_of(response["headers"])
        self.assertEqual(answered["upgrade"].lower(), "websocket")
        self.assertNotIn("sec-websocket-accept", answered)  # documented: not kept by the server
        self.assertEqual(messages(events), [("in", "text", "hello listen"), ("out", "text", "hello node")])
        self.assertTrue(all(e["conn"] == 1 for e in events[1:]), events)
        close = events[-1]
        self.assertEqual((close["dir"], close["code"], close["reason"], close["clean"]), ("in", 1000, "done", True))
        with open(rec) as f:
            self.assertNotIn("SQlisten6", f.read())


class TestServerCloses(RecordListen):
    def test_a_close_listen_started_is_recorded_as_the_servers(self):
        # A close that listen starts (/kick, or the 1001 of SIGTERM) is
        # recorded as the server's: NDJSON "dir":"out" and HAR
        # "_webSocketClose" "by":"server", so a recording tells who ended
        # the connection.
        for name in ("kick.ndjson", "kick.har"):
            rec = self.path(name)
            listen, url = self.listen(rec)
            a = self.client(url)
            self.heard(listen, event="open", conn=1)
            self.type(listen, "/kick 1 4000 bye")
            self.expect(a, closed=4000, reason="bye")
            self.heard(listen, event="close", conn=1)
            listen.signal(signal.SIGTERM)
            listen.wait()
            if name.endswith(".har"):
                entry, = read_har(self, rec)
                self.assertEqual(entry["_webSocketClose"], {"code": 4000, "reason": "bye", "by": "server",
                                                            "clean": True})
            else:
                close = [e for e in read_ndjson(self, rec, role="server") if e["event"] == "close"]
                self.assertEqual([(e["dir"], e["code"]) for e in close], [("out", 4000)])


class TestUsage(RecordListen):
    def test_record_does_not_go_with_a_bridge(self):
        for bridge in (["--exec", "cat"], ["--to", "tcp:127.0.0.1:9"]):
            with self.subTest(bridge[0]):
                rec = self.path("bridge.har")
                r = self.wskit("listen", "--record", rec, *bridge, "0")
                self.assertExit(r, 2)
                self.assertIn("--record records listen's own conversations", r.stderr.decode())
                self.assertNotIn("listening on", r.stderr.decode())
                self.assertFalse(os.path.exists(rec))

    def test_record_secrets_alone_and_an_unwritable_file(self):
        r = self.wskit("listen", "--record-secrets", "0")
        self.assertExit(r, 2)
        self.assertIn("--record-secrets goes with --record", r.stderr.decode())
        for target in (self.path("missing/x.ndjson"), self.path("missing/x.har")):
            with self.subTest(target):
                r = self.wskit("listen", "--record", target, "0")
                self.assertExit(r, 1)
                self.assertIn(f"--record: cannot write {target}", r.stderr.decode())


if __name__ == "__main__":
    main()
