"""wskit run SCRIPT... [URL]: line-oriented scripts that connect, send and
expect, end to end. Every statement runs against `wskit echo` and against
SCRIPT_SERVER below (a Python `websockets` server written for these tests:
JSON requests answered by id, a session token to capture and send back, a
server that pings, sends pongs of its own, closes with a code, sends binary,
sends N messages, holds connections at a gate until all have come, and logs
every message it receives so the tests see exactly what a script sent).
Then: the JSON-subset semantics of expect {json}, captures, environment
variables and $$, repeat blocks (nested), comments and quoted strings,
every failure message, syntax errors (line:column, before anything runs,
even in the second script), the URL given last, connection failures and
their exit codes, -H/-s/TLS options on every connect, -j (concurrency
proved by the gate, no sleeps), --junit (parsed with xml.etree and checked
structurally: no JUnit XSD is available offline on this machine, neither
under /usr/share nor in a Debian package here; then read by python3-junitparser,
a JUnit consumer nobody here wrote), --json, -v and SIGINT."""
import json
import os
import re
import shutil
import signal
import tempfile
import textwrap
import time
import xml.etree.ElementTree as ET

from junitparser import Failure, JUnitXml
from harness import LISTENING, PYTHON, WSKIT, CertsTestCase, Process, TestCase, free_port, main

ENV = {k: v for k, v in os.environ.items()
       if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "sslkeylogfile")}

# A Python `websockets` server. The first segment of the path chooses what a
# connection does, the others are its arguments (a last one the tests add
# to tell their connections apart is ignored where not used):
#   /echo/...           echoes every message
#   /silent/...         reads, never answers
#   /rpc/...            answers {"id","method":"add","params":[...]} with
#                       {"jsonrpc","id","result":sum,"echo":params,"meta":{...}}
#                       and any other method with {"id","error":{"code":-32601}}
#   /session/...        sends {"event":"welcome","session":TOKEN,"n":N}, then
#                       answers each {"ack":TOKEN} with {"ok":true|false,...}
#   /count/N/...        sends m1..mN, then "done"
#   /binary/HEX/...     sends these bytes as a binary message
#   /close/CODE[/MS]/.. sends "bye-soon", waits MS ms, closes with CODE
#   /pings/...          pings the client ("srv"), says so once the pong came;
#                       answers "pong-me X" with an unsolicited pong "X"
#   /headers/...        sends {"x-cli","x-script","protocols","subprotocol"}
#   /gate/NAME/N        holds the connection until N connections to gate NAME
#                       are open at once, then sends "go N open"
# On stdout, JSON lines: {"open": path, "conn"}, each message received
# ({"conn","path","text"} or "binary": hex), {"closed": path, "code",
# "reason"} (the client's close code, 1006 when there was none).
SCRIPT_SERVER = r"""
import asyncio, json, os, sys, websockets

def out(obj):
    print(json.dumps(obj), flush=True)

gates = {}
serial = 0

async def handler(ws, path):
    global serial
    serial += 1
    conn = serial
    parts = path.strip("/").split("/")
    kind, args = parts[0], parts[1:]
    out({"open": path, "conn": conn})
    token = None
    try:
        if kind == "headers":
            h = ws.request_headers
            await ws.send(json.dumps({"x-cli": h.get("X-Cli"), "x-script": h.get("X-Script"),
                                      "protocols": h.get("Sec-WebSocket-Protocol"),
                                      "subprotocol": ws.subprotocol}))
        elif kind == "session":
            token = os.urandom(6).hex()
            await ws.send(json.dumps({"event": "welcome", "session": token, "n": conn}))
        elif kind == "count":
            for i in range(int(args[0])):
                await ws.send(f"m{i + 1}")
            await ws.send("done")
        elif kind == "binary":
            await ws.send(bytes.fromhex(args[0]))
        elif kind == "close":
            await ws.send("bye-soon")
            if len(args) > 1 and args[1].isdigit():
                await asyncio.sleep(int(args[1]) / 1000)
            await ws.close(int(args[0]), "server says bye")
        elif kind == "pings":
            waiter = await ws.ping(b"srv")
            await asyncio.wait_for(waiter, 5)
            await ws.send("the client answered my ping")
        elif kind == "gate":
            name, n = args[0], int(args[1])
            gate = gates.setdefault(name, [0, asyncio.Event()])
            gate[0] += 1
            if gate[0] >= n:
                gate[1].set()
            try:
                opened = asyncio.ensure_future(gate[1].wait())
                closed = asyncio.ensure_future(ws.wait_closed())
                await asyncio.wait([opened, closed], return_when=asyncio.FIRST_COMPLETED)
                opened.cancel()
                closed.cancel()
                if gate[1].is_set():
                    await ws.send(f"go {n} open")
            finally:
                gate[0] -= 1
        async for m in ws:
            out({"conn": conn, "path": path, **({"binary": m.hex()} if isinstance(m, bytes) else {"text": m})})
            if kind == "echo":
                await ws.send(m)
            elif kind == "rpc":
                req = json.loads(m)
                if req.get("method") == "add":
                    reply = {"jsonrpc": "2.0", "id": req["id"], "result": sum(req["params"]),
                             "echo": req["params"], "meta": {"server": "py", "n": len(req["params"])}}
                else:
                    reply = {"jsonrpc": "2.0", "id": req.get("id"),
                             "error": {"code": -32601, "message": "no such method"}}
                await ws.send(json.dumps(reply))
            elif kind == "session":
                req = json.loads(m)
                await ws.send(json.dumps({"ok": req.get("ack") == token, "session": token}))
            elif kind == "pings" and m.startswith("pong-me "):
                await ws.pong(m[len("pong-me "):].encode())
    except websockets.ConnectionClosed:
        pass
    await ws.wait_closed()
    out({"closed": path, "conn": conn, "code": ws.close_code, "reason": ws.close_reason})

async def main():
    server = await websockets.serve(handler, "127.0.0.1", 0, ping_interval=None,
                                    subprotocols=["chat", "superchat"])
    port = server.sockets[0].getsockname()[1]
    print(f"listening on ws://127.0.0.1:{port}/", file=sys.stderr, flush=True)
    await asyncio.Future()

asyncio.run(main())
"""

