"""wskit replay FILE [URL] against a Python `websockets` JSON service (the
JSON_SERVER below, a peer nobody here wrote the protocol library of):

- the issue's test (#23): headless Chromium talks to the service through
  `wskit proxy --record`; the recording is replayed against the same service
  (exit 0, "as recorded"), a changed one (exit 1, the differing message with
  what was expected and what came) and with --ignore for the fields that
  change (exit 0);
- a HAR built from Chromium's devtools protocol (Network.webSocket* events,
  written the way the devtools' "Save all as HAR" writes it), replayed;
- recordings of `wskit connect --record`: pacing (recorded, --speed,
  --no-pacing, --lockstep), comparison (--ignore, --loose, binary), --json,
  the recorded request headers and subprotocol offers (-H for a masked
  value), failures (refused, nothing listening), --record of the replay,
  and usage errors."""
import base64
import datetime
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import jsonschema

from harness import LISTENING, NODE, PEERS, PYTHON, WSKIT, Process, TestCase, free_port, main, page_of, port_of
from record_support import close_quietly, headers_of, read_har, read_ndjson, record_stepwise, wait_for

JSON_SERVER = r'''
"""A Python `websockets` JSON service for wskit replay's tests. Binds
127.0.0.1 port 0, prints "listening on ws://127.0.0.1:PORT/" on stderr, and
on stdout one JSON line per thing that reached it:
  {"event": "request", "path": P, "headers": [[NAME, VALUE], ...]}
  {"event": "open", "conn": N, "subprotocol": S or null}
  {"event": "text", "conn": N, "text": T, "at": SECONDS_AFTER_OPEN}
  {"event": "binary", "conn": N, "hex": H, "at": SECONDS_AFTER_OPEN}
  {"event": "closed", "conn": N, "code": C, "at": SECONDS_AFTER_OPEN}
A plain GET (no Upgrade) gets a small HTML page, for a browser to open.

On open it sends {"type": "hello", "id": ID, "ts": TS}. A JSON request
{"id": K, "op": "add", "a": A, "b": B} is answered {"id": ID, "re": K,
"sum": A+B, "ts": TS}; binary is answered with its bytes reversed; other
text with itself in upper case. ID and TS are "srv-1", "srv-2"... and
1700000000 + 1, + 2..., the same on every run, unless:
  --changing         ID a random uuid, TS the time now (fields that change)
  --wrong            sums are one more, binary is answered as hex text
  --delay SECS       answer each request SECS later; a request that comes
                     while one waits is answered {"error": "busy"} at once
  --extra            after the answer to "a": 3, one more {"type": "extra"}
  --auth VALUE       refuse (401) a handshake without Authorization: VALUE
  --reject STATUS    refuse every handshake with this HTTP status
  --subprotocol NAME accept this subprotocol (repeatable)
"""
import argparse
import asyncio
import http
import json
import sys
import time
import uuid

import websockets

PAGE = b"<!doctype html><title>json service</title><p>json service</p>"


def out(**kw):
    print(json.dumps(kw), flush=True)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--changing", action="store_true")
    ap.add_argument("--wrong", action="store_true")
    ap.add_argument("--delay", type=float, default=0)
    ap.add_argument("--extra", action="store_true")
    ap.add_argument("--auth")
    ap.add_argument("--reject", type=int)
    ap.add_argument("--subprotocol", action="append", default=[])
    args = ap.parse_args()
    opened = 0

    async def process_request(path, headers):
        if "upgrade" not in headers.get("Connection", "").lower():
            return http.HTTPStatus.OK, [("Content-Type", "text/html")], PAGE
        out(event="request", path=path, headers=[list(h) for h in headers.raw_items()])
        if args.reject:
            return http.HTTPStatus(args.reject), [], b"refused\n"
        if args.auth is not None and headers.get("Authorization") != args.auth:
            return http.HTTPStatus.UNAUTHORIZED, [("WWW-Authenticate", "Bearer")], b"who are you?\n"
        return None

    async def handler(ws, path=None):
        nonlocal opened
        opened += 1
        conn = opened
        start = time.monotonic()
        serial = 0
        busy = False
        out(event="open", conn=conn, subprotocol=ws.subprotocol)

        def stamp():
            nonlocal serial
            serial += 1
            if args.changing:
                return uuid.uuid4().hex, time.time()
            return f"srv-{serial}", 1700000000 + serial

        async def answer(request):
            nonlocal busy
            if args.delay:
                await asyncio.sleep(args.delay)
            ident, ts = stamp()
            total = request.get("a", 0) + request.get("b", 0) + (1 if args.wrong else 0)
            await ws.send(json.dumps({"id": ident, "re": request.get("id"), "sum": total, "ts": ts}))
            if args.extra and request.get("a") == 3:
                await ws.send(json.dumps({"type": "extra"}))
            busy = False

        tasks = []
        try:
            ident, ts = stamp()
            await ws.send(json.dumps({"type": "hello", "id": ident, "ts": ts}))
            async for message in ws:
                at = round(time.monotonic() - start, 3)
                if isinstance(message, bytes):
                    out(event="binary", conn=conn, hex=message.hex(), at=at)
                    await ws.send(message.hex() if args.wrong else message[::-1])
                    continue
                out(event="text", conn=conn, text=message, at=at)
                try:
                    request = json.loads(message)
                except ValueError:
                    request = None
                if not isinstance(request, dict):
                    await ws.send(message.upper())
                elif not args.delay:
                    await answer(request)
                elif busy:
                    await ws.send(json.dumps({"error": "busy", "re": request.get("id")}))
                else:
                    busy = True
                    tasks.append(asyncio.ensure_future(answer(request)))
        except websockets.ConnectionClosed:
            pass
        await ws.wait_closed()
        for t in tasks:
            t.cancel()
        out(event="closed", conn=conn, code=ws.close_code, at=round(time.monotonic() - start, 3))

    server = await websockets.serve(handler, "127.0.0.1", 0, process_request=process_request,
                                    subprotocols=args.subprotocol or None, ping_interval=None)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on ws://127.0.0.1:{port}/", file=sys.stderr, flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
'''

