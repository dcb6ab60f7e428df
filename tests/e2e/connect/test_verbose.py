"""-v and -vv of wskit connect, against `wskit echo` (plain and TLS) and a
redirecting server: the connection steps curl -v shows, in order, on stderr;
the frames decoded at -vv; no websocketpp noise after a clean close."""
import os
import re

from harness import CertsTestCase, main, port_of

ENV = {k: v for k, v in os.environ.items()
       if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "sslkeylogfile")}



class Verbose(CertsTestCase):
    def connect(self, url, *args):
        r = self.wskit("connect", "-x", "hello", "--count", "1", "--timeout", "10", *args, url, env=ENV)
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"hello\n")
        return r.stderr.decode(errors="replace").splitlines()

    def assertInOrder(self, lines, patterns):
        """Each regex matches a line, after the line the previous one matched."""
        start = 0
        for pattern in patterns:
            for i in range(start, len(lines)):
                if re.fullmatch(pattern, lines[i]):
                    start = i + 1
                    break
            else:
                self.fail(f"no line matching {pattern!r} after line {start} in:\n" + "\n".join(lines))

    def test_v_shows_resolution_tcp_and_the_handshake_in_order(self):
        _, url = self.start_wskit_server("echo", "0", env=ENV)
        port = port_of(url)
        lines = self.connect(url.replace("127.0.0.1", "localhost"), "-v")
        self.assertInOrder(lines, [
            rf"\* Host localhost:{port} was resolved\.",
            r"\* IPv4: .*127\.0\.0\.1.*",
            rf"\* Trying (127\.0\.0\.1|\[::1\]):{port}\.\.\.",
            rf"\* Connected to localhost \(127\.0\.0\.1\) port {port}",
            r"> GET / HTTP/1\.1",
            rf"> Host: localhost:{port}",
            r">",
            r"< HTTP/1\.1 101 Switching Protocols",
            r"<",
            r"\* handshake checks: pass \(6 checks\)",
        ])
        self.assertFalse([l for l in lines if "frame" in l], "frames are for -vv")

    def test_v_shows_tls_version_cipher_alpn_and_certificate(self):
        _, url = self.start_wskit_server("echo", "--cert", self.certs.server_cert,
                                         "--key", self.certs.server_key, "0", env=ENV)
        lines = self.connect(url, "-v", "--ca", self.certs.ca)
        self.assertInOrder(lines, [
            r"\* Connected to 127\.0\.0\.1 \(127\.0\.0\.1\) port \d+",
            r"\* SSL connection using TLSv1\.[23] / \S+",
            r"\* ALPN: .+",
            r"\* Server certificate:",
            r"\*  subject: CN=localhost",
            r"\*  start date: .+",
            r"\*  expire date: .+ GMT",
            r"\*  issuer: CN=wskit test CA",
            r"\* SSL certificate verify ok\.",
            r"> GET / HTTP/1\.1",
        ])

    def test_vv_decodes_frames_both_ways_and_a_clean_close_is_quiet(self):
        _, url = self.start_wskit_server("echo", "0", env=ENV)
        lines = self.connect(url, "-vv")
        self.assertInOrder(lines, [
            r"< HTTP/1\.1 101 Switching Protocols",
            r'> frame text fin=1 rsv=000 mask=1 len=5 "hello"',
        ])
        self.assertIn('< frame text fin=1 rsv=000 mask=0 len=5 "hello"', lines)
        self.assertIn("> frame close fin=1 rsv=000 mask=1 len=2 code=1000", lines)
        self.assertIn("< frame close fin=1 rsv=000 mask=0 len=2 code=1000", lines)
        text = "\n".join(lines)
        self.assertNotIn("End of File", text)
        self.assertNotIn("[frame_header]", text)  # websocketpp's raw access log
        self.assertNotIn("[error]", text)

    def test_vv_escapes_the_payload_preview(self):
        _, url = self.start_wskit_server("echo", "0", env=ENV)
        r = self.wskit("connect", "-x", "a\x1b[2Jb", "--count", "1", "-vv", url, env=ENV)
        self.assertExit(r, 0)
        self.assertIn(b'< frame text fin=1 rsv=000 mask=0 len=6 "a\\x1b[2Jb"', r.stderr)
        self.assertNotIn(b"\x1b", r.stderr)

    def test_v_after_a_redirect_shows_the_new_address(self):
        _, target = self.start_wskit_server("echo", "0", env=ENV)
        _, redirector = self.start_python_peer("redirect_server.py", "--route", "/", "302", target, env=ENV)
        lines = self.connect(redirector, "-v", "-L")
        self.assertInOrder(lines, [
            rf"\* Connected to 127\.0\.0\.1 \(127\.0\.0\.1\) port {port_of(redirector)}",
            r"< HTTP/1\.[01] 302 .*",
            rf"\* following a 302 redirect to .*",
            rf"\* Connected to 127\.0\.0\.1 \(127\.0\.0\.1\) port {port_of(target)}",
            r"< HTTP/1\.1 101 Switching Protocols",
        ])
        self.assertNotIn("Unknown", "\n".join(lines))


if __name__ == "__main__":
    main()