PASS_LINE = r"PASS {name} \((\d+) steps, (\d+\.\d\d) s\)"


class RunCase(TestCase):
    """A `wskit echo` and a SCRIPT_SERVER per class; scripts in a temporary
    folder per test."""

    @classmethod
    def setUpClass(cls):
        # Class cleanups run even when this fails half-way.
        cls.tmp_class = tempfile.mkdtemp(prefix="wskit-run-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp_class, True)
        server_py = os.path.join(cls.tmp_class, "script_server.py")
        with open(server_py, "w") as f:
            f.write(SCRIPT_SERVER)
        cls.echo = Process([WSKIT, "echo", "0"], env=ENV)
        cls.addClassCleanup(cls.echo.stop)
        cls.echo_url = cls.echo.wait_line(LISTENING.pattern).group(1)
        cls.py = Process([PYTHON, server_py], env=ENV)
        cls.addClassCleanup(cls.py.stop)
        cls.py_url = cls.py.wait_line(LISTENING.pattern).group(1)  # ws://127.0.0.1:PORT/

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="wskit-run-test-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.tag = f"{self.id().rsplit('.', 1)[-1]}-{time.monotonic_ns()}"

    def tearDown(self):
        for p in (self.echo, self.py):
            self.assertIsNone(p.proc.poll(), f"a server died: stderr={p.seen['stderr'][-20:]!r}")

    # --- helpers ---------------------------------------------------------

    def url(self, kind, *args):
        """A SCRIPT_SERVER URL for `kind`, ending with this test's tag."""
        return self.py_url + "/".join([kind, *map(str, args), self.tag])

    def script(self, name, text):
        """Writes a script (dedented) into the test's folder; returns its path."""
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text).lstrip("\n"))
        return path

    def run_wskit(self, *args, env=None, timeout=30):
        e = dict(ENV)
        e.update(env or {})
        started = time.monotonic()
        r = self.wskit("run", *args, env=e, timeout=timeout)
        r.elapsed = time.monotonic() - started
        r.out = r.stdout.decode(errors="replace")
        r.err = r.stderr.decode(errors="replace")
        return r

    def server_events(self, path_part, closes=1, timeout=10):
        """SCRIPT_SERVER's events for connections whose path holds
        `path_part`, once `closes` of them have ended."""
        deadline = time.monotonic() + timeout
        while True:
            events = [json.loads(line) for line in list(self.py.seen["stdout"])]
            mine = [e for e in events
                    if path_part in (e.get("path") or e.get("open") or e.get("closed") or "")]
            if sum("closed" in e for e in mine) >= closes:
                return mine
            if time.monotonic() > deadline:
                raise AssertionError(f"{closes} connection(s) to {path_part} did not end: {mine!r}")
            time.sleep(0.02)

    def texts(self, path_part, closes=1):
        return [e["text"] for e in self.server_events(path_part, closes) if "text" in e]

    def assertPass(self, r, name):
        self.assertExit(r, 0)
        m = re.fullmatch(PASS_LINE.format(name=re.escape(name)) + "\n", r.out)
        self.assertIsNotNone(m, f"not one PASS line for {name}: {r.out!r} stderr={r.err!r}")
        return int(m.group(1))

    def assertFail(self, r, first_line, details=None, code=1):
        """One failed script: exit `code`, stdout "FAIL <first_line>" and
        then, when given, exactly these indented detail lines."""
        self.assertExit(r, code)
        lines = r.out.splitlines()
        self.assertEqual(lines[0], "FAIL " + first_line, r.out)
        if details is not None:
            self.assertEqual(lines[1:], ["  " + d for d in details], r.out)
        for line in lines[1:]:
            self.assertTrue(line.startswith("  "), f"details are indented: {r.out!r}")