# Headless Chromium and its devtools protocol (playwright-core's CDP
# session): the Network domain's WebSocket events for a page, made into a HAR
# the way the devtools' Network panel exports one (HARWriter): a document
# entry for the page, then per WebSocket an entry with request.url and
# headers (the handshake's, from webSocketHandshakeResponseReceived's
# requestHeaders), the 101 as response, _resourceType "websocket" and
# _webSocketMessages [{type: send|receive, time: seconds since the epoch
# (the frame's monotonic timestamp made wall time with the handshake's
# wallTime), opcode, data: text, or base64 for binary}].
#   node cdp_har.cjs PEERS PAGE_URL SCRIPT_FILE HAR_PATH
# SCRIPT_FILE is the body of an async function run in the page with `args`
# (WSKIT_BROWSER_ARGS); prints {"done": its value, "websockets": N}.
CDP_HAR = r"""
'use strict';
const fs = require('fs');
const path = require('path');
const [peers, pageUrl, scriptFile, harPath] = process.argv.slice(2);
const { launch, newPage } = require(path.join(peers, 'browser.cjs'));

const headerList = (map) => {
  const list = [];
  for (const [name, value] of Object.entries(map || {}))
    for (const v of String(value).split('\n')) list.push({ name, value: v });
  return list;
};
const cookiesOf = (headers) => {
  const cookie = Object.entries(headers || {}).find(([n]) => n.toLowerCase() === 'cookie');
  if (!cookie) return [];
  return cookie[1].split(/;\s*/).map((c) => {
    const i = c.indexOf('=');
    return { name: c.slice(0, i), value: c.slice(i + 1), expires: null, httpOnly: false, secure: false };
  });
};
const iso = (seconds) => new Date(seconds * 1000).toISOString();

async function main() {
  const browser = await launch();
  try {
    const page = await newPage(browser);
    const cdp = await page.context().newCDPSession(page);
    const sockets = new Map();
    const socket = (id) => {
      if (!sockets.has(id)) sockets.set(id, { messages: [] });
      return sockets.get(id);
    };
    let documentRequest = null;
    let documentResponse = null;
    cdp.on('Network.requestWillBeSent', (e) => { if (e.type === 'Document') documentRequest = e; });
    cdp.on('Network.responseReceived', (e) => { if (e.type === 'Document') documentResponse = e; });
    cdp.on('Network.webSocketCreated', (e) => { socket(e.requestId).url = e.url; });
    cdp.on('Network.webSocketWillSendHandshakeRequest', (e) => {
      Object.assign(socket(e.requestId), { issueTime: e.timestamp, wallIssueTime: e.wallTime,
                                          requestHeaders: e.request.headers });
    });
    cdp.on('Network.webSocketHandshakeResponseReceived', (e) => {
      const s = socket(e.requestId);
      s.response = e.response;
      s.responseTime = e.timestamp;
      if (e.response.requestHeaders) s.requestHeaders = e.response.requestHeaders;
    });
    const frame = (type) => (e) => socket(e.requestId).messages.push(
      { type, timestamp: e.timestamp, opcode: e.response.opcode, data: e.response.payloadData });
    cdp.on('Network.webSocketFrameSent', frame('send'));
    cdp.on('Network.webSocketFrameReceived', frame('receive'));
    cdp.on('Network.webSocketClosed', (e) => { socket(e.requestId).closedTime = e.timestamp; });
    await cdp.send('Network.enable');
    await page.goto(pageUrl);
    const body = fs.readFileSync(scriptFile, 'utf8');
    const args = JSON.parse(process.env.WSKIT_BROWSER_ARGS || 'null');
    const value = await page.evaluate(
      ({ body, args }) => new Function('args', `return (async () => { ${body} })();`)(args), { body, args });
    for (let i = 0; i < 100 && [...sockets.values()].some((s) => s.closedTime === undefined); i++)
      await new Promise((r) => setTimeout(r, 50));

    const entries = [];
    if (documentRequest && documentResponse) {
      const r = documentResponse.response;
      entries.push({
        _initiator: { type: 'other' }, _priority: 'VeryHigh', _resourceType: 'document', cache: {}, connection: '',
        pageref: 'page_1',
        request: { method: 'GET', url: documentRequest.request.url, httpVersion: 'HTTP/1.1',
                   headers: headerList(documentRequest.request.headers), queryString: [], cookies: [],
                   headersSize: -1, bodySize: 0 },
        response: { status: r.status, statusText: r.statusText, httpVersion: 'HTTP/1.1',
                    headers: headerList(r.headers), cookies: [],
                    content: { size: 0, mimeType: r.mimeType }, redirectURL: '', headersSize: -1, bodySize: -1,
                    _transferSize: 0, _error: null },
        serverIPAddress: '127.0.0.1', startedDateTime: iso(documentRequest.wallTime), time: 1,
        timings: { blocked: -1, dns: -1, ssl: -1, connect: -1, send: 0, wait: 1, receive: 0, _blocked_queueing: -1 },
      });
    }
    for (const s of sockets.values()) {
      const wall = (t) => s.wallIssueTime - s.issueTime + t;
      const url = new URL(s.url);
      entries.push({
        _initiator: { type: 'script' }, _priority: null, _resourceType: 'websocket', cache: {}, connection: '',
        pageref: 'page_1',
        request: { method: 'GET', url: s.url, httpVersion: 'HTTP/1.1', headers: headerList(s.requestHeaders),
                   queryString: [...url.searchParams].map(([name, value]) => ({ name, value })),
                   cookies: cookiesOf(s.requestHeaders), headersSize: -1, bodySize: 0 },
        response: { status: s.response.status, statusText: s.response.statusText, httpVersion: 'HTTP/1.1',
                    headers: headerList(s.response.headers), cookies: [],
                    content: { size: 0, mimeType: 'x-unknown' }, redirectURL: '', headersSize: -1, bodySize: 0,
                    _transferSize: 0, _error: null },
        serverIPAddress: '127.0.0.1',
        startedDateTime: iso(s.wallIssueTime),
        time: ((s.closedTime || s.responseTime) - s.issueTime) * 1000,
        timings: { blocked: -1, dns: -1, ssl: -1, connect: -1, send: 0,
                   wait: (s.responseTime - s.issueTime) * 1000, receive: 0, _blocked_queueing: -1 },
        _webSocketMessages: s.messages.map((m) => ({ type: m.type, time: wall(m.timestamp), opcode: m.opcode,
                                                     data: m.data })),
      });
    }
    const har = { log: { version: '1.2', creator: { name: 'WebInspector', version: '537.36' },
                         pages: [{ startedDateTime: entries.length ? entries[0].startedDateTime : iso(Date.now() / 1000),
                                   id: 'page_1', title: pageUrl, pageTimings: { onContentLoad: -1, onLoad: -1 } }],
                         entries } };
    fs.writeFileSync(harPath, JSON.stringify(har, null, 2));
    process.stdout.write(JSON.stringify({ done: value === undefined ? null : value, websockets: sockets.size }) + '\n');
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ error: String(e && e.stack || e) }) + '\n');
  process.exit(1);
});
"""

