"""wskit listen --replay FILE: a mock of a recorded server, for Node `ws`
clients (a peer nobody here wrote). The recording is made by `wskit connect
--record` against a Python `websockets` service (SERVICE below), one line
at a time, so that it says which server messages followed which client
message. Each client gets the recorded 101 (the subprotocol, when offered,
and the other headers but the masked ones), the server's messages before
the client's first one at once, then after each client message the ones
that followed it; with --replay-timing, every server message at its
recorded time whatever the client sends. A client message that differs
from the recording is said on stderr and the conversation goes on; stdout
has only the connections. A HAR (wskit's, or one as Chromium's devtools
export it) works too. Usage errors exit 2."""
import base64
import datetime
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import time

from harness import LISTENING, NODE, PYTHON, WSKIT, Process, TestCase, main
from record_support import close_quietly, record_stepwise

# A Python `websockets` service to record: accepts subprotocol chat.v1, adds
# X-Service and Set-Cookie to its 101, says "welcome" and {"type": "hello"}
# on open, then answers text "/many N WORD" with "WORD 1".."WORD N", "/slow N
# WORD SECS" with the same SECS apart, other text with "echo: TEXT", binary
# with its bytes reversed. Prints "listening on ws://127.0.0.1:PORT/" on
# stderr.
SERVICE = r'''
import asyncio
import sys

import websockets


async def handler(ws, path=None):
    await ws.send("welcome")
    await ws.send('{"type": "hello"}')
    async for message in ws:
        if isinstance(message, bytes):
            await ws.send(message[::-1])
        elif message.startswith("/many "):
            _, n, word = message.split(" ", 2)
            for i in range(1, int(n) + 1):
                await ws.send(f"{word} {i}")
        elif message.startswith("/slow "):
            _, n, word, secs = message.split(" ", 3)
            for i in range(1, int(n) + 1):
                await asyncio.sleep(float(secs))
                await ws.send(f"{word} {i}")
        else:
            await ws.send("echo: " + message)


async def main():
    server = await websockets.serve(handler, "127.0.0.1", 0, subprotocols=["chat.v1"], ping_interval=None,
                                    extra_headers=[("X-Service", "recorded-1"), ("Set-Cookie", "sid=SHsvc1")])
    print(f"listening on ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/", file=sys.stderr, flush=True)
    await asyncio.Future()


asyncio.run(main())
'''

# A Node `ws` client driven by JSON lines on stdin ({"send": TEXT},
# {"binary": HEX}, {"close": CODE}); prints {"open": true, "protocol": P,
# "headers": THE_101S}, then {"message": TEXT, "at": MS} or {"binary": HEX,
# "at": MS} (milliseconds after the open), {"closed": CODE}, {"error": M}.
# Usage: node client.cjs URL PROTOCOLS_JSON
NODE_CLIENT = r"""
'use strict';
const WebSocket = require('ws');
const readline = require('readline');
const [url, protocols] = process.argv.slice(-2);
const out = (x) => process.stdout.write(JSON.stringify(x) + '\n');
const ws = new WebSocket(url, JSON.parse(protocols), { perMessageDeflate: false });
let opened = 0;
let headers = {};
ws.on('upgrade', (res) => { headers = res.headers; });
ws.on('open', () => { opened = Date.now(); out({ open: true, protocol: ws.protocol, headers }); });
ws.on('message', (data, isBinary) => {
  const at = Date.now() - opened;
  out(isBinary ? { binary: data.toString('hex'), at } : { message: data.toString(), at });
});
ws.on('close', (code) => { out({ closed: code }); process.exit(0); });
ws.on('error', (e) => { out({ error: e.message }); process.exit(1); });
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const c = JSON.parse(line);
  if ('send' in c) ws.send(c.send);
  if ('binary' in c) ws.send(Buffer.from(c.binary, 'hex'));
  if ('close' in c) ws.close(c.close);
});
"""

# The recorded conversation: (what the client sent, connect --slash line,
# what the service answered). The service's welcome and hello come first.
WELCOME = ["welcome", '{"type": "hello"}']
STEPS = [("one", ["echo: one"]),
         ("/many 3 tick", ["tick 1", "tick 2", "tick 3"]),
         ("/bin 00 01 ff", [("binary", "ff0100")]),
         ("two", ["echo: two"])]
