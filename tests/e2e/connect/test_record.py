"""wskit connect --record FILE against wskit echo and Python `websockets`
servers (peers/py_server.py, peers/proxy_upstream.py: real peers nobody
here wrote). NDJSON: a record line, then the open with its handshake
(request as sent, 101 as received), the messages out and in in order, pings
and pongs, the close; every line valid against docs/schema/events.schema.json
and whole even when wskit is killed with SIGKILL mid-session. HAR: one
entry per connection, written at exit (also on SIGINT and SIGTERM), never
half-written. Secrets masked unless --record-secrets; a FILE that cannot be
written is exit 1; --record-secrets alone is a usage error (exit 2)."""
import base64
import glob
import hashlib
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from harness import LISTENING, WSKIT, Process, TestCase, free_port, main, port_of
from record_support import (assert_private, close_quietly, assert_times_in_order, file_lines, har_messages, headers_of,
                            messages, read_har, read_ndjson, wait_for)

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

# Secret values that appear nowhere else, so that finding one in a file means
# it leaked.
SECRET_QUERY = {"token": "SQtok1", "access_token": "SQacc2", "key": "SQkey3", "apikey": "SQapk4",
                "api_key": "SQapi5", "password": "SQpwd6", "secret": "SQsec7", "sig": "SQsig8",
                "signature": "SQsgn9", "jwt": "SQjwt10", "session": "SQses11", "id_token": "SQidt12"}
BEARER = "SHbearer13"
PROXY_BASIC = base64.b64encode(b"px:SHproxy14").decode()
COOKIE_SID, COOKIE_THEME = "SHcookie15", "SHtheme16"
SET_COOKIE_SID = "SHsetcookie17"
ALL_SECRETS = [*SECRET_QUERY.values(), BEARER, PROXY_BASIC, COOKIE_SID, COOKIE_THEME, SET_COOKIE_SID]


class RecordCase(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.echo = Process([WSKIT, "echo", "0"])
        cls.echo_url = cls.echo.wait_line(LISTENING.pattern).group(1)

    @classmethod
    def tearDownClass(cls):
        cls.echo.stop()

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="wskit-record-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", self.dir]))

    def path(self, name):
        return os.path.join(self.dir, name)

    def py_server(self, *args):
        return self.start_python_peer("py_server.py", *args)

    def fed(self, args):
        """A process whose stdin the test writes (closed with the test)."""
        p = self.start(args, stdin=subprocess.PIPE)
        self.addCleanup(close_quietly, p.proc.stdin)
        return p



