"""wskit connect's failure classes (issue: exit codes that tell the truth):
each failure before the open is one line naming what failed, with the exit
status of its class, decided by how far the opening got."""
import os
import socket
import tempfile
import threading
import time

from harness import CertsTestCase, TestCase, free_port, main

# A label longer than 63 bytes cannot be put in a DNS query, so the resolver
# fails it at once without sending anything off this machine.
UNRESOLVABLE = "a" * 64 + ".test"


class SilentServer:
    """Accepts TCP connections and never answers. With fill_backlog, it
    never accepts either and its backlog is full: connects hang in SYN."""

    def __init__(self, fill_backlog=False):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(0)
        self.port = self.sock.getsockname()[1]
        self.held = []
        if fill_backlog:
            for _ in range(4):
                c = socket.socket()
                c.setblocking(False)
                c.connect_ex(("127.0.0.1", self.port))
                self.held.append(c)
        else:
            threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        try:
            while True:
                self.held.append(self.sock.accept()[0])
        except OSError:
            pass

    def close(self):
        for c in self.held:
            c.close()
        self.sock.close()


class Classes(CertsTestCase):
    def assertFailure(self, r, code, text):
        self.assertExit(r, code)
        err = r.stderr.decode()
        self.assertIn(text, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertTrue(err.startswith("wskit: "), err)

    def test_refused_is_exit_3_for_ws_and_wss(self):
        port = free_port()
        for scheme in ("ws", "wss"):
            r = self.wskit("connect", f"{scheme}://127.0.0.1:{port}/", input="")
            self.assertFailure(r, 3, "connection refused")

    def test_unknown_host_is_exit_3_for_ws_and_wss(self):
        for scheme in ("ws", "wss"):
            r = self.wskit("connect", f"{scheme}://{UNRESOLVABLE}/", input="")
            self.assertFailure(r, 3, f"cannot resolve host {UNRESOLVABLE}")

    def test_plain_ws_to_a_tls_port_hints_at_wss(self):
        # TCP connected: the TLS server's silent hang-up is a rejected handshake, not "could not connect".
        _, url = self.start_wskit_server("echo", "--cert", self.certs.server_cert, "--key", self.certs.server_key, "0")
        r = self.wskit("connect", url.replace("wss://", "ws://"), input="")
        self.assertFailure(r, 5, "use wss://")
        self.assertNotIn("cannot connect", r.stderr.decode())

    def test_a_server_that_never_answers_the_upgrade_is_a_timeout(self):
        server = SilentServer()
        self.addCleanup(server.close)
        start = time.monotonic()
        r = self.wskit("connect", "--connect-timeout", "1", f"ws://127.0.0.1:{server.port}/", input="")
        self.assertFailure(r, 7, "did not answer the upgrade request within 1 s (see --connect-timeout)")
        self.assertLess(time.monotonic() - start, 3)

    def test_connect_timeout_bounds_a_tcp_connect_that_never_completes(self):
        server = SilentServer(fill_backlog=True)
        self.addCleanup(server.close)
        for timeout, limit in (("0.5", 2.5), ("7", 9.5)):
            start = time.monotonic()
            r = self.wskit("connect", "--connect-timeout", timeout, f"ws://127.0.0.1:{server.port}/", input="")
            elapsed = time.monotonic() - start
            self.assertExit(r, 3)
            self.assertIn(f"timed out after {timeout} s", r.stderr.decode())
            # websocketpp's own TCP timer is a fixed 5 s: 7 s must be honoured.
            self.assertGreater(elapsed, float(timeout) - 0.1)
            self.assertLess(elapsed, limit)


class Behaviour(TestCase):
    def test_host_header_is_the_one_given(self):
        with tempfile.TemporaryDirectory() as d:
            rec = os.path.join(d, "requests.jsonl")
            _, url = self.start_python_peer("py_server.py", "--record", rec)
            self.assertExit(self.wskit("connect", "--host", "virtual.test:8080", url, input=""), 0)
            self.assertExit(self.wskit("connect", "-H", "Host: other.test", url, input=""), 0)
            import json
            with open(rec) as f:
                hosts = [[v for k, v in json.loads(l)["headers"] if k.lower() == "host"] for l in f]
            self.assertEqual(hosts, [["virtual.test:8080"], ["other.test"]])

    def test_slash_quit_ends_piped_input(self):
        _, url = self.start_wskit_server("echo", "0")
        r = self.wskit("connect", "--slash", url, input="one\n/quit\ntwo\n")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"one\n")

    def test_slash_close_ends_piped_input_with_its_code(self):
        _, url = self.start_wskit_server("echo", "0")
        r = self.wskit("connect", "--slash", "--json", url, input="one\n/close 4001 done\ntwo\n")
        self.assertExit(r, 0)
        self.assertNotIn(b'"two"', r.stdout)
        self.assertIn(b'"code":4001', r.stdout)

    def test_until_is_linear_on_a_large_message(self):
        _, url = self.start_wskit_server("echo", "0")
        big = "xy" * (1 << 20)  # 2 MiB that (x|y)+z never matches
        r = self.wskit("connect", "--until", "(x|y)+z", url, input=big + "\nxxyz\n", timeout=60)
        self.assertExit(r, 0)
        self.assertTrue(r.stdout.endswith(b"\nxxyz\n"))

    def test_until_rejects_a_bad_pattern(self):
        r = self.wskit("connect", "--until", "(a", "ws://127.0.0.1:1/")
        self.assertExit(r, 2)
        self.assertIn("invalid --until regex", r.stderr.decode())

    def test_an_invalid_utf8_line_stops_the_input_after_the_good_lines(self):
        _, url = self.start_wskit_server("echo", "0")
        r = self.wskit("connect", url, input=b"good 1\ngood 2\nbad \xff\xfe\nnever\n")
        self.assertExit(r, 1)
        self.assertEqual(r.stdout, b"good 1\ngood 2\n")
        err = r.stderr.decode()
        self.assertIn("input line 3 is not valid UTF-8", err)
        self.assertIn("--binary", err)


if __name__ == "__main__":
    main()