class Statements(RunCase):
    """Each statement, passing, against both servers."""

    def test_every_statement_against_wskit_echo(self):
        s = self.script("echo.ws", """
            # every statement against wskit echo
            connect {url}
            send hello
            expect hello
            send "two words"
            expect two words within 2s
            send {{"id":1,"ok":true,"extra":[1,2]}}
            expect {{"ok":true}}
            send-binary 00ff10
            expect binary 00ff10
            ping
            expect pong
            ping are you there
            expect pong are you there within 2s
            send token=abc123
            expect /token=([a-z0-9]+)/ within 2s as TOKEN
            send again $TOKEN
            expect again abc123
            sleep 50ms
            repeat 2 {{
              send r
            }}
            expect 2 messages within 2s
            close 4001 done here
            expect close 4001 within 2s
            """.format(url=self.echo_url))
        r = self.run_wskit(s)
        self.assertPass(r, s)
        self.assertEqual(r.err, "")

    def test_rpc_with_ids_against_python_server(self):
        s = self.script("rpc.ws", """
            connect {url}
            send {{"jsonrpc":"2.0","id":1,"method":"add","params":[1,2]}}
            expect {{"id":1,"result":3}}
            send {{"jsonrpc":"2.0","id":2,"method":"divide","params":[1,0]}}
            expect {{"id":2,"error":{{"code":-32601}}}}
            repeat 3 {{
              send {{"jsonrpc":"2.0","id":7,"method":"add","params":[2,2]}}
              expect {{"id":7,"result":4,"meta":{{"server":"py"}}}} within 2s
            }}
            ping rpc?
            expect pong rpc?
            sleep 20ms
            close 4000 rpc done
            expect close 4000
            """.format(url=self.url("rpc")))
        r = self.run_wskit(s)
        self.assertPass(r, s)
        events = self.server_events(self.tag)
        self.assertEqual([json.loads(e["text"])["id"] for e in events if "text" in e], [1, 2, 7, 7, 7])
        self.assertEqual((events[-1]["code"], events[-1]["reason"]), (4000, "rpc done"), events)

    def test_server_messages_binary_count_close_and_pings(self):
        scripts = [
            self.script("binary.ws", f"""
                connect {self.url("binary", "00ff10")}
                expect binary 00FF10
                send-binary deadbeef
                """),
            self.script("count.ws", f"""
                connect {self.url("count", 5)}
                expect 5 messages
                expect done
                """),
            self.script("close.ws", f"""
                connect {self.url("close", 4001)}
                expect bye-soon
                expect close 4001
                """),
            self.script("close_any.ws", f"""
                connect {self.url("close", 4002)}
                expect bye-soon
                expect close within 2s
                """),
            self.script("pings.ws", f"""
                connect {self.url("pings")}
                expect "the client answered my ping"
                send pong-me unasked
                expect pong unasked
                """),
        ]
        r = self.run_wskit(*scripts)
        self.assertExit(r, 0)
        lines = r.out.splitlines()
        self.assertEqual(len(lines), 6, r.out)
        for line, name in zip(lines, scripts):
            self.assertRegex(line, PASS_LINE.format(name=re.escape(name)))
        self.assertRegex(lines[-1], r"^5 of 5 scripts passed \(\d+\.\d\d s\)$")
        binary = [e for e in self.server_events("binary/00ff10/" + self.tag) if "binary" in e]
        self.assertEqual([e["binary"] for e in binary], ["deadbeef"])

    def test_the_end_and_close_reach_the_server(self):
        plain = self.script("plain.ws", f"connect {self.url('echo', 'plain')}\nsend x\nexpect x\n")
        coded = self.script("coded.ws", f"connect {self.url('echo', 'coded')}\nclose 4321 see you\n")
        r = self.run_wskit(plain, coded)
        self.assertExit(r, 0)
        self.assertEqual(self.server_events("plain/" + self.tag)[-1]["code"], 1000)
        last = self.server_events("coded/" + self.tag)[-1]
        self.assertEqual((last["code"], last["reason"]), (4321, "see you"))


class JsonSubset(RunCase):
    """expect {json}: the next message holds at least these members."""

    def test_subsets_that_match(self):
        s = self.script("match.ws", """
            # extra members are fine, at every depth
            send {"a":1,"b":{"c":2,"d":3},"e":"x"}
            expect {"b":{"c":2}}
            # arrays: element by element, each element a subset
            send {"list":[1,{"x":1,"y":2},[3,4]]}
            expect {"list":[1,{"x":1},[3,4]]}
            # a top-level array
            send [{"id":1,"name":"a"},{"id":2,"name":"b"}]
            expect [{"id":1},{"id":2}]
            # spacing and escapes do not matter, values do
            send {"s": "caf\\u00e9", "n": null, "t": true, "f": 1.5}
            expect {"s":"café","n":null,"t":true,"f":1.5}
            # the empty object matches any object
            send {"anything":[1,2,3]}
            expect {}
            """)
        r = self.run_wskit(s, self.echo_url)
        self.assertPass(r, s)

    def test_subsets_that_do_not_match(self):
        cases = {
            "missing": ('{"a":1}', '{"a":1,"b":2}'),
            "different": ('{"a":1}', '{"a":2}'),
            "type": ('{"a":1}', '{"a":"1"}'),
            "nested": ('{"o":{"x":1}}', '{"o":{"y":1}}'),
            "shorter": ('{"l":[1,2,3]}', '{"l":[1,2]}'),
            "order": ('{"l":[1,2]}', '{"l":[2,1]}'),
            "element": ('[{"id":1}]', '[{"id":2}]'),
            "not_json": ("hello", '{"a":1}'),
            "array_vs_object": ('[1]', '{"0":1}'),
        }
        paths = []
        for name, (sent, expected) in cases.items():
            paths.append(self.script(f"{name}.ws", f"send {sent}\nexpect {expected}\n"))
        r = self.run_wskit("--json", *paths, self.echo_url)
        self.assertExit(r, 1)
        results = [json.loads(line) for line in r.out.splitlines()]
        self.assertEqual(len(results), len(cases), r.out)
        for result, path, (name, (sent, expected)) in zip(results, paths, cases.items()):
            with self.subTest(name):
                self.assertFalse(result["passed"], result)
                self.assertEqual(result["script"], path)
                self.assertEqual(result["failure"], f"{path}:2: expect {expected}: the next message is another")
                self.assertEqual(result["details"][:2], [f"expected: {expected}", f"received: {sent}"])