class TestNdjson(RecordCase):
    def test_a_session_with_wskit_echo(self):
        rec = self.path("session.ndjson")
        r = self.wskit("connect", "--record", rec, self.echo_url + "chat?x=1", input="hello\nhéllo ✓\n")
        self.assertExit(r, 0)
        # Raw output is still only what was received: recording adds nothing.
        self.assertEqual(r.stdout.decode(), "hello\nhéllo ✓\n")
        assert_private(self, rec)
        events = read_ndjson(self, rec, role="client")
        self.assertEqual([e["event"] for e in events], ["record", "open", "message", "message", "message", "message",
                                                        "close"], events)
        self.assertTrue(all(e["conn"] == 0 for e in events))
        assert_times_in_order(self, events)

        opened = events[1]
        self.assertEqual(opened["url"], self.echo_url + "chat?x=1")
        self.assertEqual(opened["subprotocol"], "")
        request, response = opened["request"], opened["response"]
        self.assertEqual((request["method"], request["target"]), ("GET", "/chat?x=1"))
        sent = headers_of(request["headers"])
        self.assertEqual(sent["host"], f"127.0.0.1:{port_of(self.echo_url)}")
        self.assertEqual(sent["upgrade"].lower(), "websocket")
        self.assertEqual(sent["sec-websocket-version"], "13")
        self.assertRegex(sent["user-agent"], r"^wskit/")
        self.assertEqual((response["status"], response["reason"]), (101, "Switching Protocols"))
        answered = headers_of(response["headers"])
        # The 101 as received: its accept matches the key the request sent.
        expected_accept = base64.b64encode(hashlib.sha1((sent["sec-websocket-key"] + GUID).encode()).digest()).decode()
        self.assertEqual(answered["sec-websocket-accept"], expected_accept)
        self.assertRegex(answered["server"], r"^wskit/")

        got = messages(events)
        self.assertEqual([m for m in got if m[0] == "out"], [("out", "text", "hello"), ("out", "text", "héllo ✓")])
        self.assertEqual([m for m in got if m[0] == "in"], [("in", "text", "hello"), ("in", "text", "héllo ✓")])
        # Each message is recorded as sent before its echo comes back.
        order = [(e["dir"], e["text"]) for e in events if e["event"] == "message"]
        for text in ("hello", "héllo ✓"):
            self.assertLess(order.index(("out", text)), order.index(("in", text)), order)
        self.assertEqual([e["size"] for e in events if e["event"] == "message" and e["dir"] == "out"],
                         [5, len("héllo ✓".encode())])
        close = events[-1]
        self.assertEqual((close["dir"], close["code"], close["reason"], close["clean"]), ("out", 1000, "", True))

    def test_the_recording_holds_the_events_of_json_output(self):
        rec = self.path("same.ndjson")
        r = self.wskit("connect", "--json", "--record", rec, self.echo_url, input="one\ntwo\n")
        self.assertExit(r, 0)
        printed = [json.loads(line) for line in r.stdout.decode().splitlines()]
        recorded = read_ndjson(self, rec, role="client")[1:]
        for e in recorded:
            e.pop("request", None)
            e.pop("response", None)
        self.assertEqual(recorded, printed)

    def test_a_python_websockets_server_sends_text_binary_then_closes(self):
        _, url = self.py_server("--send", "welcome", "--send-binary-size", "300", "--close", "4000")
        rec = self.path("py.ndjson")
        r = self.wskit("connect", "--keep-open", "--record", rec, url + "py")
        self.assertExit(r, 6)
        events = read_ndjson(self, rec, role="client")
        self.assertEqual([e["event"] for e in events], ["record", "open", "message", "message", "close"], events)
        answered = headers_of(events[1]["response"]["headers"])
        self.assertRegex(answered.get("server", ""), r"websockets/")
        self.assertEqual(events[1]["request"]["target"], "/py")
        self.assertEqual(messages(events), [("in", "text", "welcome"),
                                            ("in", "binary", bytes(i % 251 for i in range(300)))])
        binary = events[3]
        self.assertNotIn("text", binary)
        self.assertEqual(binary["size"], 300)
        close = events[-1]
        self.assertEqual((close["dir"], close["code"], close["reason"], close["clean"]), ("in", 4000, "bye", True))

    def test_binary_both_ways_pings_and_pongs(self):
        _, url = self.py_server()
        rec = self.path("bin.ndjson")
        r = self.wskit("connect", "--slash", "--record", rec, url, input="/bin 00 ff 10 80\n/ping are you there\n")
        self.assertExit(r, 0)
        events = read_ndjson(self, rec, role="client")
        self.assertEqual(messages(events), [("out", "binary", b"\x00\xff\x10\x80"), ("in", "binary", b"\x00\xff\x10\x80")])
        self.assertEqual(next(e for e in events if e["event"] == "message")["base64"], "AP8QgA==")
        control = [(e["event"], e["dir"], e.get("text")) for e in events if e["event"] in ("ping", "pong")]
        self.assertEqual(control, [("ping", "out", "are you there"), ("pong", "in", "are you there")])

    def test_a_connection_that_fails_records_the_error(self):
        rec = self.path("refused.ndjson")
        r = self.wskit("connect", "--record", rec, f"ws://127.0.0.1:{free_port()}/")
        self.assertExit(r, 3)
        events = read_ndjson(self, rec, role="client")
        self.assertEqual([e["event"] for e in events], ["record", "error"], events)
        self.assertIn("connection refused", events[1]["message"])

    def test_sigkill_mid_session_leaves_only_whole_lines(self):
        rec = self.path("killed.ndjson")
        client = self.fed([WSKIT, "connect", "--keep-open", "--record", rec, self.echo_url])
        stop = threading.Event()

        def feed():
            n = 0
            try:
                while not stop.is_set():
                    client.proc.stdin.write(("message %d %s\n" % (n, "x" * (n % 200))).encode())
                    client.proc.stdin.flush()
                    n += 1
                    if n % 50 == 0:
                        time.sleep(0.001)
            except (BrokenPipeError, OSError, ValueError):
                pass
        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        self.addCleanup(writer.join, 5)
        self.addCleanup(stop.set)
        wait_for(lambda: sum(b'"event":"message"' in l for l in file_lines(rec)) >= 400, timeout=15,
                 what="400 messages in the recording")
        os.kill(client.proc.pid, signal.SIGKILL)  # while the feeder still writes
        client.proc.wait(timeout=5)
        stop.set()
        events = read_ndjson(self, rec, role="client")  # every line whole, JSON, schema-valid
        self.assertGreaterEqual(len(events), 400)
        outs = [m[2] for m in messages(events, dir="out")]
        ins = [m[2] for m in messages(events, dir="in")]
        # In order and without gaps: message 0, 1, 2...
        self.assertEqual([int(t.split()[1]) for t in outs], list(range(len(outs))))
        self.assertEqual(ins, outs[:len(ins)])