# Run in a page: opens a WebSocket to args.url (offering args.protocols),
# reads the service's hello, asks two sums, one after the other, then (with
# args.binary) sends three bytes and reads them reversed, and closes.
PAGE_SCRIPT = r"""
if (args.cookie) document.cookie = args.cookie + '; path=/';
const ws = new WebSocket(args.url, args.protocols || []);
ws.binaryType = 'arraybuffer';
const queue = [];
let waiting = null;
ws.onmessage = (e) => { if (waiting) { const w = waiting; waiting = null; w(e.data); } else queue.push(e.data); };
const next = () => queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => { waiting = r; });
const closed = new Promise((r) => { ws.onclose = (e) => r({ code: e.code, reason: e.reason, clean: e.wasClean }); });
await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error('WebSocket error')); });
const got = [JSON.parse(await next())];
ws.send(JSON.stringify({ id: 1, op: 'add', a: 1, b: 2 }));
got.push(JSON.parse(await next()));
ws.send(JSON.stringify({ id: 2, op: 'add', a: 3, b: 4 }));
got.push(JSON.parse(await next()));
if (args.binary) {
  ws.send(new Uint8Array([1, 2, 255]));
  got.push(Array.from(new Uint8Array(await next())));
}
ws.close(1000, 'done');
return { got, protocol: ws.protocol, close: await closed, userAgent: navigator.userAgent, origin: location.origin };
"""
EXPECTED_ANSWERS = [{"type": "hello", "id": "srv-1", "ts": 1700000001},
                    {"id": "srv-2", "re": 1, "sum": 3, "ts": 1700000002},
                    {"id": "srv-3", "re": 2, "sum": 7, "ts": 1700000003}]

# What BASE_STEPS sends (connect --slash lines) and how many messages the
# service answers each with: its hello comes first, the request with "a": 3
# (after which --extra sends one more) comes last.
BASE_STEPS = [("hi", 1), ("/bin 01 02 ff", 1), ('{"id":1,"op":"add","a":1,"b":2}', 1),
              ('{"id":2,"op":"add","a":3,"b":4}', 1)]
BASE_EXPECTED = 5  # hello, HI, ff0201, two answers
BASE_PAUSE = 0.4   # seconds between an answer and the next line sent

# --json's events of a replay: a difference per message that is not as
# recorded, then one replayed event per connection.
_PAYLOAD = {"type": "object", "required": ["opcode"], "additionalProperties": False,
            "properties": {"opcode": {"enum": ["text", "binary"]}, "text": {"type": "string"},
                           "base64": {"type": "string"}},
            "oneOf": [{"required": ["text"]}, {"required": ["base64"]}]}
REPLAY_EVENT = jsonschema.Draft7Validator({
    "type": "object",
    "required": ["event", "conn"],
    "oneOf": [
        {"properties": {"event": {"const": "difference"}, "conn": {"type": "integer", "minimum": 1},
                        "ts": {"type": "string"},
                        "index": {"type": "integer", "minimum": 1},
                        "kind": {"enum": ["differs", "missing", "unexpected"]},
                        "expected": _PAYLOAD, "received": _PAYLOAD},
         "required": ["index", "kind"], "additionalProperties": False,
         "allOf": [
             {"if": {"properties": {"kind": {"const": "differs"}}},
              "then": {"required": ["expected", "received"]}},
             {"if": {"properties": {"kind": {"const": "missing"}}},
              "then": {"required": ["expected"], "not": {"required": ["received"]}}},
             {"if": {"properties": {"kind": {"const": "unexpected"}}},
              "then": {"required": ["received"], "not": {"required": ["expected"]}}}]},
        {"properties": {"event": {"const": "replayed"}, "conn": {"type": "integer", "minimum": 1},
                        "ts": {"type": "string"},
                        "url": {"type": "string", "pattern": "^wss?://"},
                        **{k: {"type": "integer", "minimum": 0}
                           for k in ("sent", "expected", "received", "differences")}},
         "required": ["url", "sent", "expected", "received", "differences"], "additionalProperties": False},
    ]})




def server_events(proc, name=None):
    """JSON_SERVER's lines read so far (of event `name`)."""
    lines = [json.loads(l) for l in list(proc.seen["stdout"]) if l.startswith("{")]
    return [l for l in lines if name is None or l["event"] == name]



def sent_times(rec):
    """Seconds after the open of each message the client sent in an NDJSON
    recording (from the ts fields, in milliseconds)."""
    def seconds(ts):
        return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
    with open(rec) as f:
        events = [json.loads(l) for l in f]
    opened = seconds(next(e["ts"] for e in events if e["event"] == "open"))
    return [seconds(e["ts"]) - opened for e in events if e["event"] == "message" and e["dir"] == "out"]


def setUpModule():
    """One JSON_SERVER and one recording (BASE_STEPS, BASE_PAUSE apart) for
    every test of this file."""
    c = ReplayCase
    c.tmp = tempfile.mkdtemp(prefix="wskit-replay-")
    c.server_script = os.path.join(c.tmp, "json_server.py")
    with open(c.server_script, "w") as f:
        f.write(JSON_SERVER)
    c.cdp_script = os.path.join(c.tmp, "cdp_har.cjs")
    with open(c.cdp_script, "w") as f:
        f.write(CDP_HAR)
    c.same = Process([PYTHON, c.server_script])
    try:
        c.same_url = c.same.wait_line(LISTENING.pattern).group(1)
        c.base = os.path.join(c.tmp, "base.ndjson")
        record_stepwise(c.base, c.same_url, BASE_STEPS, pause=BASE_PAUSE)
    except BaseException:
        tearDownModule()  # not called when setUpModule fails
        raise


def tearDownModule():
    c = ReplayCase
    if getattr(c, "same", None):
        c.same.stop()
    if getattr(c, "tmp", None):
        shutil.rmtree(c.tmp, ignore_errors=True)


class ReplayCase(TestCase):
    """self.same: the JSON_SERVER (at self.same_url) that self.base, an
    NDJSON recording of BASE_STEPS by `connect --record`, was made with;
    self.dir: a temporary folder of the test's own."""
    same = tmp = None

    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=self.tmp)

    def path(self, name):
        return os.path.join(self.dir, name)

    def server(self, *args):
        """Another JSON_SERVER with these options: (process, url)."""
        return self.start_server([PYTHON, self.server_script, *args])

    def replay(self, *args, timeout=30):
        return self.wskit("replay", *args, timeout=timeout)

    def assertReplayed(self, result, code, summary):
        """The exit status, and a last line of stdout that ends with
        `summary` ("as recorded", "2 different")."""
        self.assertExit(result, code)
        lines = result.stdout.decode().splitlines()
        self.assertTrue(lines, f"nothing on stdout; stderr={result.stderr!r}")
        last = lines[-1]
        self.assertRegex(last, r"^#\d+ wss?://\S+: \d+ of \d+ messages sent, \d+ received of \d+ expected: ")
        self.assertTrue(last.endswith(": " + summary), f"{last!r} does not end with {summary!r}")

    def wait_server(self, proc, name, count=1, **fields):
        """Waits until the server has said `count` events `name` with these
        fields; returns them."""
        def found():
            got = [e for e in server_events(proc, name) if all(e.get(k) == v for k, v in fields.items())]
            return got if len(got) >= count else None
        try:
            return wait_for(found, what=f"{count} {name} {fields} from the server")
        except AssertionError as e:
            raise AssertionError(f"{e}; it said {proc.seen['stdout'][-10:]!r}") from None

    def texts_at(self, proc, conn):
        """(text, at) of what reached the server on connection `conn`."""
        return [(e.get("text", e.get("hex")), e["at"]) for e in server_events(proc)
                if e["event"] in ("text", "binary") and e["conn"] == conn]


