"""connect --http2 and --http2-prior-knowledge: a WebSocket on an HTTP/2
stream (RFC 8441), against servers nobody here wrote: Node's http2 module
(peers/node_h2_server.cjs, with variants that reset the CONNECT, refuse it,
leave the setting out, answer with a subprotocol not offered), python-h2
answering 101 (peers/py_h2_server.py), nghttpx (Debian's nghttp2-proxy, an
RFC 8441 front end) in front of wskit echo, and HTTP/1.1-only servers that
--http2 must name as such. Certificates from the openssl command (certs.py)."""
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

from h2_support import start_apache, start_nghttpx
from harness import MIB, SANITIZED, WSKIT, CertsTestCase, free_port, main, port_of
from proxy_support import start_microsocks, start_tinyproxy

ENV = {k: v for k, v in os.environ.items()
       if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "sslkeylogfile")}


class Http2(CertsTestCase):
    def h2_peer(self, *args, tls=True):
        where = ("--cert", self.certs.server_cert, "--key", self.certs.server_key) if tls else ("--plain",)
        _, url = self.start_node_peer("node_h2_server.cjs", *where, *args)
        return url.replace("https://", "wss://").replace("http://", "ws://")

    def connect(self, url, *args, messages=("hello",)):
        """Sends `messages` as input lines and waits for as many back."""
        return self.wskit("connect", "--count", str(len(messages)), "--timeout", "10", *args, url,
                          input="".join(m + "\n" for m in messages), env=ENV)

    def assertFails(self, r, code, pattern):
        self.assertExit(r, code)
        err = r.stderr.decode(errors="replace")
        lines = [line for line in err.splitlines() if "warning" not in line]
        self.assertEqual(len(lines), 1, f"one line expected: {err!r}")
        self.assertRegex(lines[0], r"^wskit: ")
        self.assertRegex(lines[0], pattern)

    # --- round trips -----------------------------------------------------

    def test_wss_over_alpn_h2_echoes_and_sends_the_extended_connect(self):
        record = os.path.join(tempfile.mkdtemp(prefix="wskit-h2-"), "requests.ndjson")
        url = self.h2_peer("--record", record, "--subprotocol", "chat")
        r = self.connect(url.replace("127.0.0.1", "localhost") + "feed?x=1", "--http2", "--ca", self.certs.ca,
                         "-s", "chat", "-o", "https://app.example", "-H", "X-Token: t1",
                         messages=("hello", "world"))
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"hello\nworld\n")
        with open(record) as f:
            fields = json.loads(f.readline())["headers"]
        names = [name for name, _ in fields]
        self.assertEqual(names[:5], [":method", ":protocol", ":scheme", ":path", ":authority"])
        got = dict(fields)
        self.assertEqual(got[":method"], "CONNECT")
        self.assertEqual(got[":protocol"], "websocket")
        self.assertEqual(got[":scheme"], "https")
        self.assertEqual(got[":path"], "/feed?x=1")
        self.assertRegex(got[":authority"], r"^localhost:\d+$")
        self.assertEqual(got["sec-websocket-version"], "13")
        self.assertEqual(got["sec-websocket-protocol"], "chat")
        self.assertEqual(got["origin"], "https://app.example")
        self.assertEqual(got["x-token"], "t1")
        for forbidden in ("host", "connection", "upgrade", "sec-websocket-key"):
            self.assertNotIn(forbidden, got)

    def test_h2c_prior_knowledge_closes_with_1000_and_reports_the_subprotocol(self):
        _, url = self.start_node_peer("node_h2_server.cjs", "--plain", "--subprotocol", "chat")
        url = url.replace("http://", "ws://")
        r = self.connect(url, "--http2-prior-knowledge", "-s", "chat", "--output", "json")
        self.assertExit(r, 0)
        events = [json.loads(line) for line in r.stdout.decode().splitlines()]
        self.assertEqual(events[0]["event"], "open")
        self.assertEqual(events[0]["subprotocol"], "chat")
        self.assertEqual([(e["dir"], e["text"]) for e in events if e["event"] == "message"],
                         [("out", "hello"), ("in", "hello")])
        self.assertEqual(events[-1]["event"], "close")
        self.assertEqual(events[-1]["code"], 1000)
        self.assertTrue(events[-1]["clean"])

    def test_the_peer_sees_our_close_code(self):
        peer, url = self.start_node_peer("node_h2_server.cjs", "--plain")
        r = self.wskit("connect", "--http2-prior-knowledge", "-x", "bye", "--close-code", "4001",
                       "--close-reason", "done", "--timeout", "10", url.replace("http://", "ws://"), env=ENV)
        self.assertExit(r, 0)
        peer.wait_line(r"^closed code=4001 reason=done$")

    def test_messages_larger_than_every_window_cross_whole(self):
        # 300 KB each way: past the peer's 64 KiB stream window and our 256 KiB one.
        url = self.h2_peer(tls=False)
        big = "x" * 300_000
        r = self.connect(url, "--http2-prior-knowledge", messages=(big, "after"))
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, (big + "\nafter\n").encode())

    def test_server_message_before_ours(self):
        url = self.h2_peer("--send-first", "welcome", tls=False)
        r = self.connect(url, "--http2-prior-knowledge", messages=("hi", ))
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"welcome\n")  # --count 1 is met by the first

    def test_verbose_shows_the_http2_frames_and_passes_the_rfc_8441_checks(self):
        url = self.h2_peer()
        r = self.connect(url, "--http2", "--ca", self.certs.ca, "-v")
        self.assertExit(r, 0)
        err = r.stderr.decode()
        self.assertIn("* ALPN: server accepted h2", err)
        self.assertRegex(err, r"< \[HTTP/2\] recv SETTINGS stream=0: .*SETTINGS_ENABLE_CONNECT_PROTOCOL=1")
        self.assertIn("> [HTTP/2] send HEADERS stream=1", err)
        self.assertIn("> :protocol: websocket", err)
        self.assertIn("< :status: 200", err)
        self.assertRegex(err, r"\* handshake checks: pass \(\d+ checks\)")
        self.assertNotIn("> frame", err)  # frames are -vv's

    def test_double_verbose_shows_the_websocket_frames_on_the_stream(self):
        r = self.connect(self.h2_peer(tls=False), "--http2-prior-knowledge", "-vv")
        self.assertExit(r, 0)
        err = r.stderr.decode()
        self.assertIn('> frame text fin=1 rsv=000 mask=1 len=5 "hello"', err)
        self.assertIn('< frame text fin=1 rsv=000 mask=0 len=5 "hello"', err)
        self.assertIn("> frame close fin=1 rsv=000 mask=1 len=2 code=1000", err)

    def test_through_nghttpx_to_wskit_echo(self):
        """nghttpx: RFC 8441 on its front, an HTTP/1.1 upgrade to its back end."""
        _, echo = self.start_wskit_server("echo", "0", env=ENV)
        big = "y" * 200_000
        r = self.connect(start_nghttpx(self, echo), "--http2-prior-knowledge", messages=("through nghttpx", big))
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, f"through nghttpx\n{big}\n".encode())

    def test_compression_through_nghttpx_to_wskit_echo(self):
        """permessage-deflate agreed over the stream: RSV1 messages both ways."""
        _, echo = self.start_wskit_server("echo", "--compress", "0", env=ENV)
        text = "compress me " * 2000
        r = self.connect(start_nghttpx(self, echo), "--http2-prior-knowledge", "--compress", "-v",
                         messages=(text, "short"))
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, f"{text}\nshort\n".encode())
        err = r.stderr.decode()
        self.assertIn("> sec-websocket-extensions: permessage-deflate; client_max_window_bits", err)
        self.assertIn("* permessage-deflate: server no context takeover", err)

    def test_through_apache_to_wskit_echo(self):
        """Apache httpd's mod_http2 (H2WebSockets on) and mod_proxy_wstunnel."""
        _, echo = self.start_wskit_server("echo", "0", env=ENV)
        big = "a" * 100_000
        r = self.connect(start_apache(self, echo), "--http2-prior-knowledge", messages=("through apache", big))
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, f"through apache\n{big}\n".encode())

    def test_apache_without_h2websockets_is_named(self):
        _, echo = self.start_wskit_server("echo", "0", env=ENV)
        r = self.connect(start_apache(self, echo, websockets=False), "--http2-prior-knowledge")
        self.assertFails(r, 5, r"does not take WebSockets over HTTP/2: SETTINGS_ENABLE_CONNECT_PROTOCOL is absent")

    def test_a_server_that_does_not_read_stops_our_input_in_bounded_memory(self):
        """HTTP/2 flow control end to end: the peer never reads, so its window
        fills; wskit stops reading stdin instead of queueing it all."""
        url = self.h2_peer("--no-read", tls=False)
        proc = subprocess.Popen([WSKIT, "connect", "--http2-prior-knowledge", "--timeout", "3", url],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                env=ENV, start_new_session=True)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        written = [0]

        def feed():
            line = b"z" * 1023 + b"\n"
            try:
                while written[0] < 256 * MIB:
                    proc.stdin.write(line * 1024)
                    written[0] += MIB
            except (BrokenPipeError, ValueError):
                pass
        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        deadline = time.monotonic() + 30
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            self.assertLess(time.monotonic(), deadline, "wskit did not end after --timeout")
            time.sleep(0.05)
        proc.stdin.close()
        proc.stderr.close()
        self.assertEqual(os.waitstatus_to_exitcode(status), 7)
        self.assertLess(written[0], 32 * MIB, "wskit kept reading stdin into memory")
        if not SANITIZED:
            self.assertLess(usage.ru_maxrss * 1024, 64 * MIB)

    def test_a_stdout_nobody_reads_stops_the_server_at_its_window(self):
        """The other way: a full stdout pauses our reading, so the stream's
        window is not given back and the server can send no more."""
        count = 400  # 25 MiB: far past the pipe, our output queue and the windows
        peer, url = self.start_node_peer("node_h2_server.cjs", "--plain", "--flood", str(count))
        proc = subprocess.Popen([WSKIT, "connect", "--http2-prior-knowledge", "--keep-open", "--count", str(count),
                                 "--timeout", "60", url.replace("http://", "ws://")], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, start_new_session=True)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        with self.assertRaises(AssertionError):  # held back while nobody reads
            peer.wait_line(r"^flood sent$", timeout=2)
        received = 0
        for chunk in iter(lambda: proc.stdout.read1(1 << 20), b""):
            received += len(chunk)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.stderr.close()
        proc.stdout.close()
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)
        self.assertEqual(received, count * 65537)
        peer.wait_line(r"^flood sent$")
        if not SANITIZED:
            self.assertLess(usage.ru_maxrss * 1024, 64 * MIB)

    # --- redirects ---------------------------------------------------------

    def test_location_follows_a_308_to_another_http2_server(self):
        target = self.h2_peer()
        redirector = self.h2_peer("--redirect", target + "moved")
        r = self.connect(redirector, "--http2", "--ca", self.certs.ca, "-L", "-v")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"hello\n")
        err = r.stderr.decode()
        self.assertIn(f"following a 308 redirect to {target}moved", err)
        self.assertEqual(err.count("* ALPN: server accepted h2"), 2, err)  # a new connection for the new place

    def test_without_location_a_308_exits_5_with_its_status(self):
        r = self.connect(self.h2_peer("--redirect", "/elsewhere"), "--http2", "--ca", self.certs.ca)
        self.assertFails(r, 5, r"answered the extended CONNECT with 308")

    def test_a_redirect_loop_is_named(self):
        url = self.h2_peer("--redirect", "/again", tls=False)
        r = self.connect(url, "--http2-prior-knowledge", "-L")
        self.assertFails(r, 5, r"redirect loop: .*/again")

    def test_a_redirect_from_wss_to_ws_is_refused_even_when_trusted(self):
        plain = self.h2_peer(tls=False)
        r = self.connect(self.h2_peer("--redirect", plain), "--http2", "--ca", self.certs.ca, "--location-trusted")
        self.assertFails(r, 5, r"refusing to follow the redirect from wss://.* to ws://.* over HTTP/2")

    # --- routes: proxies and Unix sockets --------------------------------

    def test_through_an_http_connect_proxy(self):
        url = self.h2_peer()
        proxy = start_tinyproxy(self, [port_of(url)])
        r = self.connect(url, "--http2", "--ca", self.certs.ca, "--proxy", proxy.url)
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"hello\n")
        self.assertEqual(proxy.connects(), [f"127.0.0.1:{port_of(url)}"], proxy.text()[-3000:])

    def test_h2c_through_a_socks5_proxy(self):
        url = self.h2_peer(tls=False)
        socks = start_microsocks(self)
        r = self.connect(url, "--http2-prior-knowledge", "--proxy", socks.url())
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"hello\n")
        socks.wait_connected(f"127.0.0.1:{port_of(url)}")

    def unix_h2_peer(self, *args):
        d = tempfile.mkdtemp(prefix="wskit-h2-")
        self.addCleanup(shutil.rmtree, d, True)
        path, record = os.path.join(d, "h2.sock"), os.path.join(d, "requests.ndjson")
        _, url = self.start_node_peer("node_h2_server.cjs", *args, "--unix", path, "--record", record)
        self.assertEqual(url, f"unix:{path}")
        return path, record

    def recorded_fields(self, record):
        with open(record) as f:
            return dict(json.loads(f.readline())["headers"])

    def test_h2c_over_a_ws_unix_url(self):
        path, record = self.unix_h2_peer("--plain")
        r = self.connect(f"ws+unix://{path}:/feed?x=1", "--http2-prior-knowledge")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"hello\n")
        fields = self.recorded_fields(record)
        self.assertEqual((fields[":path"], fields[":authority"], fields[":scheme"]), ("/feed?x=1", "localhost", "http"))

    def test_tls_over_unix_socket_keeps_the_urls_host(self):
        path, record = self.unix_h2_peer("--cert", self.certs.server_cert, "--key", self.certs.server_key)
        r = self.connect("wss://localhost/v", "--unix-socket", path, "--http2", "--ca", self.certs.ca)
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"hello\n")
        fields = self.recorded_fields(record)
        self.assertEqual((fields[":path"], fields[":authority"], fields[":scheme"]), ("/v", "localhost", "https"))

    # --- servers that get it wrong ---------------------------------------

    def test_stream_reset_after_connect_exits_5(self):
        r = self.connect(self.h2_peer("--variant", "reset"), "--http2", "--ca", self.certs.ca)
        self.assertFails(r, 5, r"reset the extended CONNECT stream with PROTOCOL_ERROR \(0x1\)")

    def test_refusal_exits_5_with_its_status(self):
        r = self.connect(self.h2_peer("--variant", "refuse"), "--http2", "--ca", self.certs.ca)
        self.assertFails(r, 5, r"answered the extended CONNECT with 403")

    def test_setting_absent_exits_5_and_says_so(self):
        r = self.connect(self.h2_peer("--no-connect-protocol"), "--http2", "--ca", self.certs.ca)
        self.assertFails(r, 5, r"does not take WebSockets over HTTP/2: SETTINGS_ENABLE_CONNECT_PROTOCOL is absent")

    def test_subprotocol_not_offered_exits_5(self):
        url = self.h2_peer("--variant", "wrong-subprotocol", tls=False)
        r = self.connect(url, "--http2-prior-knowledge", "-s", "chat")
        self.assertFails(r, 5, r"subprotocol: expected one of chat, got not-offered")

    def test_a_101_answer_exits_5_and_says_http2_has_none(self):
        _, url = self.start_python_peer("py_h2_server.py", "--plain")
        r = self.connect(url.replace("http://", "ws://"), "--http2-prior-knowledge")
        self.assertFails(r, 5, r"got 101 .*HTTP/2 has none")

    def test_tls_server_without_h2_is_named(self):
        _, url = self.start_wskit_server("echo", "--cert", self.certs.server_cert, "--key", self.certs.server_key,
                                         "0", env=ENV)
        r = self.connect(url, "--http2", "--ca", self.certs.ca)
        self.assertFails(r, 5, r"does not speak HTTP/2: TLS's ALPN chose no protocol, not h2")

    def test_http11_server_answering_prior_knowledge_is_named(self):
        _, url = self.start_wskit_server("echo", "0", env=ENV)
        r = self.connect(url, "--http2-prior-knowledge")
        self.assertFails(r, 5, r"answered in HTTP/1\.1: it does not speak HTTP/2 with prior knowledge")

    def test_untrusted_certificate_exits_4(self):
        r = self.connect(self.h2_peer(), "--http2")
        self.assertFails(r, 4, r"(?i)verif")

    def test_nothing_listening_exits_3(self):
        r = self.connect(f"ws://127.0.0.1:{free_port()}/", "--http2-prior-knowledge")
        self.assertFails(r, 3, r"cannot connect to 127\.0\.0\.1:\d+: connection refused")

    # --- usage -----------------------------------------------------------

    def test_http2_on_ws_url_is_a_usage_error(self):
        r = self.wskit("connect", "--http2", "ws://127.0.0.1:9/")
        self.assertFails(r, 2, r"--http2 agrees on HTTP/2 through TLS \(ALPN\): for a ws:// URL use "
                               r"--http2-prior-knowledge")



if __name__ == "__main__":
    main()