class TestHar(RecordCase):
    def test_a_session_with_a_python_websockets_server(self):
        server, url = self.py_server()
        rec = self.path("session.har")
        r = self.wskit("connect", "--slash", "--record", rec, url + "room?x=1&y=two%20words&flag",
                       input="hello\n/bin 00 01 fe ff\nhéllo ✓\n")
        self.assertExit(r, 0)
        assert_private(self, rec)
        self.assertEqual(glob.glob(rec + "?*"), [], "a temporary file was left behind")
        entries = read_har(self, rec)
        self.assertEqual(len(entries), 1)
        entry = entries[0]
        self.assertEqual(entry["request"]["url"], url + "room?x=1&y=two%20words&flag")
        self.assertEqual(entry["request"]["queryString"], [{"name": "x", "value": "1"},
                                                           {"name": "y", "value": "two%20words"},
                                                           {"name": "flag", "value": ""}])
        sent = headers_of(entry["request"]["headers"])
        self.assertEqual(sent["host"], f"127.0.0.1:{port_of(url)}")
        self.assertRegex(sent["user-agent"], r"^wskit/")
        self.assertIn("sec-websocket-key", sent)
        self.assertEqual(entry["response"]["status"], 101)
        answered = headers_of(entry["response"]["headers"])
        self.assertRegex(answered.get("server", ""), r"websockets/")
        self.assertEqual(answered["sec-websocket-accept"],
                         base64.b64encode(hashlib.sha1((sent["sec-websocket-key"] + GUID).encode()).digest()).decode())
        got = har_messages(entry)
        self.assertEqual([m for m in got if m[0] == "send"],
                         [("send", 1, "hello"), ("send", 2, b"\x00\x01\xfe\xff"), ("send", 1, "héllo ✓")])
        self.assertEqual([m for m in got if m[0] == "receive"],
                         [("receive", 1, "hello"), ("receive", 2, b"\x00\x01\xfe\xff"), ("receive", 1, "héllo ✓")])
        self.assertIn({"type": "send", "opcode": 2, "data": "AAH+/w=="},
                      [{k: m[k] for k in ("type", "opcode", "data")} for m in entry["_webSocketMessages"]])
        times = [m["time"] for m in entry["_webSocketMessages"]]
        self.assertEqual(times, sorted(times))
        self.assertEqual(entry["_webSocketClose"], {"code": 1000, "reason": "", "by": "client", "clean": True})
        server.wait_line(r"^closed code=1000")

    def test_the_server_closes(self):
        _, url = self.py_server("--send", "hi", "--close", "4000")
        rec = self.path("closed.har")
        r = self.wskit("connect", "--keep-open", "--record", rec, url)
        self.assertExit(r, 6)
        entry, = read_har(self, rec)
        self.assertEqual(har_messages(entry), [("receive", 1, "hi")])
        self.assertEqual(entry["_webSocketClose"], {"code": 4000, "reason": "bye", "by": "server", "clean": True})

    def test_written_on_sigint_and_sigterm_and_never_half_written(self):
        for signo, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
            with self.subTest(signal=signo.name):
                rec = self.path(f"{signo.name}.har")
                client = self.fed([WSKIT, "connect", "--keep-open", "--record", rec, self.echo_url])
                client.proc.stdin.write(b"before the signal\n")
                client.proc.stdin.flush()
                client.wait_line(r"^before the signal$", stream="stdout")
                self.assertFalse(os.path.exists(rec), "the HAR is written at the end, not before")
                client.signal(signo)
                self.assertEqual(client.wait(), code)
                assert_private(self, rec)
                entry, = read_har(self, rec)
                self.assertEqual(har_messages(entry), [("send", 1, "before the signal"),
                                                       ("receive", 1, "before the signal")])
                self.assertEqual(glob.glob(rec + "?*"), [])
        # SIGKILL: no chance to write; the file there before is left whole.
        rec = self.path("old.har")
        with open(rec, "w") as f:
            f.write('{"old": true}\n')
        client = self.fed([WSKIT, "connect", "--keep-open", "--record", rec, self.echo_url])
        client.proc.stdin.write(b"lost\n")
        client.proc.stdin.flush()
        client.wait_line(r"^lost$", stream="stdout")
        client.signal(signal.SIGKILL)
        client.wait()
        with open(rec) as f:
            self.assertEqual(json.load(f), {"old": True})

    def test_an_existing_file_is_replaced(self):
        rec = self.path("again.har")
        for text in ("first", "second"):
            self.assertExit(self.wskit("connect", "--record", rec, self.echo_url, input=text + "\n"), 0)
        entry, = read_har(self, rec)
        self.assertEqual(har_messages(entry), [("send", 1, "second"), ("receive", 1, "second")])