SLOW_PAUSE = 0.4




def setUpModule():
    """SERVICE, and its conversation (WELCOME, STEPS) recorded as NDJSON and
    HAR (offering chat.v2 and chat.v1), and a conversation of /slow."""
    c = ReplayListen
    c.tmp = tempfile.mkdtemp(prefix="wskit-listen-replay-")
    service_script = os.path.join(c.tmp, "service.py")
    with open(service_script, "w") as f:
        f.write(SERVICE)
    c.client_script = os.path.join(c.tmp, "client.cjs")
    with open(c.client_script, "w") as f:
        f.write(NODE_CLIENT)
    service = Process([PYTHON, service_script])
    try:
        url = service.wait_line(LISTENING.pattern).group(1)
        c.ndjson = os.path.join(c.tmp, "conversation.ndjson")
        c.har = os.path.join(c.tmp, "conversation.har")
        c.slow = os.path.join(c.tmp, "slow.ndjson")
        for rec in (c.ndjson, c.har):
            record_stepwise(rec, url + "chat", STEPS, 2, args=("-s", "chat.v2", "-s", "chat.v1"))
        record_stepwise(c.slow, url, [(f"/slow 3 beat {SLOW_PAUSE}", ["beat 1", "beat 2", "beat 3"])], 2)
        c.proxied = os.path.join(c.tmp, "proxied.ndjson")
        proxy = Process([WSKIT, "proxy", "--record", c.proxied, "0", url])
        try:
            proxy_url = proxy.wait_line(LISTENING.pattern).group(1)
            record_stepwise(os.path.join(c.tmp, "through.ndjson"), proxy_url, STEPS, 2, args=("-s", "chat.v1"))
            proxy.signal(15)
            proxy.wait()
        finally:
            proxy.stop()
    except BaseException:
        shutil.rmtree(c.tmp, ignore_errors=True)
        raise
    finally:
        service.stop()


def tearDownModule():
    shutil.rmtree(ReplayListen.tmp, ignore_errors=True)


class ReplayListen(TestCase):
    tmp = None

    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=self.tmp)

    def path(self, name):
        return os.path.join(self.dir, name)

    def listen(self, rec, *args):
        """`wskit listen --replay REC ARGS 0`: (process, url)."""
        return self.start_wskit_server("listen", "--replay", rec, *args, "0")

    def client(self, url, protocols=()):
        """A Node ws client, open; returns (process, its open line)."""
        p = self.start([NODE, self.client_script, url, json.dumps(list(protocols))], stdin=subprocess.PIPE)
        self.addCleanup(close_quietly, p.proc.stdin)
        opened = self.next(p)
        self.assertTrue(opened.get("open"), opened)
        return p, opened

    def tell(self, client, **command):
        client.proc.stdin.write((json.dumps(command) + "\n").encode())
        client.proc.stdin.flush()

    def next(self, client, timeout=10):
        return json.loads(client.wait_line(r"^\{", stream="stdout", timeout=timeout).string)

    def receive(self, client, expected, timeout=10):
        """The client's next messages are `expected` (text, or ("binary",
        HEX)); returns their arrival times (ms after the open)."""
        times = []
        for want in expected:
            got = self.next(client, timeout=timeout)
            if isinstance(want, tuple):
                self.assertEqual(got.get("binary"), want[1], got)
            else:
                self.assertEqual(got.get("message"), want, got)
            times.append(got["at"])
        return times

    def nothing_more(self, client, wait=0.3):
        """No message comes within `wait` seconds (beyond those read)."""
        time.sleep(wait)
        came = []
        while True:
            try:
                line = client.lines["stdout"].get_nowait()
            except queue.Empty:
                break
            if line is None:
                client.lines["stdout"].put(None)
                break
            came.append(line)
        self.assertEqual([l for l in came if '"message"' in l or '"binary"' in l], [])

    def talk(self, client, sent, answers):
        """Sends `sent` (text, or ("binary", HEX)) and expects `answers`."""
        if isinstance(sent, tuple):
            self.tell(client, binary=sent[1])
        else:
            self.tell(client, send=sent)
        self.receive(client, answers)

    def close(self, client, code=1000):
        self.tell(client, close=code)
        self.assertEqual(self.next(client), {"closed": code})
        self.assertEqual(client.wait(), 0)