class Variables(RunCase):
    def test_capture_reused_in_send_with_the_session_server(self):
        s = self.script("session.ws", f"""
            connect {self.url("session")}
            expect /"session": "([0-9a-f]+)"/ as SID
            send {{"ack":"$SID"}}
            expect {{"ok":true,"session":"$SID"}}
            send {{"ack":"wrong"}}
            expect {{"ok":false}}
            """)
        r = self.run_wskit(s)
        self.assertPass(r, s)
        texts = self.texts(self.tag)
        welcome_token = json.loads(texts[0])["ack"]
        self.assertRegex(welcome_token, r"^[0-9a-f]{12}$")
        self.assertEqual(texts[1], '{"ack":"wrong"}')

    def test_environment_braces_whole_message_and_dollars(self):
        s = self.script("vars.ws", f"""
            connect {self.url("echo")}
            send token=$TOKEN
            expect token=s3cret
            send ${{TOKEN}}_suffix and $TOKEN.
            expect s3cret_suffix and s3cret.
            send price: $$5, $$$$, and "$$TOKEN"
            expect "price: \\$5, \\$\\$, and \\"\\$TOKEN\\""
            send m1
            expect /^m\\d$/ as WHOLE
            send whole=$WHOLE
            expect whole=m1
            # a capture wins over the environment's variable of that name
            send ID=42
            expect /ID=(\\d+)/ as ID
            send id $ID
            expect id 42
            send "a lone $ stays, and a trailing one $"
            expect "a lone $ stays, and a trailing one $"
            """)
        r = self.run_wskit(s, env={"TOKEN": "s3cret", "ID": "from-env"})
        self.assertPass(r, s)
        self.assertEqual(self.texts(self.tag), [
            "token=s3cret", "s3cret_suffix and s3cret.", 'price: $5, $$, and "$TOKEN"', "m1", "whole=m1",
            "ID=42", "id 42", "a lone $ stays, and a trailing one $"])

    def test_unknown_variable_fails_the_step(self):
        send = self.script("send.ws", f"connect {self.url('echo', 'send')}\nsend hello $NOT_SET_ANYWHERE\n")
        expect = self.script("expect.ws", f"connect {self.url('echo', 'expect')}\nsend x\nexpect ${{NOPE_9}}\n")
        r = self.run_wskit("--json", send, expect)
        self.assertExit(r, 1)
        first, second = [json.loads(line) for line in r.out.splitlines()]
        self.assertEqual(first["failure"], f"{send}:2: send hello $NOT_SET_ANYWHERE: $NOT_SET_ANYWHERE is not set "
                                           "(neither captured with 'as NOT_SET_ANYWHERE' nor in the environment)")
        self.assertEqual(second["failure"], f"{expect}:3: expect ${{NOPE_9}}: $NOPE_9 is not set "
                                            "(neither captured with 'as NOPE_9' nor in the environment)")
        # Nothing half-expanded was sent.
        self.assertEqual(self.texts("send/" + self.tag), [])


class Blocks(RunCase):
    def test_nested_repeat_and_repeat_zero(self):
        s = self.script("repeat.ws", f"""
            connect {self.url("echo")}
            repeat 2 {{
              send outer
              expect outer
              repeat 3 {{
                send inner
                expect inner
              }}
            }}
            repeat 0 {{
              send never
            }}
            send end
            expect end
            """)
        r = self.run_wskit(s)
        self.assertPass(r, s)
        self.assertEqual(self.texts(self.tag), ["outer", "inner", "inner", "inner"] * 2 + ["end"])

    def test_comments_and_quoted_strings(self):
        s = self.script("comments.ws", f"""
            # a comment line
            connect {self.url("echo")} # after a space, a comment
               # an indented comment
            send plain # a trailing comment
            send no#comment
            send "quoted # kept"
            send {{"k":"v # kept","n":1}} # this one is not
            send "esc: \\"q\\" \\\\ \\$HOME\\ttab"
            send "two\\nlines"
            repeat 1 {{ # a comment after the brace
              send in the block
            }} # and after the closing one
            expect plain # comment
            expect no#comment
            expect "quoted # kept" within 2s # comment
            expect {{"k":"v # kept"}} # comment
            expect /^esc: "q" \\\\ \\$HOME\\ttab$/ # comment
            expect "two\\nlines"
            expect in the block within 1s
            """)
        r = self.run_wskit(s)
        self.assertPass(r, s)
        self.assertEqual(self.texts(self.tag), [
            "plain", "no#comment", "quoted # kept", '{"k":"v # kept","n":1}', 'esc: "q" \\ $HOME\ttab',
            "two\nlines", "in the block"])

    def test_send_text_that_ends_like_a_within_clause(self):
        # send has no `within` clause: a message that ends like one is sent
        # as it is.
        s = self.script("within.ws", "send back within 2s\nexpect \"back within 2s\"\n")
        r = self.run_wskit(s, self.echo_url)
        self.assertPass(r, s)