class TestSecrets(RecordCase):
    def secret_session(self, rec, *extra):
        """A session with secrets everywhere: in the query, Authorization,
        Proxy-Authorization and Cookie headers, and the server's Set-Cookie.
        Returns the server's view of the request (what it really got)."""
        server, url = self.start_python_peer(
            "proxy_upstream.py", "--header", f"Set-Cookie: sid={SET_COOKIE_SID}; Path=/; HttpOnly")
        query = "&".join(f"{k}={v}" for k, v in SECRET_QUERY.items()) + "&keep=visible"
        r = self.wskit("connect", *extra, "--record", rec, "-H", f"Authorization: Bearer {BEARER}",
                       "-H", f"Proxy-Authorization: Basic {PROXY_BASIC}",
                       "-H", f"Cookie: sid={COOKIE_SID}; theme={COOKIE_THEME}", url + "s?" + query, input="hi\n")
        self.assertExit(r, 0)
        line = server.wait_line(r'^\{"event": "request"', stream="stdout").string
        return json.loads(line)

    def assert_masked_handshake(self, request_headers, response_headers, url):
        sent, answered = headers_of(request_headers), headers_of(response_headers)
        self.assertEqual(sent["authorization"], "Bearer [hidden]")
        self.assertEqual(sent["proxy-authorization"], "Basic [hidden]")
        self.assertEqual(sent["cookie"], "sid=[hidden]; theme=[hidden]")
        self.assertEqual(answered["set-cookie"], "sid=[hidden]; Path=/; HttpOnly")
        expected = "&".join(f"{k}=[hidden]" for k in SECRET_QUERY) + "&keep=visible"
        self.assertTrue(url.endswith("/s?" + expected), url)

    def test_masked_in_ndjson_and_har(self):
        for name in ("masked.ndjson", "masked.har"):
            with self.subTest(name):
                rec = self.path(name)
                seen = self.secret_session(rec)
                # The server got them all: only the recording hides them.
                self.assertIn(["Authorization", f"Bearer {BEARER}"], seen["headers"])
                self.assertIn(SECRET_QUERY["jwt"], seen["path"])
                with open(rec) as f:
                    text = f.read()
                self.assertEqual([s for s in ALL_SECRETS if s in text], [], "secrets in the recording")
                if name.endswith(".har"):
                    entry, = read_har(self, rec)
                    self.assert_masked_handshake(entry["request"]["headers"], entry["response"]["headers"],
                                                 entry["request"]["url"])
                    query = {q["name"]: q["value"] for q in entry["request"]["queryString"]}
                    self.assertEqual(query, {**{k: "[hidden]" for k in SECRET_QUERY}, "keep": "visible"})
                    # Cookies listed as Chromium's export lists them, masked too.
                    self.assertEqual(entry["request"]["cookies"], [{"name": "sid", "value": "[hidden]"},
                                                                   {"name": "theme", "value": "[hidden]"}])
                    self.assertEqual(entry["response"]["cookies"],
                                     [{"name": "sid", "value": "[hidden]", "path": "/", "httpOnly": True}])
                else:
                    events = read_ndjson(self, rec, role="client", secrets="masked")
                    opened = next(e for e in events if e["event"] == "open")
                    self.assert_masked_handshake(opened["request"]["headers"], opened["response"]["headers"],
                                                 opened["url"])
                    self.assertTrue(opened["request"]["target"].startswith("/s?token=[hidden]&"),
                                    opened["request"]["target"])

    def test_kept_with_record_secrets(self):
        for name in ("kept.ndjson", "kept.har"):
            with self.subTest(name):
                rec = self.path(name)
                self.secret_session(rec, "--record-secrets")
                with open(rec) as f:
                    text = f.read()
                self.assertEqual([s for s in ALL_SECRETS if s not in text], [], "secrets missing")
                self.assertNotIn("[hidden]", text)
                if name.endswith(".har"):
                    entry, = read_har(self, rec)
                    sent = headers_of(entry["request"]["headers"])
                    url = entry["request"]["url"]
                    answered = headers_of(entry["response"]["headers"])
                    self.assertEqual(entry["request"]["cookies"], [{"name": "sid", "value": COOKIE_SID},
                                                                   {"name": "theme", "value": COOKIE_THEME}])
                    self.assertEqual(entry["response"]["cookies"][0]["value"], SET_COOKIE_SID)
                else:
                    opened = next(e for e in read_ndjson(self, rec, secrets="kept") if e["event"] == "open")
                    sent, url = headers_of(opened["request"]["headers"]), opened["url"]
                    answered = headers_of(opened["response"]["headers"])
                    self.assertIn(f"token={SECRET_QUERY['token']}", opened["request"]["target"])
                self.assertEqual(sent["authorization"], f"Bearer {BEARER}")
                self.assertEqual(sent["cookie"], f"sid={COOKIE_SID}; theme={COOKIE_THEME}")
                self.assertEqual(answered["set-cookie"], f"sid={SET_COOKIE_SID}; Path=/; HttpOnly")
                self.assertIn(f"password={SECRET_QUERY['password']}", url)

    def test_basic_auth_from_the_url(self):
        rec = self.path("basic.ndjson")
        url = self.echo_url.replace("ws://", "ws://alice:SHpass18@")
        self.assertExit(self.wskit("connect", "--record", rec, url, input="x\n"), 0)
        with open(rec) as f:
            text = f.read()
        self.assertNotIn("SHpass18", text)
        self.assertNotIn(base64.b64encode(b"alice:SHpass18").decode(), text)
        opened = next(e for e in read_ndjson(self, rec) if e["event"] == "open")
        self.assertEqual(headers_of(opened["request"]["headers"])["authorization"], "Basic [hidden]")

    def test_reconnect_event_url_masks_the_token(self):
        # The reconnect event's url is masked like the open event's (same
        # field name, same URL): the token never reaches the recording.
        rec = self.path("reconnect.ndjson")
        r = self.wskit("connect", "--reconnect", "--reconnect-max", "1", "--record", rec,
                       f"ws://127.0.0.1:{free_port()}/?token={SECRET_QUERY['token']}")
        self.assertExit(r, 3)
        events = read_ndjson(self, rec)
        self.assertIn("reconnect", [e["event"] for e in events])
        with open(rec) as f:
            self.assertNotIn(SECRET_QUERY["token"], f.read())

    def test_redirect_and_rejection_lines_mask_the_token(self):
        # The info line of a followed redirect and the error of a rejected
        # handshake quote the URL: in a recording that says
        # "secrets":"masked", its token is masked there too.
        _, redirector = self.start_python_peer(
            "redirect_server.py", "--route", "/start?token=SQredir19", "302",
            self.echo_url + "end?token=SQredir20")
        base = redirector.replace("http://", "ws://")
        leaked = []
        for name, args, code in (("redirect.ndjson", ["-L", base + "start?token=SQredir19"], 0),
                                 ("rejected.ndjson", [base + "nope?token=SQredir21"], 5)):
            rec = self.path(name)
            self.assertExit(self.wskit("connect", "--record", rec, *args, input="x\n"), code)
            read_ndjson(self, rec)
            with open(rec) as f:
                leaked += [(name, line) for line in f if "SQredir" in line]
        self.assertEqual(leaked, [])


