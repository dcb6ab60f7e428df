"""Redirects on the opening handshake: -L follows 301/302/303/307/308 with
absolute ws://, http:// and relative Locations; without -L the client exits 5
and prints the Location; loops and --max-redirects are reported (exit 5)."""
import json
import os
import re
import shutil
import tempfile
import time

from certs import Certs
from harness import TestCase, main

ENV = {k: v for k, v in os.environ.items()
       if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}


class Redirect(TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wskit-redirect-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.record = os.path.join(self.tmp, "final.jsonl")
        self.final, self.final_url = self.start_python_peer("py_echo_server.py", "--record",
                                                            self.record, env=ENV)

    def redirector(self, *routes):
        args = []
        for path, status, location in routes:
            args += ["--route", path, str(status), location]
        p, url = self.start_python_peer("redirect_server.py", *args, env=ENV)
        return p, url.rstrip("/")

    def connect(self, url, *args, message="hello"):
        return self.wskit("connect", "-x", message, "--count", "1", "--timeout", "10", *args, url,
                          env=ENV)

    def final_requests(self):
        if not os.path.exists(self.record):
            return []
        with open(self.record) as f:
            return [json.loads(line) for line in f]

    def requests_seen(self, redirector, expected):
        """The paths requested from the redirect server, once it reported
        `expected` of them (its stderr is read by a thread: wait for it)."""
        deadline = time.monotonic() + 5
        while True:
            seen = [line.split()[1] for line in redirector.seen["stderr"] if line.startswith("request ")]
            if len(seen) >= expected or time.monotonic() > deadline:
                return seen
            time.sleep(0.02)

    def assertEchoed(self, r, message="hello"):
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, message.encode() + b"\n")

    def assertRejected(self, r, regex):
        self.assertExit(r, 5)
        self.assertEqual(r.stdout, b"")
        err = r.stderr.decode(errors="replace")
        self.assertRegex(err, r"^wskit: ")
        self.assertRegex(err, regex)
        self.assertEqual(len(err.strip().splitlines()), 1, err)

    def test_followed_with_L_for_every_redirect_status(self):
        final_port = re.search(r":(\d+)/", self.final_url).group(1)
        statuses = (301, 302, 303, 307, 308)
        routes = [(f"/s{s}", s, f"{self.final_url}final/{s}?q={s}") for s in statuses]
        red, base = self.redirector(*routes)
        for s in statuses:
            with self.subTest(status=s):
                for flag in ("-L", "--location"):
                    r = self.connect(f"{base}/s{s}", flag, message=f"after {s}")
                    self.assertEchoed(r, f"after {s}")
        requests = self.final_requests()
        self.assertEqual([q["path"] for q in requests],
                         [f"/final/{s}?q={s}" for s in statuses for _ in (0, 1)])
        for q in requests:
            headers = {k.lower(): v for k, v in q["headers"].items()}
            self.assertEqual(headers.get("host"), f"127.0.0.1:{final_port}")
            self.assertEqual(headers.get("upgrade", "").lower(), "websocket")
        self.assertEqual(self.requests_seen(red, 2 * len(statuses)),
                         [f"/s{s}" for s in statuses for _ in (0, 1)])

    def test_http_location_is_followed_as_ws(self):
        http_final = self.final_url.replace("ws://", "http://")
        _, base = self.redirector(("/", 302, f"{http_final}via-http"))
        r = self.connect(base + "/", "-L")
        self.assertEchoed(r)
        self.assertEqual([q["path"] for q in self.final_requests()], ["/via-http"])

    def test_relative_location(self):
        # /start -> /next (relative, same server) -> the final server.
        red, base = self.redirector(("/start", 307, "/next"),
                                    ("/next", 302, f"{self.final_url}end"))
        r = self.connect(base + "/start", "-L")
        self.assertEchoed(r)
        self.assertEqual(self.requests_seen(red, 2), ["/start", "/next"])
        self.assertEqual([q["path"] for q in self.final_requests()], ["/end"])

    def test_redirect_to_wss(self):
        certs = Certs(os.path.join(self.tmp, "certs"))
        _, wss = self.start_wskit_server("echo", "--cert", certs.server_cert,
                                         "--key", certs.server_key, "0", env=ENV)
        _, base = self.redirector(("/", 301, wss.replace("127.0.0.1", "localhost")))
        r = self.connect(base + "/", "-L", "--ca", certs.ca)
        self.assertEchoed(r)
        # Verification still applies after the redirect.
        r = self.connect(base + "/", "-L")
        self.assertExit(r, 4)

    def test_refused_without_L(self):
        location = f"{self.final_url}final"
        red, base = self.redirector(("/", 302, location), ("/rel", 301, "/elsewhere"))
        r = self.connect(base + "/")
        self.assertRejected(r, rf"302.*{re.escape(location)}.*-L")
        r = self.connect(base + "/rel")
        self.assertRejected(r, r"301.*/elsewhere.*-L")
        self.assertEqual(self.final_requests(), [])
        self.assertEqual(self.requests_seen(red, 2), ["/", "/rel"])

    def test_redirect_loop(self):
        # /a -> /b -> /a, with relative Locations.
        red, base = self.redirector(("/a", 301, "/b"), ("/b", 307, "/a"))
        r = self.connect(base + "/a", "-L")
        self.assertRejected(r, r"(?i)redirect loop: .*/a -> .*/b -> .*/a")
        seen = self.requests_seen(red, 2)
        self.assertEqual(seen, ["/a", "/b"], "a loop is detected before asking again")
        self.assertEqual(self.final_requests(), [])

    def test_max_redirects(self):
        # /h0 -> /h1 -> ... -> /h11 -> the final server: twelve redirects.
        hops = 12
        routes = [(f"/h{i}", 302, f"/h{i + 1}") for i in range(hops - 1)]
        routes.append((f"/h{hops - 1}", 302, f"{self.final_url}done"))
        red, base = self.redirector(*routes)
        # The default is 10: twelve redirects are too many.
        r = self.connect(base + "/h0", "-L")
        self.assertRejected(r, r"(?i)too many redirects.*--max-redirects")
        self.assertEqual(len(self.requests_seen(red, 11)), 11)
        # Ten are allowed by default: start two hops later.
        r = self.connect(base + "/h2", "-L")
        self.assertEchoed(r)
        # --max-redirects lowers and raises the limit.
        r = self.connect(base + "/h9", "-L", "--max-redirects", "2")
        self.assertRejected(r, r"(?i)too many redirects")
        r = self.connect(base + "/h9", "-L", "--max-redirects", "3")
        self.assertEchoed(r)
        r = self.connect(base + "/h0", "-L", "--max-redirects", "12")
        self.assertEchoed(r)
        r = self.connect(base + "/h11", "-L", "--max-redirects", "0")
        self.assertRejected(r, r"(?i)redirect")
        self.assertEqual([q["path"] for q in self.final_requests()], ["/done"] * 3)


if __name__ == "__main__":
    main()