class TestConversation(ReplayListen):
    def test_the_recorded_answers_in_order(self):
        listen, url = self.listen(self.ndjson)
        client, opened = self.client(url + "chat", ["chat.v2", "chat.v1"])
        self.assertEqual(opened["protocol"], "chat.v1")
        # The recorded 101's own headers, but the masked Set-Cookie.
        self.assertEqual(opened["headers"].get("x-service"), "recorded-1")
        self.assertNotIn("set-cookie", opened["headers"])
        self.receive(client, WELCOME)
        self.nothing_more(client)
        for sent, answers in [("one", ["echo: one"]), ("/many 3 tick", ["tick 1", "tick 2", "tick 3"]),
                              (("binary", "0001ff"), [("binary", "ff0100")]), ("two", ["echo: two"])]:
            self.talk(client, sent, answers)
        self.nothing_more(client)
        self.close(client)
        listen.wait_line(r"^#1 disconnected", stream="stdout")
        # Only the connections on stdout; nothing said on stderr.
        self.assertEqual(len(listen.seen["stdout"]), 2, listen.seen["stdout"])
        self.assertRegex(listen.seen["stdout"][0],
                         r"^#1 connected from 127\.0\.0\.1:\d+ to /chat \(subprotocol chat\.v1\)$")
        self.assertEqual(listen.seen["stdout"][1], "#1 disconnected (code 1000)")
        self.assertEqual(listen.seen["stderr"][1:], [])

    def test_the_recorded_subprotocol_when_offered(self):
        listen, url = self.listen(self.ndjson)
        # Offered first or alone: answered.
        for protocols in (["chat.v1"], ["chat.v1", "chat.v2"]):
            with self.subTest(protocols=protocols):
                client, opened = self.client(url, protocols)
                self.assertEqual(opened["protocol"], "chat.v1")
                self.receive(client, WELCOME)
                self.close(client)
        # Not offered: none.
        client, opened = self.client(url, [])
        self.assertEqual(opened["protocol"], "")
        self.receive(client, WELCOME)
        self.close(client)

    def test_a_differing_client_message_is_said_and_the_conversation_goes_on(self):
        listen, url = self.listen(self.ndjson)
        client, _ = self.client(url, ["chat.v1"])
        self.receive(client, WELCOME)
        self.talk(client, "ONE", ["echo: one"])
        listen.wait_line(r"^#1 message differs from the recording: expected '?one'?, received '?ONE'?$")
        self.talk(client, "/many 3 tick", ["tick 1", "tick 2", "tick 3"])
        self.talk(client, ("binary", "0002"), [("binary", "ff0100")])
        listen.wait_line(r"^#1 message differs from the recording: "
                         r"expected binary.*3 bytes.*, received binary.*2 bytes")
        self.talk(client, "two", ["echo: two"])
        # Past the end of the recording: said, and nothing is answered.
        self.tell(client, send="three")
        listen.wait_line(r"^#1 unexpected message \(the recording has no more\): '?three'?$")
        self.nothing_more(client)
        self.close(client)
        listen.wait_line(r"^#1 disconnected", stream="stdout")
        self.assertEqual(len([l for l in listen.seen["stderr"] if l.startswith("#1 ")]), 3, listen.seen["stderr"])
        self.assertEqual(len(listen.seen["stdout"]), 2, listen.seen["stdout"])

    def test_two_clients_each_their_own_conversation(self):
        listen, url = self.listen(self.ndjson)
        a, _ = self.client(url, ["chat.v1"])
        self.receive(a, WELCOME)
        self.talk(a, "one", ["echo: one"])
        b, _ = self.client(url, ["chat.v1"])
        self.receive(b, WELCOME)  # from the start, not where a is
        self.talk(a, "/many 3 tick", ["tick 1", "tick 2", "tick 3"])
        self.nothing_more(b)
        self.talk(b, "one", ["echo: one"])
        self.talk(b, "/many 3 tick", ["tick 1", "tick 2", "tick 3"])
        self.talk(a, ("binary", "0001ff"), [("binary", "ff0100")])
        self.close(a)
        self.talk(b, ("binary", "0001ff"), [("binary", "ff0100")])
        self.talk(b, "two", ["echo: two"])
        self.close(b, 4000)
        listen.wait_line(r"^#2 disconnected", stream="stdout")
        self.assertEqual([re.sub(r"from \S+ ", "", l) for l in listen.seen["stdout"]],
                         ["#1 connected to / (subprotocol chat.v1)", "#2 connected to / (subprotocol chat.v1)",
                          "#1 disconnected (code 1000)", "#2 disconnected (code 4000)"])
        self.assertEqual(listen.seen["stderr"][1:], [])

    def test_a_har_of_wskit(self):
        listen, url = self.listen(self.har)
        client, opened = self.client(url, ["chat.v2", "chat.v1"])
        self.assertEqual(opened["protocol"], "chat.v1")
        self.assertEqual(opened["headers"].get("x-service"), "recorded-1")
        self.receive(client, WELCOME)
        for sent, answers in STEPS:
            self.talk(client, ("binary", "0001ff") if sent.startswith("/bin") else sent, answers)
        self.close(client)
        self.assertEqual(listen.seen["stderr"][1:], [])

    def test_a_har_as_chromiums_devtools_export_it(self):
        # The form of Chromium's "Save all as HAR": a document entry, then a
        # websocket entry with the handshake's headers and _webSocketMessages
        # (times in seconds since the epoch, binary data in base64).
        start = time.time() - 60
        iso = datetime.datetime.fromtimestamp(start, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        message = lambda kind, at, data, opcode=1: {"type": kind, "time": start + at, "opcode": opcode, "data": data}
        har = {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                       "pages": [{"startedDateTime": iso, "id": "page_1", "title": "http://app.example/",
                                  "pageTimings": {}}],
                       "entries": [
            {"_resourceType": "document", "startedDateTime": iso, "time": 5, "pageref": "page_1",
             "request": {"method": "GET", "url": "http://app.example/", "httpVersion": "HTTP/1.1", "headers": [],
                         "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
             "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [],
                          "cookies": [], "content": {"size": 0, "mimeType": "text/html"}, "redirectURL": "",
                          "headersSize": -1, "bodySize": -1}, "cache": {}, "timings": {}},
            {"_resourceType": "websocket", "startedDateTime": iso, "time": 2000, "pageref": "page_1",
             "_initiator": {"type": "script"}, "_priority": None, "serverIPAddress": "203.0.113.7",
             "request": {"method": "GET", "url": "wss://app.example/feed", "httpVersion": "HTTP/1.1",
                         "headers": [{"name": "Origin", "value": "https://app.example"},
                                     {"name": "Sec-WebSocket-Protocol", "value": "feed.v2, feed.v1"},
                                     {"name": "Sec-WebSocket-Extensions",
                                      "value": "permessage-deflate; client_max_window_bits"}],
                         "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
             "response": {"status": 101, "statusText": "Switching Protocols", "httpVersion": "HTTP/1.1",
                          "headers": [{"name": "Upgrade", "value": "websocket"},
                                      {"name": "Sec-WebSocket-Protocol", "value": "feed.v1"},
                                      {"name": "Sec-WebSocket-Extensions", "value": "permessage-deflate"},
                                      {"name": "X-Feed", "value": "devtools"}],
                          "cookies": [], "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "",
                          "headersSize": -1, "bodySize": 0, "_transferSize": 0, "_error": None},
             "cache": {}, "timings": {"blocked": -1, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 3,
                                      "receive": 0},
             "_webSocketMessages": [
                 message("receive", 0.01, '{"type":"ready"}'),
                 message("send", 0.5, '{"subscribe":"prices"}'),
                 message("receive", 0.52, '{"price":1}'),
                 message("receive", 0.53, base64.b64encode(b"\x00\x01\x02").decode(), 2),
                 message("send", 1.0, base64.b64encode(b"\xff").decode(), 2),
                 message("receive", 1.01, '{"bye":true}'),
             ]}]}}
        rec = self.path("devtools.har")
        with open(rec, "w") as f:
            json.dump(har, f)
        listen, url = self.listen(rec)
        client, opened = self.client(url + "feed", ["feed.v2", "feed.v1"])
        self.assertEqual(opened["protocol"], "feed.v1")
        self.assertEqual(opened["headers"].get("x-feed"), "devtools")
        self.assertNotIn("sec-websocket-extensions", opened["headers"])
        self.receive(client, ['{"type":"ready"}'])
        self.talk(client, '{"subscribe":"prices"}', ['{"price":1}', ("binary", "000102")])
        self.talk(client, ("binary", "ff"), ['{"bye":true}'])
        self.close(client)
        self.assertEqual(listen.seen["stderr"][1:], [])


class TestTiming(ReplayListen):
    def recorded_times(self):
        """Seconds after the open of each server message of self.slow."""
        def seconds(ts):
            return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
        with open(self.slow) as f:
            events = [json.loads(l) for l in f]
        opened = seconds(next(e["ts"] for e in events if e["event"] == "open"))
        return [seconds(e["ts"]) - opened for e in events if e["event"] == "message" and e["dir"] == "in"]

    def test_replay_timing_sends_on_time_without_client_messages(self):
        recorded = self.recorded_times()
        self.assertEqual(len(recorded), 5)
        self.assertGreaterEqual(recorded[-1] - recorded[2], 2 * SLOW_PAUSE - 0.01, recorded)
        listen, url = self.listen(self.slow, "--replay-timing")
        client, _ = self.client(url)
        times = self.receive(client, [*WELCOME, "beat 1", "beat 2", "beat 3"])
        for want, got in zip(recorded, times):
            self.assertAlmostEqual(got / 1000, want, delta=0.15, msg=f"received at {times} ms, recorded at {recorded}")
        self.nothing_more(client)
        self.close(client)
        self.assertEqual(listen.seen["stderr"][1:], [])

    def test_replay_timing_compares_what_the_client_sends_and_keeps_time(self):
        recorded = self.recorded_times()
        listen, url = self.listen(self.slow, "--replay-timing")
        client, _ = self.client(url)
        self.receive(client, WELCOME)
        self.tell(client, send="/slow 3 beat 9")
        listen.wait_line(r"^#1 message differs from the recording: expected '?/slow 3 beat 0\.4'?, "
                         r"received '?/slow 3 beat 9'?$")
        times = self.receive(client, ["beat 1", "beat 2", "beat 3"])
        for want, got in zip(recorded[2:], times):
            self.assertAlmostEqual(got / 1000, want, delta=0.15, msg=f"received at {times} ms, recorded at {recorded}")
        self.close(client)

    def test_without_replay_timing_the_rest_waits_for_the_client(self):
        listen, url = self.listen(self.slow)
        client, _ = self.client(url)
        self.receive(client, WELCOME)
        self.nothing_more(client, wait=SLOW_PAUSE * 3 + 0.2)
        # Then all at once, not at their recorded times.
        self.tell(client, send=f"/slow 3 beat {SLOW_PAUSE}")
        times = self.receive(client, ["beat 1", "beat 2", "beat 3"])
        self.assertLess(times[-1] - times[0], 100, times)
        self.close(client)


    def test_a_client_that_leaves_early_and_the_next_one(self):
        listen, url = self.listen(self.slow, "--replay-timing")
        a, _ = self.client(url)
        self.receive(a, WELCOME)
        self.close(a)  # before its beats
        listen.wait_line(r"^#1 disconnected", stream="stdout")
        b, _ = self.client(url)
        times = self.receive(b, [*WELCOME, "beat 1", "beat 2", "beat 3"])
        self.assertGreaterEqual(times[-1], 3 * SLOW_PAUSE * 1000 - 100, times)
        self.close(b)
        self.assertIsNone(listen.proc.poll())
        self.assertEqual(listen.seen["stderr"][1:], [])

    def test_a_har_with_a_utc_offset(self):
        # A HAR's startedDateTime may carry an offset (Firefox's devtools):
        # --replay-timing keeps the recorded times after the open.
        start = time.time() - 60
        for label, hours in (("Z", 0), ("+02:00", 2), ("-05:00", -5)):
            with self.subTest(zone=label):
                zone = datetime.timezone(datetime.timedelta(hours=hours))
                started = datetime.datetime.fromtimestamp(start, zone).isoformat(timespec="milliseconds")
                started = started.replace("+00:00", "Z")
                self.assertTrue(started.endswith(label), started)
                rec = self.path(f"offset{hours}.har")
                with open(rec, "w") as f:
                    json.dump({"log": {"version": "1.2", "creator": {"name": "Firefox", "version": "128.0"},
                                       "entries": [{
                        "startedDateTime": started, "_resourceType": "websocket",
                        "request": {"method": "GET", "url": "ws://app.example/", "headers": []},
                        "response": {"status": 101, "headers": []},
                        "_webSocketMessages": [
                            {"type": "receive", "time": start + 0.01, "opcode": 1, "data": "now"},
                            {"type": "receive", "time": start + 0.6, "opcode": 1, "data": "later"}]}]}}, f)
                listen, url = self.listen(rec, "--replay-timing")
                client, _ = self.client(url)
                times = self.receive(client, ["now", "later"], timeout=3)
                self.assertAlmostEqual(times[1] / 1000, 0.6, delta=0.15, msg=f"received at {times} ms")
                self.close(client)
                listen.stop()


class TestRecordings(ReplayListen):
    def test_a_recording_of_listen(self):
        # Role "server": what listen sent (typed lines) is the server's side.
        rec = self.path("listen.ndjson")
        recorder, url = self.start_wskit_server("listen", "--json", "--record", rec, "0", stdin=subprocess.PIPE)
        self.addCleanup(close_quietly, recorder.proc.stdin)

        def type_line(line):
            recorder.proc.stdin.write((line + "\n").encode())
            recorder.proc.stdin.flush()

        client, _ = self.client(url + "typed")
        recorder.wait_line(r'"event":"open"', stream="stdout")
        type_line("greetings")
        self.receive(client, ["greetings"])
        self.tell(client, send="q1")
        recorder.wait_line(r'"text":"q1"', stream="stdout")
        type_line("a1")
        type_line("a2")
        self.receive(client, ["a1", "a2"])
        self.tell(client, send="q2")
        recorder.wait_line(r'"text":"q2"', stream="stdout")
        type_line("a3")
        self.receive(client, ["a3"])
        self.close(client)
        recorder.wait_line(r'"event":"close"', stream="stdout")
        recorder.signal(15)
        recorder.wait()

        listen, url = self.listen(rec)
        client, _ = self.client(url)
        self.receive(client, ["greetings"])
        self.nothing_more(client)
        self.talk(client, "q1", ["a1", "a2"])
        self.talk(client, "q2", ["a3"])
        self.close(client)
        self.assertEqual(listen.seen["stderr"][1:], [])

    def test_a_recording_of_proxy(self):
        # Role "proxy": the client leg's messages are the client's, the
        # upstream leg's the server's.
        listen, url = self.listen(self.proxied)
        client, opened = self.client(url, ["chat.v1"])
        self.assertEqual(opened["protocol"], "chat.v1")
        self.receive(client, WELCOME)
        self.nothing_more(client)
        for sent, answers in STEPS:
            self.talk(client, ("binary", "0001ff") if sent.startswith("/bin") else sent, answers)
        self.close(client)
        self.assertEqual(listen.seen["stderr"][1:], [])


class TestUsage(ReplayListen):
    def test_usage_errors(self):
        bad = self.path("bad.ndjson")
        with open(self.ndjson) as f:
            lines = f.readlines()
        with open(bad, "w") as f:
            f.writelines([lines[0], "{not json\n", *lines[1:]])
        empty_har = self.path("empty.har")
        with open(empty_har, "w") as f:
            json.dump({"log": {"version": "1.2", "creator": {"name": "x", "version": "1"}, "entries": []}}, f)
        for args, message in [
                (("--replay", self.ndjson, "0", "--exec", "cat"), "--to, --exec and --replay cannot go together"),
                (("--replay", self.ndjson, "--to", "tcp:127.0.0.1:9", "0"),
                 "--to, --exec and --replay cannot go together"),
                (("--replay-timing", "0"), "--replay-timing goes with --replay"),
                (("--replay", self.ndjson, "--record", self.path("x.ndjson"), "0"), "--record"),
                (("--replay", bad, "0"), f"{bad}:2: "),
                (("--replay", empty_har, "0"), f"{empty_har}: no WebSocket connection"),
                (("--replay", self.path("missing.ndjson"), "0"), self.path("missing.ndjson"))]:
            with self.subTest(args=args):
                r = self.wskit("listen", *args, timeout=10)
                self.assertExit(r, 2)
                self.assertIn(message, r.stderr.decode())
                self.assertNotIn("listening on", r.stderr.decode())
                self.assertEqual(r.stdout, b"")
        self.assertFalse(os.path.exists(self.path("x.ndjson")))


if __name__ == "__main__":
    main()