class TestReconnect(RecordCase):
    def test_har_keeps_every_connection(self):
        # A HAR has one entry per connection: with --reconnect, the first
        # connection (its messages, its 1006 when the server drops it) keeps
        # its entry beside the second's, as the NDJSON of the same run keeps
        # both opens.
        upstream, url = self.start_python_peer("proxy_upstream.py")
        rec = self.path("reconnect.har")
        client = self.fed([WSKIT, "connect", "--reconnect", "--record", rec, url])
        client.proc.stdin.write(b"a\n/drop\n")
        client.proc.stdin.flush()
        client.wait_line(r"^a$", stream="stdout")
        upstream.wait_line(r'^\{"event": "open", "conn": 2', stream="stdout")
        client.proc.stdin.write(b"b\n")
        client.proc.stdin.close()
        self.assertEqual(client.wait(timeout=15), 0)
        entries = read_har(self, rec)
        self.assertEqual([har_messages(e) for e in entries],
                         [[("send", 1, "a"), ("send", 1, "/drop"), ("receive", 1, "a")],
                          [("send", 1, "b"), ("receive", 1, "b")]])
        self.assertEqual(entries[0]["_webSocketClose"], {"code": 1006, "reason": "", "by": "server", "clean": False})


class TestExec(RecordCase):
    def test_connect_exec_records_the_process_lines_and_the_answers(self):
        rec = self.path("exec.har")
        r = self.wskit("connect", "--record", rec, self.echo_url, "--exec", "sh", "-c",
                       r'echo one; printf "\377\n"; sleep 0.5')
        self.assertExit(r, 0)
        entry, = read_har(self, rec)
        got = har_messages(entry)
        self.assertEqual([m for m in got if m[0] == "send"], [("send", 1, "one"), ("send", 2, b"\xff")])
        self.assertEqual([m for m in got if m[0] == "receive"], [("receive", 1, "one"), ("receive", 2, b"\xff")])
        self.assertEqual(entry["_webSocketClose"]["by"], "client")

        rec = self.path("exec.ndjson")
        r = self.wskit("connect", "--record", rec, self.echo_url, "--exec", "sh", "-c", "echo two; sleep 0.5")
        self.assertExit(r, 0)
        events = read_ndjson(self, rec, role="client")
        assert_times_in_order(self, events)
        self.assertEqual(messages(events), [("out", "text", "two"), ("in", "text", "two")])
        self.assertEqual(events[-1]["event"], "close")