class TestTheIssue(ReplayCase):
    """#23: record Chromium's session through `wskit proxy --record`, then
    replay it against the same server, a changed one, and with --ignore."""

    def test_record_through_the_proxy_then_replay(self):
        upstream, upstream_url = self.server()
        rec = self.path("chromium.ndjson")
        px, proxy_url = self.start_wskit_server("proxy", "--record", rec, "0", upstream_url)
        px.wait_line(r"^forwarding to ")
        got = self.run_browser(page_of(proxy_url), PAGE_SCRIPT, args={"url": proxy_url + "svc?room=1",
                                                                     "cookie": "sid=SQissue1"})
        page = got[-1]["done"]
        self.assertEqual(page["got"], EXPECTED_ANSWERS)
        self.assertEqual(page["close"], {"code": 1000, "reason": "done", "clean": True})
        self.wait_server(upstream, "closed", conn=1)
        px.wait_line(r"#1 C: disconnected", stream="stdout")
        px.signal(15)
        self.assertEqual(px.wait(), 143)
        events = read_ndjson(self, rec, role="proxy")
        self.assertEqual(next(e for e in events if e["event"] == "open" and e["leg"] == "upstream")["url"],
                         upstream_url + "svc?room=1")

        # Against the same server, at the URL recorded (the proxy's
        # upstream: the proxy is gone), with Chromium's request headers.
        r = self.replay(rec)
        self.assertReplayed(r, 0, "as recorded")
        self.assertEqual(r.stdout.decode(),
                         f"#1 {upstream_url}svc?room=1: 2 of 2 messages sent, 3 received of 3 expected: as recorded\n")
        request = self.wait_server(upstream, "request", count=2)[1]
        self.assertEqual(request["path"], "/svc?room=1")
        sent = headers_of([{"name": n, "value": v} for n, v in request["headers"]])
        self.assertEqual(sent["user-agent"], page["userAgent"])
        self.assertEqual(sent["origin"], page["origin"])
        self.assertEqual(sent["host"], f"127.0.0.1:{port_of(upstream_url)}")
        self.assertNotIn("cookie", sent)  # recorded as sid=[hidden]: not replayable without -H
        self.wait_server(upstream, "closed", conn=2)
        self.assertEqual([t for t, _ in self.texts_at(upstream, 2)], [t for t, _ in self.texts_at(upstream, 1)])

        # A server whose ids and timestamps change on every run: the diff
        # names each message, with what was expected and what came.
        changing, changing_url = self.server("--changing")
        r = self.replay(rec, changing_url)
        self.assertReplayed(r, 1, "3 different")
        out = r.stdout.decode()
        self.assertRegex(out, r'(?m)^#1 message 1 differs\n'
                              r'  expected: \{"type": "hello", "id": "srv-1", "ts": 1700000001\}\n'
                              r'  received: \{"type": "hello", "id": "[0-9a-f]{32}", "ts": [\d.]+\}$')
        self.assertRegex(out, r'(?m)^#1 message 2 differs\n'
                              r'  expected: \{"id": "srv-2", "re": 1, "sum": 3, "ts": 1700000002\}\n'
                              r'  received: \{"id": "[0-9a-f]{32}", "re": 1, "sum": 3, "ts": [\d.]+\}$')
        self.assertRegex(out, r"(?m)^#1 message 3 differs$")

        # With --ignore for the fields that change: as recorded.
        # (--ignore after FILE URL: before them, it takes them as pointers;
        # see TestComparison.test_ignore_before_file_and_url.)
        r = self.replay(rec, changing_url, "--ignore", "/id", "--ignore", "/ts")
        self.assertReplayed(r, 0, "as recorded")

        # A server that answers something else is still different.
        wrong, wrong_url = self.server("--wrong")
        r = self.replay(rec, wrong_url, "--ignore", "/id", "--ignore", "/ts")
        self.assertReplayed(r, 1, "2 different")
        self.assertIn('#1 message 2 differs\n  expected: {"id": "srv-2", "re": 1, "sum": 3, "ts": 1700000002}\n'
                      '  received: {"id": "srv-2", "re": 1, "sum": 4, "ts": 1700000002}\n', r.stdout.decode())
        self.assertIn("#1 message 3 differs\n", r.stdout.decode())
        self.assertNotIn("message 1 ", r.stdout.decode())