class Failures(RunCase):
    """Every failure message, with its details."""

    def test_mismatch_fails_at_once_with_the_last_messages(self):
        s = self.script("mismatch.ws", "send one\nsend two\nexpect one\nexpect three within 10s\n")
        r = self.run_wskit(s, self.echo_url)
        self.assertFail(r, f"{s}:4: expect three within 10s: the next message is another",
                        ["expected: three", "received: two", "the last 2 messages received:", "  one", "  two"])
        self.assertLess(r.elapsed, 5, "a message that does not match fails the step at once")

    def test_timeout_with_within_and_with_the_timeout_option(self):
        within = self.script("within.ws", f"connect {self.url('silent')}\nsend ping\nexpect pong-text within 300ms\n")
        r = self.run_wskit(within)
        self.assertFail(r, f"{within}:3: expect pong-text within 300ms: nothing that matches within 300 ms", [])
        self.assertGreaterEqual(r.elapsed, 0.3)
        default = self.script("default.ws", f"connect {self.url('silent')}\nexpect /anything/\n")
        r = self.run_wskit("--timeout", "0.4", default)
        self.assertFail(r, f"{default}:2: expect /anything/: nothing that matches within 400 ms", [])
        self.assertGreaterEqual(r.elapsed, 0.4)
        self.assertLess(r.elapsed, 4.5, "--timeout replaces the default 5 s")

    def test_count_not_reached(self):
        s = self.script("count.ws", f"connect {self.url('count', 2)}\nexpect 5 messages within 300ms\n")
        r = self.run_wskit(s)
        self.assertFail(r, f"{s}:2: expect 5 messages within 300ms: 3 of 5 messages within 300 ms",
                        ["the last 3 messages received:", "  m1", "  m2", "  done"])

    def test_pong_payload(self):
        echo = self.script("echo_pong.ws", "ping abc\nexpect pong xyz\n")
        r = self.run_wskit(echo, self.echo_url)
        self.assertFail(r, f"{echo}:2: expect pong xyz: a pong with another payload",
                        ["expected: xyz", "received: abc"])
        unasked = self.script("unasked.ws", f"""
            connect {self.url("pings")}
            expect "the client answered my ping"
            send pong-me zz
            expect pong yy
            """)
        r = self.run_wskit(unasked)
        self.assertFail(r, f"{unasked}:4: expect pong yy: a pong with another payload",
                        ["expected: yy", "received: zz", "the last message received:", "  the client answered my ping"])

    def test_close_code(self):
        s = self.script("close.ws", f"connect {self.url('close', 4001)}\nexpect bye-soon\nexpect close 4002\n")
        r = self.run_wskit(s)
        self.assertFail(r, f"{s}:3: expect close 4002: the server closed with 4001",
                        ["the last message received:", "  bye-soon"])

    def test_server_closed_first(self):
        # The server closes 300 ms after "bye-soon": the expect is waiting.
        waiting = self.script("waiting.ws", f"connect {self.url('close', 4001, 300)}\nexpect bye-soon\n"
                                            "expect more within 5s\n")
        r = self.run_wskit(waiting)
        self.assertFail(r, f"{waiting}:3: expect more within 5s: the server closed the connection (code 4001) first",
                        ["the last message received:", "  bye-soon"])
        self.assertLess(r.elapsed, 4, "the close ends the wait")
        # Closed before the step runs.
        closed = self.script("closed.ws", f"connect {self.url('close', 4003, 0)}\nexpect bye-soon\nsleep 300ms\n"
                                          "send too late\n")
        r = self.run_wskit(closed)
        self.assertFail(r, f"{closed}:4: send too late: the connection is closed (code 4003)",
                        ["the last message received:", "  bye-soon"])

    def test_binary_mismatches(self):
        other = self.script("other.ws", f"connect {self.url('binary', '00ff10')}\nexpect binary 00ff11\n")
        text = self.script("text.ws", f"connect {self.url('binary', '00ff10')}\nexpect hello\n")
        regex = self.script("regex.ws", f"connect {self.url('binary', '00ff10')}\nexpect /.*/\n")
        r = self.run_wskit(other, text, regex)
        self.assertExit(r, 1)
        self.assertEqual(r.out.splitlines(), [
            f"FAIL {other}:2: expect binary 00ff11: the next message is another",
            "  expected: binary, 3 bytes: 00ff11", "  received: binary, 3 bytes: 00ff10",
            "  the last message received:", "    binary, 3 bytes: 00ff10",
            f"FAIL {text}:2: expect hello: the next message is another",
            "  expected: hello", "  received: binary, 3 bytes: 00ff10",
            "  the last message received:", "    binary, 3 bytes: 00ff10",
            f"FAIL {regex}:2: expect /.*/: the next message is another",
            "  expected: /.*/", "  received: binary, 3 bytes: 00ff10",
            "  the last message received:", "    binary, 3 bytes: 00ff10",
            r.out.splitlines()[-1]])
        self.assertRegex(r.out.splitlines()[-1], r"^0 of 3 scripts passed \(\d+\.\d\d s\)$")

    def test_regex_mismatch(self):
        s = self.script("regex.ws", "send id=abc\nexpect /id=(\\d+)/ as ID\n")
        r = self.run_wskit(s, self.echo_url)
        self.assertFail(r, f"{s}:2: expect /id=(\\d+)/ as ID: the next message is another",
                        ["expected: /id=(\\d+)/", "received: id=abc", "the last message received:", "  id=abc"])

    def test_send_after_close_is_not_connected(self):
        # After `close`, a send fails the step: it would be dropped.
        s = self.script("after.ws", f"connect {self.url('echo')}\nclose\nsend after\n")
        r = self.run_wskit(s)
        self.assertExit(r, 1)
        self.assertRegex(r.out, rf"^FAIL {re.escape(s)}:3: send after: the script closed the connection")
        self.assertEqual(self.texts(self.tag), [])

    def test_connect_again_while_connected(self):
        # A second connect closes the first connection (with 1000) and the
        # script goes on on the new one.
        s = self.script("again.ws", f"""
            connect {self.url("count", 3, "first")}
            connect {self.url("echo", "second")}
            send a
            expect a
            """)
        r = self.run_wskit(s)
        self.assertPass(r, s)
        self.assertEqual(self.server_events("first/" + self.tag)[-1]["code"], 1000)