class TestUsage(RecordCase):
    def test_a_file_that_cannot_be_written_is_exit_1(self):
        plain = self.path("plain")
        with open(plain, "w") as f:
            f.write("a file, not a folder\n")
        for target in (self.path("missing/x.ndjson"), self.path("missing/x.har"), plain + "/x.ndjson",
                       plain + "/x.har", self.dir):
            with self.subTest(target):
                r = self.wskit("connect", "--record", target, self.echo_url, input="hi\n")
                self.assertExit(r, 1)
                self.assertIn(f"--record: cannot write {target}", r.stderr.decode())
                self.assertFalse(os.path.exists(target) and os.path.isfile(target))

    def test_record_secrets_without_record_is_a_usage_error(self):
        r = self.wskit("connect", "--record-secrets", self.echo_url, input="hi\n")
        self.assertExit(r, 2)
        self.assertIn("--record-secrets goes with --record", r.stderr.decode())
        self.assertEqual(r.stdout, b"")

    def test_record_with_tcp_listen_is_a_usage_error(self):
        r = self.wskit("connect", "--tcp-listen", "0", "--record", self.path("x.ndjson"), self.echo_url)
        self.assertExit(r, 2)
        self.assertIn("--record", r.stderr.decode())
        self.assertFalse(os.path.exists(self.path("x.ndjson")))


if __name__ == "__main__":
    main()