class TestDevtoolsHar(ReplayCase):
    def devtools_har(self, server_url, har, protocols=()):
        """Runs PAGE_SCRIPT in Chromium on the service's own page, watched
        through the devtools protocol; writes the HAR. Returns the page's
        result."""
        env = dict(os.environ, WSKIT_BROWSER_ARGS=json.dumps(
            {"url": server_url + "feed?v=2", "protocols": list(protocols), "binary": True,
             "cookie": "sid=devtools1"}))
        script = self.path("page.js")
        with open(script, "w") as f:
            f.write(PAGE_SCRIPT)
        try:
            done = subprocess.run([NODE, self.cdp_script, PEERS, page_of(server_url), script, har],
                                  capture_output=True, timeout=90, env=env, start_new_session=True)
        except subprocess.TimeoutExpired as e:
            raise AssertionError(f"the browser did not finish; stdout={e.stdout!r} stderr={e.stderr!r}")
        lines = [json.loads(l) for l in done.stdout.decode().splitlines() if l.startswith("{")]
        if done.returncode != 0 or not lines or "done" not in lines[-1]:
            raise AssertionError(f"the browser failed: stdout={done.stdout!r} stderr={done.stderr[-3000:]!r}")
        self.assertEqual(lines[-1]["websockets"], 1)
        return lines[-1]["done"]

    def test_a_har_exported_from_chromiums_devtools(self):
        server, url = self.server("--subprotocol", "sums.v1")
        har = self.path("devtools.har")
        page = self.devtools_har(url, har, protocols=["sums.v2", "sums.v1"])
        self.assertEqual(page["got"], [*EXPECTED_ANSWERS, [255, 2, 1]])
        self.assertEqual(page["protocol"], "sums.v1")
        self.wait_server(server, "closed", conn=1)

        # The HAR is Chromium's view, as its devtools export it.
        with open(har) as f:
            entries = json.load(f)["log"]["entries"]
        self.assertEqual([e["_resourceType"] for e in entries], ["document", "websocket"])
        entry = entries[1]
        self.assertEqual(entry["request"]["url"], url + "feed?v=2")
        recorded = headers_of(entry["request"]["headers"])
        self.assertEqual(recorded.get("cookie"), "sid=devtools1")
        self.assertEqual(recorded.get("sec-websocket-protocol"), "sums.v2, sums.v1")
        self.assertEqual(recorded.get("user-agent"), page["userAgent"])
        self.assertEqual([(m["type"], m["opcode"]) for m in entry["_webSocketMessages"]],
                         [("receive", 1), ("send", 1), ("receive", 1), ("send", 1), ("receive", 1), ("send", 2),
                          ("receive", 2)])
        self.assertEqual(base64.b64decode(entry["_webSocketMessages"][-1]["data"]), b"\xff\x02\x01")
        times = [m["time"] for m in entry["_webSocketMessages"]]
        self.assertEqual(times, sorted(times))
        self.assertLess(abs(times[0] - time.time()), 120, "message times are seconds since the epoch")

        # Replayed at the URL it names: Chromium's headers (its cookie, which
        # a devtools HAR keeps) and subprotocol offers reach the server.
        r = self.replay(har)
        self.assertReplayed(r, 0, "as recorded")
        self.assertEqual(r.stdout.decode().splitlines()[-1],
                         f"#1 {url}feed?v=2: 3 of 3 messages sent, 4 received of 4 expected: as recorded")
        request = self.wait_server(server, "request", count=2)[1]
        self.assertEqual(request["path"], "/feed?v=2")
        sent = headers_of([{"name": n, "value": v} for n, v in request["headers"]])
        self.assertEqual(sent.get("cookie"), "sid=devtools1")
        self.assertEqual(sent.get("origin"), page["origin"])
        self.assertEqual(sent.get("user-agent"), page["userAgent"])
        self.assertEqual(sent.get("sec-websocket-protocol"), "sums.v2, sums.v1")
        self.assertEqual(self.wait_server(server, "open", conn=2)[0]["subprotocol"], "sums.v1")
        self.wait_server(server, "closed", conn=2)
        self.assertEqual(self.texts_at(server, 2)[-1][0], "0102ff")

        # A server that answers otherwise: exit 1, and which messages.
        wrong, wrong_url = self.server("--wrong", "--subprotocol", "sums.v1")
        r = self.replay(har, wrong_url + "feed?v=2")
        self.assertReplayed(r, 1, "3 different")
        out = r.stdout.decode()
        self.assertIn('#1 message 2 differs\n  expected: {"id": "srv-2", "re": 1, "sum": 3, "ts": 1700000002}\n'
                      '  received: {"id": "srv-2", "re": 1, "sum": 4, "ts": 1700000002}\n', out)
        self.assertIn("#1 message 4 differs\n  expected: binary, 3 bytes: ff0201\n  received: 0102ff\n", out)


class TestHarTimes(ReplayCase):
    def test_started_date_time_with_a_utc_offset(self):
        # A HAR's startedDateTime is ISO 8601 with a time zone: Chromium
        # writes Z, Firefox's devtools the local offset (+02:00, -05:00); the
        # messages keep their times after the start either way.
        server, url = self.server()
        start = time.time() - 60
        zones = [("Z", datetime.timezone.utc), ("+02:00", datetime.timezone(datetime.timedelta(hours=2))),
                 ("-05:00", datetime.timezone(datetime.timedelta(hours=-5)))]
        for conn, (label, zone) in enumerate(zones, 1):
            with self.subTest(zone=label):
                started = datetime.datetime.fromtimestamp(start, zone).isoformat(timespec="milliseconds")
                started = started.replace("+00:00", "Z")
                self.assertTrue(started.endswith(label), started)
                har = {"log": {"version": "1.2", "creator": {"name": "Firefox", "version": "128.0"}, "entries": [{
                    "startedDateTime": started, "time": 700, "_resourceType": "websocket",
                    "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1", "headers": [],
                                "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
                    "response": {"status": 101, "statusText": "Switching Protocols", "httpVersion": "HTTP/1.1",
                                 "headers": [], "cookies": [], "content": {"size": 0, "mimeType": ""},
                                 "redirectURL": "", "headersSize": -1, "bodySize": 0},
                    "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0},
                    "_webSocketMessages": [
                        {"type": "receive", "time": start + 0.01, "opcode": 1,
                         "data": '{"type": "hello", "id": "srv-1", "ts": 1700000001}'},
                        {"type": "send", "time": start + 0.6, "opcode": 1, "data": "hi"},
                        {"type": "receive", "time": start + 0.61, "opcode": 1, "data": "HI"}]}]}}
                rec = self.path(f"firefox{conn}.har")
                with open(rec, "w") as f:
                    json.dump(har, f)
                r = self.replay(rec, timeout=6)
                self.assertReplayed(r, 0, "as recorded")
                self.wait_server(server, "closed", conn=conn)
                (text, at), = self.texts_at(server, conn)
                self.assertAlmostEqual(at, 0.6, delta=0.15, msg=f"sent at {at} s, recorded at 0.6 s")


class TestPacing(ReplayCase):
    def test_recorded_pacing_and_speed(self):
        recorded = sent_times(self.base)
        self.assertEqual(len(recorded), 4)
        # The recording has the pauses it was made with.
        for a, b in zip(recorded, recorded[1:]):
            self.assertGreaterEqual(b - a, BASE_PAUSE - 0.01, recorded)

        server, url = self.server()
        for conn, (args, speed) in enumerate([((), 1), (("--speed", "4"), 4)], 1):
            with self.subTest(args=args):
                r = self.replay(*args, self.base, url)
                self.assertReplayed(r, 0, "as recorded")
                closed = self.wait_server(server, "closed", conn=conn)[0]
                at = [a for _, a in self.texts_at(server, conn)]
                self.assertEqual(len(at), 4)
                for want, got in zip(recorded, at):
                    self.assertAlmostEqual(got, want / speed, delta=0.15,
                                           msg=f"sent at {at}, recorded at {recorded}, speed {speed}")
                # Closed soon after the last answer (all came: no --wait),
                # as the server saw it: the time a process takes to start
                # (long under ASan) is no part of the pacing.
                self.assertLess(closed["at"] - at[-1], 0.5, f"closed at {closed['at']}, last sent at {at[-1]}")

    def test_no_pacing_sends_at_once(self):
        server, url = self.server()
        r = self.replay("--no-pacing", self.base, url)
        self.assertReplayed(r, 0, "as recorded")
        self.wait_server(server, "closed", conn=1)
        at = [a for _, a in self.texts_at(server, 1)]
        self.assertEqual(len(at), 4)
        self.assertLess(max(at), 0.2, at)

    def test_lockstep_waits_for_a_slow_server(self):
        # A server that takes 0.3 s per request and refuses one that comes
        # while it is busy: sent at once, the second request is refused;
        # in lockstep each waits for the answers recorded before it.
        slow, url = self.server("--delay", "0.3")
        r = self.replay("--no-pacing", "-w", "1", self.base, url)
        self.assertReplayed(r, 1, "2 different")
        self.assertIn('#1 message 4 differs\n  expected: {"id": "srv-2", "re": 1, "sum": 3, "ts": 1700000002}\n'
                      '  received: {"error": "busy", "re": 2}\n', r.stdout.decode())

        r = self.replay("--lockstep", self.base, url)
        self.assertReplayed(r, 0, "as recorded")
        self.wait_server(slow, "closed", conn=2)
        at = dict(self.texts_at(slow, 2))
        first, second = at['{"id":1,"op":"add","a":1,"b":2}'], at['{"id":2,"op":"add","a":3,"b":4}']
        self.assertGreaterEqual(second - first, 0.29, at)
        # ...and sends the messages as soon as their turn comes, not at the
        # recorded times (BASE_PAUSE apart).
        self.assertLess(first, 0.2, at)