class Syntax(RunCase):
    """Syntax errors: "NAME:LINE:COLUMN: what", exit 2, nothing run."""

    CASES = [
        # (script, line, column, message regex)
        ("send ok\nfrobnicate now\n", 2, 1, r"unknown statement 'frobnicate'"),
        ("send ok\n\nsend \"unclosed\n", 3, 6, r"unclosed \" quote"),
        ("sleep 2x\n", 1, 7, r"sleep takes a duration"),
        ("expect /x/ within soon\n", 1, 19, r"within takes a duration"),
        ("expect 3 messages within 5 seconds\n", 1, 26, r"within takes a duration"),
        ("send-binary 0g\n", 1, 13, r"send-binary takes hex digits"),
        ("expect binary abc\n", 1, 15, r"binary takes hex digits"),
        ("send a\n}\n", 2, 1, r"\} without a repeat"),
        ("send a\n  repeat 2 {\n  send b\n", 2, 1, r"this repeat's block is never closed by \}"),
        ("repeat two {\n}\n", 1, 8, r"repeat's count is a number"),
        ("close abc\n", 1, 7, r"a close code is a number from 1000 to 4999"),
        ("expect close 999\n", 1, 14, r"a close code is a number from 1000 to 4999"),
        ("send \"\\q\"\n", 1, 7, r"unknown escape \\q"),
        ("expect {\"a\":1\n", 1, 8, r"unbalanced JSON"),
        ("expect\n", 1, 7, r"expect what\?"),
        ("expect /never closed\n", 1, 8, r"unclosed /regex/"),
        ("expect /a/ as 9lives\n", 1, 15, r"as takes a variable name"),
        ("connect ws://127.0.0.1:1/ -Q x\n", 1, 27, r"connect takes -H"),
    ]

    def test_syntax_errors_name_line_and_column(self):
        for i, (text, line, column, why) in enumerate(self.CASES):
            with self.subTest(text=text):
                s = self.script(f"bad{i}.ws", text)
                r = self.run_wskit(s, self.echo_url)
                self.assertExit(r, 2)
                self.assertEqual(r.out, "")
                self.assertRegex(r.err, rf"^wskit: {re.escape(s)}:{line}:{column}: {why}")
                self.assertEqual(len(r.err.splitlines()), 1, r.err)
                # The statements are described in the man page, not in --help.
                self.assertTrue(r.err.endswith(" (see 'man wskit-run')\n"), r.err)

    def test_regex_errors_name_line_and_column(self):
        # Regex errors name the line and the column of the /regex/, as every
        # other syntax error does.
        bad = self.script("re.ws", "send x\nexpect /a(b/\n")
        two = self.script("two.ws", "expect /(a)(b)/ as X\n")
        r = self.run_wskit(bad, self.echo_url)
        self.assertExit(r, 2)
        self.assertIn("missing ): a(b", r.err)  # RE2's own words
        self.assertRegex(r.err, rf"^wskit: {re.escape(bad)}:2:8: invalid regex")
        r = self.run_wskit(two, self.echo_url)
        self.assertExit(r, 2)
        self.assertRegex(r.err, rf"^wskit: {re.escape(two)}:1:\d+: 'as X' captures one group: the regex has 2")

    def test_regex_errors_are_exit_2_before_running(self):
        # What the regex errors do say (line, RE2's reason), so that this
        # passes while the column above is missing.
        bad = self.script("re.ws", "send x\nexpect /a(b/\n")
        two = self.script("two.ws", "expect /(a)(b)/ as X\n")
        for path, why in ((bad, r":2:(\d+:)? invalid regex: missing \): a\(b"),
                          (two, r":1:(\d+:)? 'as X' captures one group: the regex has 2")):
            r = self.run_wskit(path, self.url("echo"))
            self.assertExit(r, 2)
            self.assertEqual(r.out, "")
            self.assertRegex(r.err, rf"^wskit: {re.escape(path)}{why}")
        self.assertEqual(self.server_events(self.tag, closes=0), [])

    def test_an_error_in_the_second_script_runs_nothing(self):
        good = self.script("good.ws", f"connect {self.url('echo')}\nsend hi\nexpect hi\n")
        for name, text, where in (("parse", "send a\nsend b\nexpect \"oops\n", ":3:8: unclosed"),
                                  ("regex", "send a\nexpect /(/\n", ":2")):
            with self.subTest(name):
                bad = self.script(f"{name}.ws", text)
                r = self.run_wskit(good, bad)
                self.assertExit(r, 2)
                self.assertEqual(r.out, "", "no script ran")
                self.assertTrue(r.err.startswith(f"wskit: {bad}{where}"), r.err)
        time.sleep(0.2)  # a connection, had one been made, would show by now
        self.assertEqual(self.server_events(self.tag, closes=0), [], "the server saw no connection")

    def test_no_url_and_no_connect(self):
        s = self.script("bare.ws", "send x\n")
        r = self.run_wskit(s)
        self.assertExit(r, 2)
        self.assertEqual(r.out, "")
        self.assertIn(f"{s}: the script starts without connect", r.err)
        self.assertIn("(see 'man wskit-run')", r.err)
        r = self.run_wskit(os.path.join(self.dir, "none.ws"), self.echo_url)
        self.assertExit(r, 2)
        self.assertIn("cannot read the script", r.err)
        self.assertIn("(see 'wskit run --help')", r.err)  # a file that is not there is no syntax error


class Connections(RunCase):
    def test_url_given_last_replaces_every_connect(self):
        dead = free_port()
        s = self.script("elsewhere.ws", f"""
            connect ws://127.0.0.1:{dead}/nowhere
            send a
            expect a
            """)
        bare = self.script("bare.ws", "send b\nexpect b\n")
        r = self.run_wskit(s, bare, self.url("echo"))
        self.assertExit(r, 0)
        self.assertEqual(self.texts(self.tag, closes=2), ["a", "b"])
        # Without it, the script's own URL.
        r = self.run_wskit(s)
        self.assertFail(r, f"{s}:1: connect ws://127.0.0.1:{dead}/nowhere: cannot connect to 127.0.0.1:{dead}: "
                           "connection refused (is the server running, on that port?)", [], code=3)

    def test_connection_failures_have_their_codes(self):
        s = self.script("s.ws", "send a\nexpect a\n")
        dead = free_port()
        r = self.run_wskit(s, f"ws://127.0.0.1:{dead}/")
        # The connect it starts with has no line of its own.
        self.assertFail(r, f"{s}: connect ws://127.0.0.1:{dead}/: cannot connect to 127.0.0.1:{dead}: connection "
                           "refused (is the server running, on that port?)", [], code=3)
        _, rejecting = self.start_python_peer("py_server.py", "--reject", "403")
        r = self.run_wskit(s, rejecting)
        self.assertExit(r, 5)
        self.assertRegex(r.out, rf"^FAIL {re.escape(s)}: connect {re.escape(rejecting)}: handshake rejected: .*403")
        plain = self.echo_url.replace("ws://", "wss://")
        r = self.run_wskit(s, plain)
        self.assertExit(r, 4)
        self.assertRegex(r.out, rf"^FAIL {re.escape(s)}: connect {re.escape(plain)}: TLS handshake")
        # Several scripts: the first failure's status.
        ok = self.script("ok.ws", "send a\nexpect a\n")
        bad = self.script("bad.ws", "send a\nexpect b\n")
        r = self.run_wskit(ok, bad, self.echo_url)
        self.assertExit(r, 1)
        refused = self.script("refused.ws", f"connect ws://127.0.0.1:{dead}/\n")
        ok_own = self.script("ok_own.ws", f"connect {self.echo_url}\nsend a\nexpect a\n")
        bad_own = self.script("bad_own.ws", f"connect {self.echo_url}\nsend a\nexpect b\n")
        r = self.run_wskit(ok_own, refused, bad_own)
        self.assertExit(r, 3)

    def test_headers_and_subprotocols_on_every_connect(self):
        own = self.script("own.ws", f"""
            connect {self.url("headers")} -H "X-Script: $TOKEN" -s superchat
            expect {{"x-cli":"1","x-script":"s3cret","protocols":"chat, superchat","subprotocol":"chat"}}
            """)
        implicit = self.script("implicit.ws", """
            expect {"x-cli":"1","x-script":null,"protocols":"chat","subprotocol":"chat"}
            """)
        r = self.run_wskit("-H", "X-Cli: 1", "-s", "chat", own, env={"TOKEN": "s3cret"})
        self.assertPass(r, own)
        r = self.run_wskit("-H", "X-Cli: 1", "-s", "chat", implicit, self.url("headers"))
        self.assertPass(r, implicit)


