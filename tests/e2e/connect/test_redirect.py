"""Redirects on the opening handshake: -L follows 301/302/303/307/308 with
absolute ws://, http:// and relative Locations; without -L the client exits 5
and prints the Location; loops and --max-redirects are reported (exit 5).
Credentials (Authorization and Cookie headers, --auth, a URL's user:pass)
never follow a redirect to another origin (host, port or scheme), and wss://
to ws:// is refused, unless --location-trusted, for connect and inspect -L
alike."""
import json
import os
import re
import shutil
import tempfile
import time

from certs import Certs
from harness import TestCase, main, port_of

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


CREDENTIALS = ["-H", "Authorization: Bearer X", "-H", "Cookie: sid=Y", "-H", "Cookie: b=2", "-H", "X-Trace: t1"]


def recorded(path):
    """[(path, {lower-case name: [values]})] of each request recorded."""
    if not os.path.exists(path):
        return []
    out = []
    with open(path) as f:
        for line in f:
            q = json.loads(line)
            items = q["headers"].items() if isinstance(q["headers"], dict) else q["headers"]
            headers = {}
            for name, value in items:
                headers.setdefault(name.lower(), []).append(value)
            out.append((q["path"], headers))
    return out


class CredentialsStayWithTheirOrigin(TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wskit-redirect-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.final_record = os.path.join(self.tmp, "final.jsonl")
        self.red_record = os.path.join(self.tmp, "redirector.jsonl")
        _, self.final_url = self.start_python_peer("py_echo_server.py", "--record", self.final_record, env=ENV)

    def redirector(self, *routes, tls=None):
        args = ["--record", self.red_record]
        if tls:
            args += ["--tls", *tls]
        for path, status, location in routes:
            args += ["--route", path, str(status), location]
        _, url = self.start_python_peer("redirect_server.py", *args, env=ENV)
        return url.rstrip("/").replace("https://", "wss://").replace("http://", "ws://")

    def run_client(self, command, url, *args):
        # The URL first: -H takes every value that follows it.
        return self.wskit(command, url, *args, "-x", "hello", "--count", "1", "--timeout", "10", env=ENV)

    def final_headers(self):
        requests = recorded(self.final_record)
        self.assertEqual(len(requests), 1, requests)
        return requests[0][1]

    def assertSentNone(self, headers):
        self.assertNotIn("authorization", headers)
        self.assertNotIn("cookie", headers)
        self.assertEqual(headers.get("x-trace"), ["t1"], "other headers still go")

    def test_another_port_host_or_credentials_in_the_url(self):
        final_port = port_of(self.final_url)
        cases = [("another port", self.final_url + "next", "", ["--auth", "u:p"],
                  "Authorization, Cookie, --auth"),
                 ("another host", f"ws://localhost:{final_port}/next", "", [], "Authorization, Cookie"),
                 ("URL credentials", self.final_url + "next", "me:secret@", [],
                  "Authorization, Cookie, the URL's user:password")]
        for name, location, userinfo, extra, dropped in cases:
            with self.subTest(name):
                if os.path.exists(self.final_record):
                    os.unlink(self.final_record)
                base = self.redirector(("/", 302, location))
                start = base.replace("ws://", "ws://" + userinfo)
                r = self.run_client("connect", start + "/", "-L", "-v", *extra, *CREDENTIALS)
                self.assertExit(r, 0)
                self.assertEqual(r.stdout, b"hello\n")
                self.assertSentNone(self.final_headers())
                self.assertIn(f"* not sending {dropped} to {location}, another origin than {base}/ "
                              "(--location-trusted sends them)", r.stderr.decode())
                # The first origin got them all, both cookies in order.
                first = recorded(self.red_record)[-1][1]
                self.assertIn("authorization", first)
                self.assertEqual(first["cookie"], ["sid=Y", "b=2"])

    def test_the_same_origin_keeps_them(self):
        base = self.redirector(("/", 302, "/again"), ("/again", 307, self.final_url + "end"))
        r = self.run_client("connect", base + "/", "-L", "--auth", "u:p", *CREDENTIALS)
        self.assertExit(r, 0)
        (_, first), (again_path, again) = recorded(self.red_record)
        self.assertEqual(again_path, "/again")
        self.assertEqual(again["authorization"], ["Basic dTpw"])
        self.assertEqual(again["cookie"], ["sid=Y", "b=2"])
        self.assertSentNone(self.final_headers())

    def test_location_trusted_sends_them_anywhere(self):
        base = self.redirector(("/", 302, self.final_url + "next"))
        r = self.run_client("connect", base + "/", "--location-trusted", *CREDENTIALS)
        self.assertExit(r, 0)
        headers = self.final_headers()
        self.assertEqual(headers["authorization"], ["Bearer X"])
        self.assertEqual(headers["cookie"], ["b=2"])  # the recorder keeps one value per name

    def test_wss_to_ws_is_refused_unless_trusted(self):
        certs = Certs(os.path.join(self.tmp, "certs"))
        location = self.final_url + "plain"
        base = self.redirector(("/", 301, location), tls=(certs.server_cert, certs.server_key))
        r = self.run_client("connect", base + "/", "-L", "--ca", certs.ca, "--auth", "u:p")
        self.assertExit(r, 5)
        self.assertEqual(r.stderr.decode(),
                         f"wskit: refusing to follow the redirect from {base}/ to {location}: the connection would "
                         "no longer be encrypted (--location-trusted follows it)\n")
        self.assertEqual(recorded(self.final_record), [])
        r = self.run_client("connect", base + "/", "--location-trusted", "--ca", certs.ca, "--auth", "u:p")
        self.assertExit(r, 0)
        self.assertEqual(self.final_headers()["authorization"], ["Basic dTpw"])

    def test_inspect_follows_the_same_rules(self):
        base = self.redirector(("/", 302, self.final_url + "next"))
        r = self.wskit("inspect", "-L", base + "/", *CREDENTIALS, env=ENV)
        self.assertExit(r, 0)
        self.assertSentNone(self.final_headers())
        os.unlink(self.final_record)
        r = self.wskit("inspect", "--location-trusted", base + "/", *CREDENTIALS, env=ENV)
        self.assertExit(r, 0)
        self.assertEqual(self.final_headers()["authorization"], ["Bearer X"])
        certs = Certs(os.path.join(self.tmp, "certs"))
        tls_base = self.redirector(("/", 302, self.final_url + "plain"), tls=(certs.server_cert, certs.server_key))
        r = self.wskit("inspect", "-L", "--ca", certs.ca, tls_base + "/", env=ENV)
        self.assertExit(r, 5)
        self.assertIn("refusing to follow the redirect from wss://", r.stdout.decode() + r.stderr.decode())


if __name__ == "__main__":
    main()