class TestComparison(ReplayCase):
    def test_as_recorded_against_the_same_server(self):
        r = self.replay("--no-pacing", self.base)
        self.assertReplayed(r, 0, "as recorded")
        self.assertEqual(r.stdout.decode(), f"#1 {self.same_url}: 4 of 4 messages sent, 5 received of 5 expected: "
                                            "as recorded\n")
        self.assertEqual(r.stderr, b"")

    def test_binary_messages_are_compared_byte_for_byte(self):
        wrong, url = self.server("--wrong")
        r = self.replay("--no-pacing", self.base, url, "--ignore", "/sum")
        self.assertReplayed(r, 1, "1 different")
        self.assertEqual(r.stdout.decode().splitlines()[:3],
                         ["#1 message 3 differs", "  expected: binary, 3 bytes: ff0201", "  received: 0102ff"])

    def test_ignore_drops_the_fields_on_both_sides(self):
        changing, url = self.server("--changing")
        r = self.replay("--no-pacing", self.base, url)
        self.assertReplayed(r, 1, "3 different")
        self.assertEqual(re.findall(r"(?m)^#1 message (\d+) (\w+)$", r.stdout.decode()),
                         [("1", "differs"), ("4", "differs"), ("5", "differs")])
        r = self.replay("--no-pacing", self.base, url, "--ignore", "/id")
        self.assertReplayed(r, 1, "3 different")
        r = self.replay("--no-pacing", self.base, url, "--ignore", "/id", "--ignore", "/ts")
        self.assertReplayed(r, 0, "as recorded")
        # A pointer that names nothing in a message leaves it whole.
        r = self.replay("--no-pacing", self.base, url, "--ignore", "/id", "--ignore", "/ts", "--ignore", "/nothing/0")
        self.assertReplayed(r, 0, "as recorded")

    def test_ignore_before_file_and_url(self):
        # --ignore takes one pointer each time, so that FILE and URL after it
        # stay FILE and URL (the man page's own example).
        changing, url = self.server("--changing")
        shutil.copy(self.base, os.path.join(self.dir, "session.ndjson"))
        for file in ("session.ndjson", os.path.join(self.dir, "session.ndjson")):
            with self.subTest(file=file):
                r = subprocess.run([os.path.abspath(WSKIT), "replay", "--no-pacing", "--ignore", "/id", "--ignore",
                                    "/ts", file, url], capture_output=True, timeout=30, cwd=self.dir)
                self.assertReplayed(r, 0, "as recorded")

    def test_loose_compares_count_and_types(self):
        changing, url = self.server("--changing")
        r = self.replay("--no-pacing", "--loose", self.base, url)
        self.assertReplayed(r, 0, "as recorded")
        # Against --wrong, the binary answer comes as text: a type differs.
        wrong, wrong_url = self.server("--wrong")
        r = self.replay("--no-pacing", "--loose", self.base, wrong_url)
        self.assertReplayed(r, 1, "1 different")
        self.assertIn("#1 message 3 differs\n", r.stdout.decode())
        # One more message than recorded: the count differs.
        extra, extra_url = self.server("--extra")
        r = self.replay("--no-pacing", "--loose", self.base, extra_url)
        self.assertReplayed(r, 1, "1 different")

    def test_an_unexpected_extra_message(self):
        extra, url = self.server("--extra")
        r = self.replay("--no-pacing", self.base, url)
        self.assertReplayed(r, 1, "1 different")
        self.assertEqual(r.stdout.decode(),
                         '#1 message 6 unexpected\n  received: {"type": "extra"}\n'
                         f"#1 {url}: 4 of 4 messages sent, 6 received of 5 expected: 1 different\n")

    def test_a_missing_message_after_wait(self):
        # wskit echo answers each message with itself and sends no hello:
        # four messages of five, the fifth missing after --wait.
        echo, url = self.start_wskit_server("echo", "0")
        started = time.monotonic()
        r = self.replay("--no-pacing", "-w", "0.5", self.base, url)
        took = time.monotonic() - started
        self.assertReplayed(r, 1, "5 different")
        self.assertIn('#1 message 5 missing\n  expected: {"id": "srv-3", "re": 2, "sum": 7, "ts": 1700000003}\n',
                      r.stdout.decode())
        self.assertIn("#1 message 1 differs\n", r.stdout.decode())
        self.assertGreaterEqual(took, 0.5)
        self.assertLess(took, 3)

    def test_json_output(self):
        echo, echo_url = self.start_wskit_server("echo", "0")
        extra, extra_url = self.server("--extra")
        for url, kinds in ((echo_url, ["differs"] * 4 + ["missing"]), (extra_url, ["unexpected"]),
                           (self.same_url, [])):
            with self.subTest(url=url):
                r = self.replay("--json", "--no-pacing", "-w", "0.5", self.base, url)
                self.assertExit(r, 1 if kinds else 0)
                events = [json.loads(l) for l in r.stdout.decode().splitlines()]
                for e in events:
                    self.assertEqual([f"{list(x.path)}: {x.message}" for x in REPLAY_EVENT.iter_errors(e)], [], e)
                self.assertEqual([e["event"] for e in events], ["difference"] * len(kinds) + ["replayed"])
                self.assertEqual([e["kind"] for e in events[:-1]], kinds)
                self.assertEqual(list(events[-1]), ["event", "ts", "conn", "url", "sent", "expected", "received",
                                                    "differences"])
                for e in events:
                    del e["ts"]
                received = {echo_url: 4, extra_url: 6, self.same_url: 5}[url]
                self.assertEqual(events[-1], {"event": "replayed", "conn": 1, "url": url, "sent": 4, "expected": 5,
                                              "received": received, "differences": len(kinds)})
                if url == echo_url:
                    self.assertEqual([e["index"] for e in events[:-1]], [1, 2, 3, 4, 5])
                    self.assertEqual(events[0]["expected"],
                                     {"opcode": "text", "text": '{"type": "hello", "id": "srv-1", "ts": 1700000001}'})
                    self.assertEqual(events[0]["received"], {"opcode": "text", "text": "hi"})
                    # Binary is base64: wskit echo answers 01 02 ff as is.
                    self.assertEqual(events[1]["expected"], {"opcode": "text", "text": "HI"})
                    self.assertEqual(events[1]["received"], {"opcode": "binary", "base64": "AQL/"})
                    self.assertEqual(events[2]["expected"], {"opcode": "binary", "base64": "/wIB"})
                    self.assertEqual(events[2]["received"],
                                     {"opcode": "text", "text": '{"id":1,"op":"add","a":1,"b":2}'})
                    self.assertNotIn("received", events[4])
                if url == extra_url:
                    self.assertEqual(events[0], {"event": "difference", "conn": 1, "index": 6, "kind": "unexpected",
                                                 "received": {"opcode": "text", "text": '{"type": "extra"}'}})

    def test_json_events_carry_ts_as_every_json_event(self):
        # wskit(1), JSON OUTPUT: every object starts with event, ts and conn.
        echo, echo_url = self.start_wskit_server("echo", "0")
        r = self.replay("--json", "--no-pacing", "-w", "0.3", self.base, echo_url)
        for line in r.stdout.decode().splitlines():
            self.assertEqual(list(json.loads(line))[:3], ["event", "ts", "conn"], line)