class Jobs(RunCase):
    def test_three_at_once(self):
        # Each connection is held at the gate until three are open at once:
        # only scripts that run concurrently pass.
        scripts = [self.script(f"gate{i}.ws", f"""
            connect {self.py_url}gate/{self.tag}/3
            expect "go 3 open" within 5s
            """) for i in range(3)]
        r = self.run_wskit("-j", "3", *scripts)
        self.assertExit(r, 0)
        lines = r.out.splitlines()
        for name in scripts:
            self.assertEqual(sum(bool(re.fullmatch(PASS_LINE.format(name=re.escape(name)), l)) for l in lines), 1,
                             r.out)
        self.assertRegex(lines[3], r"^3 of 3 scripts passed")
        self.assertLess(r.elapsed, 4)

    def test_one_at_a_time_never_opens_the_gate(self):
        scripts = [self.script(f"gate{i}.ws", f"""
            connect {self.py_url}gate/{self.tag}/3
            expect "go 3 open" within 300ms
            """) for i in range(3)]
        r = self.run_wskit("-j", "1", "--json", *scripts)
        self.assertExit(r, 1)
        results = [json.loads(line) for line in r.out.splitlines()]
        self.assertEqual([x["script"] for x in results], scripts, "in order")
        self.assertTrue(all("nothing that matches within 300 ms" in x["failure"] for x in results), results)


class Reports(RunCase):
    def test_junit_report(self):
        ok = self.script("ok.ws", f"connect {self.echo_url}\nsend a\nexpect a\n")
        fail = self.script("fail.ws", f'connect {self.echo_url}\nsend <tag a="1"> & more\nexpect {{"a":"<&>"}}\n')
        refused = self.script("refused.ws", f"connect ws://127.0.0.1:{free_port()}/\n")
        report = os.path.join(self.dir, "report.xml")
        r = self.run_wskit("--junit", report, ok, fail, refused)
        self.assertExit(r, 1)
        fail_lines = [line[len("FAIL "):] for line in r.out.splitlines() if line.startswith("FAIL ")]
        self.assertEqual(len(fail_lines), 2, r.out)
        # Structure (no JUnit XSD is available offline here: a structural
        # check against what JUnit's consumers read, then junitparser's reading).
        root = ET.parse(report).getroot()
        self.assertEqual(root.tag, "testsuites")
        self.assertEqual((root.get("tests"), root.get("failures")), ("3", "2"))
        suites = list(root)
        self.assertEqual([s.tag for s in suites], ["testsuite"])
        suite = suites[0]
        self.assertEqual({k: suite.get(k) for k in ("tests", "failures", "errors", "skipped")},
                         {"tests": "3", "failures": "2", "errors": "0", "skipped": "0"})
        self.assertTrue(suite.get("name"))
        float(root.get("time"))
        cases = list(suite)
        self.assertEqual([c.tag for c in cases], ["testcase"] * 3)
        self.assertEqual([c.get("name") for c in cases], [ok, fail, refused])
        for c in cases:
            self.assertTrue(c.get("classname"))
            self.assertGreaterEqual(float(c.get("time")), 0)
        self.assertEqual(list(cases[0]), [], "a passed test case is empty")
        failures = [list(c) for c in cases[1:]]
        self.assertEqual([[f.tag for f in fs] for fs in failures], [["failure"], ["failure"]])
        step, connection = failures[0][0], failures[1][0]
        # message = the failure line, markup and quotes escaped and read back.
        self.assertEqual(step.get("message"), fail_lines[0])
        self.assertIn('expect {"a":"<&>"}', step.get("message"))
        self.assertEqual(step.get("type"), "step")
        self.assertEqual(step.text.splitlines(),
                         ['expected: {"a":"<&>"}', 'received: <tag a="1"> & more', "the last message received:",
                          '  <tag a="1"> & more'])
        self.assertEqual(connection.get("message"), fail_lines[1])
        self.assertIn("connection refused", connection.get("message"))
        self.assertEqual(connection.get("type"), "connection")
        self.assertEqual(len(root.findall(".//testcase")), int(suite.get("tests")))
        self.assertEqual(len(root.findall(".//failure")), int(suite.get("failures")))
        self.assertFalse(os.path.exists(report + ".tmp"))
        self.assertReadByJunitparser(report, [ok, fail, refused], fail_lines)

    def assertReadByJunitparser(self, report, names, failure_messages):
        """The report as a JUnit consumer nobody here wrote reads it
        (python3-junitparser, Debian's): totals, names and failures."""
        xml = JUnitXml.fromfile(report)
        (suite,) = list(xml)
        self.assertEqual((suite.tests, suite.failures, suite.errors, suite.skipped), (len(names), 2, 0, 0))
        cases = list(suite)
        self.assertEqual([c.name for c in cases], names)
        self.assertTrue(cases[0].is_passed)
        got = [[r.message for r in c.result if isinstance(r, Failure)] for c in cases[1:]]
        self.assertEqual(got, [[m] for m in failure_messages])

    def test_junit_that_cannot_be_written(self):
        ok = self.script("ok.ws", "send a\nexpect a\n")
        r = self.run_wskit("--junit", os.path.join(self.dir, "no", "such", "dir", "r.xml"), ok, self.echo_url)
        self.assertExit(r, 1)
        self.assertRegex(r.out, PASS_LINE.format(name=re.escape(ok)))
        self.assertIn("--junit: cannot write", r.err)

    def test_json_lines(self):
        ok = self.script("ok.ws", "send a\nexpect a\n")
        bad = self.script("bad.ws", "send a\nexpect b\n")
        r = self.run_wskit("--json", ok, bad, self.echo_url)
        self.assertExit(r, 1)
        lines = r.out.splitlines()
        self.assertEqual(len(lines), 2, "a line per script, no summary")
        first, second = map(json.loads, lines)
        self.assertEqual({k: first[k] for k in ("event", "script", "passed", "exit", "steps")},
                         {"event": "script", "script": ok, "passed": True, "exit": 0, "steps": 3})
        self.assertIsInstance(first["seconds"], float)
        self.assertNotIn("failure", first)
        self.assertEqual({k: second[k] for k in ("event", "script", "passed", "exit", "failure", "details")},
                         {"event": "script", "script": bad, "passed": False, "exit": 1,
                          "failure": f"{bad}:2: expect b: the next message is another",
                          "details": ["expected: b", "received: a", "the last message received:", "  a"]})

    def test_one_script_has_no_summary_line(self):
        ok = self.script("ok.ws", "send a\nexpect a\n")
        r = self.run_wskit(ok, self.echo_url)
        self.assertEqual(self.assertPass(r, ok), 3, "the connect it starts with, send, expect")

    def test_verbose_prints_each_step_on_stderr(self):
        s = self.script("v.ws", f"""
            connect {self.echo_url}
            repeat 2 {{
              send x
            }}
            expect 2 messages
            """)
        r = self.run_wskit("-v", s)
        self.assertPass(r, s)
        steps = [l for l in r.err.splitlines() if l.startswith(s + ":")]
        self.assertEqual(steps, [f"{s}:1: connect {self.echo_url}", f"{s}:2: repeat 2 {{", f"{s}:3: send x",
                                 f"{s}:4: }}", f"{s}:3: send x", f"{s}:4: }}", f"{s}:5: expect 2 messages"])
        r = self.run_wskit(s)
        self.assertEqual(r.err, "", "quiet without -v")

    def test_verbose_implicit_connect_has_no_line_zero(self):
        # -v shows the connect a script without one starts with without a
        # line number, as its failures do.
        s = self.script("v.ws", "send x\nexpect x\n")
        r = self.run_wskit("-v", s, self.echo_url)
        self.assertPass(r, s)
        self.assertNotIn(f"{s}:0:", r.err)
        self.assertIn(f"connect {self.echo_url}", r.err)