class TestRequest(ReplayCase):
    def test_recorded_headers_and_a_masked_authorization_from_h(self):
        server, url = self.server("--auth", "Bearer SHtok1")
        rec = self.path("auth.ndjson")
        record_stepwise(rec, url, steps=BASE_STEPS[:1], args=(
            "-H", "Authorization: Bearer SHtok1", "-H", "X-Trace: abc", "-H", "Cookie: sid=SHcookie2",
            "-o", "http://app.example", "--user-agent", "recorder/1.0"))
        with open(rec) as f:
            self.assertNotIn("SHtok1", f.read())

        # The masked Authorization is not sent: the server refuses.
        r = self.replay("-w", "0.3", rec)
        self.assertReplayed(r, 5, "2 different")
        self.assertIn("401", r.stderr.decode())

        r = self.replay("-H", "Authorization: Bearer SHtok1", rec)
        self.assertReplayed(r, 0, "as recorded")
        r = self.replay("-H", "Authorization: Bearer SHtok1", "-H", "X-Trace: replaced", "-H", "X-New: 1", rec)
        self.assertReplayed(r, 0, "as recorded")
        requests = self.wait_server(server, "request", count=4)
        recorded, refused, replayed, replaced = [[(n.lower(), v) for n, v in q["headers"]] for q in requests]
        mine = {"origin", "user-agent", "authorization", "x-trace", "cookie", "x-new"}
        self.assertEqual(sorted(h for h in refused if h[0] in mine),
                         [("origin", "http://app.example"), ("user-agent", "recorder/1.0"), ("x-trace", "abc")])
        self.assertEqual(sorted(h for h in replayed if h[0] in mine),
                         [("authorization", "Bearer SHtok1"), ("origin", "http://app.example"),
                          ("user-agent", "recorder/1.0"), ("x-trace", "abc")])
        self.assertEqual(sorted(h for h in replaced if h[0] in mine),
                         [("authorization", "Bearer SHtok1"), ("origin", "http://app.example"),
                          ("user-agent", "recorder/1.0"), ("x-new", "1"), ("x-trace", "replaced")])
        # The handshake's own headers are the replay's, once each.
        for request in (replayed, replaced):
            names = [n for n, _ in request]
            for own in ("host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version"):
                self.assertEqual(names.count(own), 1, request)
        self.assertNotEqual(dict(recorded)["sec-websocket-key"], dict(replayed)["sec-websocket-key"])

    def test_user_agent_and_origin_options_win_over_the_recorded_ones(self):
        # -o and --user-agent given on the command line win over the recorded
        # Origin and User-Agent.
        server, url = self.server()
        rec = self.path("ua.ndjson")
        record_stepwise(rec, url, steps=BASE_STEPS[:1], args=("-o", "http://app.example", "--user-agent",
                                                              "recorder/1.0"))
        r = self.replay("-o", "http://other.example", "--user-agent", "replayer/2.0", rec)
        self.assertReplayed(r, 0, "as recorded")
        request = self.wait_server(server, "request", count=2)[1]
        sent = [(n.lower(), v) for n, v in request["headers"] if n.lower() in ("origin", "user-agent")]
        self.assertEqual(sorted(sent), [("origin", "http://other.example"), ("user-agent", "replayer/2.0")])

    def test_the_recorded_subprotocol_offers(self):
        server, url = self.server("--subprotocol", "sums.v1")
        rec = self.path("subprotocol.ndjson")
        record_stepwise(rec, url, steps=BASE_STEPS[:1], args=("-s", "sums.v2", "-s", "sums.v1"))
        r = self.replay(rec)
        self.assertReplayed(r, 0, "as recorded")
        r = self.replay("-s", "sums.v1", rec)
        self.assertReplayed(r, 0, "as recorded")
        requests = self.wait_server(server, "request", count=3)
        offers = [dict((n.lower(), v) for n, v in q["headers"]).get("sec-websocket-protocol") for q in requests]
        self.assertEqual(offers, ["sums.v2, sums.v1", "sums.v2, sums.v1", "sums.v1"])
        self.assertEqual([e["subprotocol"] for e in self.wait_server(server, "open", count=3)], ["sums.v1"] * 3)


class TestConnections(ReplayCase):
    def test_each_connection_of_a_proxy_recording_in_turn(self):
        upstream, upstream_url = self.server()
        rec = self.path("two.ndjson")
        px, proxy_url = self.start_wskit_server("proxy", "--record", rec, "0", upstream_url)
        px.wait_line(r"^forwarding to ")
        record_stepwise(self.path("a.ndjson"), proxy_url + "a", steps=BASE_STEPS[:2])
        record_stepwise(self.path("b.ndjson"), proxy_url + "b", steps=BASE_STEPS[2:])
        self.wait_server(upstream, "closed", count=2)
        px.signal(15)
        self.assertEqual(px.wait(), 143)

        r = self.replay("--no-pacing", rec)
        self.assertExit(r, 0)
        self.assertEqual(r.stdout.decode(),
                         f"#1 {upstream_url}a: 2 of 2 messages sent, 3 received of 3 expected: as recorded\n"
                         f"#2 {upstream_url}b: 2 of 2 messages sent, 3 received of 3 expected: as recorded\n")
        # One after the other, each with its own messages.
        opens = self.wait_server(upstream, "open", count=4)
        self.assertEqual([e["conn"] for e in opens], [1, 2, 3, 4])
        self.wait_server(upstream, "closed", count=4)
        self.assertEqual([t for t, _ in self.texts_at(upstream, 3)], ["hi", "0102ff"])
        self.assertEqual([t for t, _ in self.texts_at(upstream, 4)], [line for line, _ in BASE_STEPS[2:]])

        changing, changing_url = self.server("--changing")
        r = self.replay("--no-pacing", rec, changing_url)
        self.assertExit(r, 1)
        self.assertEqual(re.findall(r"(?m)^(#\d) message (\d) (\w+)$", r.stdout.decode()),
                         [("#1", "1", "differs"), ("#2", "1", "differs"), ("#2", "2", "differs"),
                          ("#2", "3", "differs")])
        self.assertRegex(r.stdout.decode(), r"(?m)^#1 ws://\S+: 2 of 2 messages sent, 3 received of 3 expected: "
                                            r"1 different\n(.*\n)*#2 ws://\S+: 2 of 2 messages sent, 3 received "
                                            r"of 3 expected: 3 different\n$")

    def test_the_recorded_close_code(self):
        server, url = self.server()
        rec = self.path("close.ndjson")
        record_stepwise(rec, url, steps=BASE_STEPS[:1], args=("--close-code", "4001"))
        r = self.replay(rec)
        self.assertReplayed(r, 0, "as recorded")
        self.assertEqual([e["code"] for e in self.wait_server(server, "closed", count=2)], [4001, 4001])

    def test_a_masked_token_in_the_url_and_the_url_given(self):
        server, url = self.server()
        rec = self.path("token.ndjson")
        record_stepwise(rec, url + "x?token=SQurl1&y=1", steps=BASE_STEPS[:1])
        with open(rec) as f:
            self.assertNotIn("SQurl1", f.read())
        r = self.replay(rec, url + "x?token=SQurl1&y=1")
        self.assertReplayed(r, 0, "as recorded")
        self.assertEqual(self.wait_server(server, "request", count=2)[1]["path"], "/x?token=SQurl1&y=1")

    def test_sigint_ends_the_replay_with_130(self):
        # wskit listen sends nothing: in lockstep, the first message waits
        # for a hello that never comes.
        silent, url = self.start_wskit_server("listen", "--json", "0", stdin=subprocess.PIPE)
        self.addCleanup(close_quietly, silent.proc.stdin)
        replay = self.start([WSKIT, "replay", "--lockstep", "-w", "30", self.base, url])
        silent.wait_line(r'"event":"open"', stream="stdout")
        time.sleep(0.2)
        replay.signal(2)
        self.assertEqual(replay.wait(timeout=5), 130)
        self.assertEqual(replay.seen["stdout"][-1],
                         f"#1 {url}: 0 of 4 messages sent, 0 received of 5 expected: 5 different")


class TestFailures(ReplayCase):
    def test_the_server_refuses(self):
        refusing, url = self.server("--reject", "403")
        r = self.replay("-w", "0.3", self.base, url)
        self.assertExit(r, 5)
        self.assertIn("403", r.stderr.decode())
        self.assertTrue(r.stdout.decode().endswith(f"#1 {url}: 0 of 4 messages sent, 0 received of 5 expected: "
                                                   "5 different\n"), r.stdout)

    def test_nothing_listening(self):
        url = f"ws://127.0.0.1:{free_port()}/"
        r = self.replay("-w", "0.3", self.base, url)
        self.assertExit(r, 3)
        self.assertIn("connection refused", r.stderr.decode())


class TestRecordTheReplay(ReplayCase):
    def test_record_new_then_replay_new(self):
        wrong, url = self.server("--wrong")
        for name in ("new.ndjson", "new.har"):
            with self.subTest(name):
                new = self.path(name)
                r = self.replay("--no-pacing", "--record", new, self.base, url)
                self.assertReplayed(r, 1, "3 different")
                if name.endswith(".har"):
                    entry, = read_har(self, new)
                    self.assertEqual(entry["request"]["url"], url)
                    self.assertEqual(len(entry["_webSocketMessages"]), 4 + BASE_EXPECTED)
                else:
                    events = read_ndjson(self, new, role="client")
                    ins = [e.get("text", e.get("base64")) for e in events if e["event"] == "message"
                           and e["dir"] == "in"]
                    self.assertEqual(ins[2], "0102ff")
                    self.assertEqual(json.loads(ins[3])["sum"], 4)
                    self.assertEqual(len([e for e in events if e["event"] == "message" and e["dir"] == "out"]), 4)
                # The new recording is the new baseline: as recorded.
                r = self.replay("--no-pacing", new)
                self.assertReplayed(r, 0, "as recorded")
                r = self.replay("--lockstep", new)
                self.assertReplayed(r, 0, "as recorded")
                # ...and the old server is now different.
                r = self.replay("--no-pacing", new, self.same_url)
                self.assertReplayed(r, 1, "3 different")


class TestUsage(ReplayCase):
    def test_a_file_that_is_not_a_recording(self):
        with open(self.base) as f:
            lines = f.readlines()
        bad = self.path("bad.ndjson")
        with open(bad, "w") as f:
            f.writelines([*lines[:2], "this is not json\n", *lines[2:]])
        r = self.replay(bad, self.same_url)
        self.assertExit(r, 2)
        self.assertRegex(r.stderr.decode(), rf"^wskit: {re.escape(bad)}:3: ")
        self.assertEqual(r.stdout, b"")
        missing = self.path("missing.ndjson")
        r = self.replay(missing)
        self.assertExit(r, 2)
        self.assertIn(missing, r.stderr.decode())
        no_websocket = self.path("page.har")
        with open(no_websocket, "w") as f:
            json.dump({"log": {"version": "1.2", "creator": {"name": "x", "version": "1"}, "entries": [
                {"request": {"url": "http://127.0.0.1/"}, "response": {"status": 200}, "_resourceType": "document"}]}},
                f)
        r = self.replay(no_websocket, self.same_url)
        self.assertExit(r, 2)
        self.assertIn(no_websocket, r.stderr.decode())

    def test_bad_options(self):
        before = len(server_events(self.same, "request"))
        for args, message in [(("--ignore", "id"), "--ignore"),
                              (("--ignore", "/ok", "--ignore", "~bad"), "--ignore"),
                              (("--no-pacing", "--lockstep"), "--no-pacing and --lockstep"),
                              (("--speed", "0"), "--speed"),
                              (("--wait", "-1"), "--wait")]:
            with self.subTest(args=args):
                r = self.replay(*args, self.base, self.same_url)
                self.assertExit(r, 2)
                self.assertIn(message, r.stderr.decode())
                self.assertEqual(r.stdout, b"")
        # Nothing reached the server.
        self.assertEqual(len(server_events(self.same, "request")), before)


if __name__ == "__main__":
    main()