class Interrupt(RunCase):
    def test_sigint_mid_script_exits_130(self):
        ok = self.script("ok.ws", f"connect {self.echo_url}\nsend a\nexpect a\n")
        hang = self.script("hang.ws", f"connect {self.url('silent')}\nexpect never within 30s\n")
        p = self.start([WSKIT, "run", "-v", ok, hang], env=ENV)
        p.wait_line(re.escape(f"{hang}:2: expect never within 30s"))
        started = time.monotonic()
        p.signal(signal.SIGINT)
        self.assertEqual(p.wait(timeout=10), 130)
        self.assertLess(time.monotonic() - started, 3)
        self.assertTrue(any(re.fullmatch(PASS_LINE.format(name=re.escape(ok)), l) for l in p.seen["stdout"]),
                        p.seen["stdout"])
        # The server's connection ends (the client is gone).
        self.server_events("silent/" + self.tag)

    def test_sigint_junit_names_every_script(self):
        # On SIGINT the JUnit report still names every script: the one under
        # way failed, those not yet run are skipped.
        ok = self.script("ok.ws", f"connect {self.echo_url}\nsend a\nexpect a\n")
        hang = self.script("hang.ws", f"connect {self.url('silent')}\nexpect never within 30s\n")
        report = os.path.join(self.dir, "r.xml")
        p = self.start([WSKIT, "run", "-v", "--junit", report, ok, hang, ok], env=ENV)
        p.wait_line(re.escape(f"{hang}:2: expect never within 30s"))
        p.signal(signal.SIGINT)
        self.assertEqual(p.wait(timeout=10), 130)
        cases = ET.parse(report).getroot().findall(".//testcase")
        self.assertEqual([c.get("name") for c in cases], [ok, hang, ok])
        for c in cases[1:]:
            failure = c.find("failure")
            if failure is not None:
                self.assertTrue(failure.get("message"), "a failure says why (interrupted)")


class TlsRun(CertsTestCase):
    """--ca (and the other TLS options) apply to every script's connect."""

    def test_ca_applies_to_every_connect(self):
        _, url = self.start_wskit_server("echo", "--cert", self.certs.server_cert, "--key", self.certs.server_key,
                                         "0", env=ENV)
        self.assertTrue(url.startswith("wss://"), url)
        tmp = tempfile.mkdtemp(prefix="wskit-run-tls-")
        self.addCleanup(shutil.rmtree, tmp, True)
        paths = []
        for name, text in (("own.ws", f"connect {url}\nsend a\nexpect a\n"), ("bare.ws", "send b\nexpect b\n")):
            paths.append(os.path.join(tmp, name))
            with open(paths[-1], "w") as f:
                f.write(text)
        r = self.wskit("run", "--ca", self.certs.ca, paths[0], env=ENV)
        self.assertExit(r, 0)
        r = self.wskit("run", "--ca", self.certs.ca, *paths, url, env=ENV)
        self.assertExit(r, 0)
        self.assertRegex(r.stdout.decode(), r"2 of 2 scripts passed")
        r = self.wskit("run", paths[0], env=ENV)
        self.assertExit(r, 4)
        self.assertRegex(r.stdout.decode(), rf"^FAIL {re.escape(paths[0])}:1: connect {re.escape(url)}: ")


if __name__ == "__main__":
    main()
