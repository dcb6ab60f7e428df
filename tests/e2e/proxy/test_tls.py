"""wskit proxy with TLS on both legs (certificates made by certs.py): it
serves wss:// with --cert/--key and verifies a wss:// upstream against --ca;
an upstream whose certificate fails verification gives the client 502 with
the reason, which the proxy also says on stderr."""
import os
import re
import ssl

from rawws import TEXT
from harness import CertsTestCase, main
from proxy_support import ProxyCase, read_message


def no_proxy_env():
    return {k: v for k, v in os.environ.items()
            if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}


class Tls(CertsTestCase, ProxyCase):
    def tls_upstream(self, cert, key):
        return self.upstream("--cert", cert, "--key", key, script="py_tls_server.py")

    def test_wss_on_both_legs(self):
        c = self.certs
        server, server_url = self.tls_upstream(c.server_cert, c.server_key)
        self.assertTrue(server_url.startswith("wss://"))
        px, url, port = self.proxy(server_url, "--cert", c.server_cert, "--key", c.server_key, "--ca", c.ca)
        self.assertTrue(url.startswith("wss://127.0.0.1:"), url)
        r = self.wskit("connect", "--ca", c.ca, "-x", "over tls twice", "--count", "1", url + "secure",
                       env=no_proxy_env(), timeout=15)
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"over tls twice\n")
        server.wait_line(r"^open peer-cert=none$")
        server.wait_line(r"^closed code=1000 ")
        px.wait_line(r"^#1 S: connected to %s$" % re.escape(server_url + "secure"), stream="stdout")
        px.wait_line(r"^#1 <S over tls twice$", stream="stdout")

        # A client that trusts only the test CA, as a raw TLS client: the
        # proxy's certificate is the one given.
        conn = self.client(port, tls=ssl.create_default_context(cafile=c.ca))
        self.assertEqual(conn.sock.getpeercert()["subject"], ((("commonName", "localhost"),),))
        conn.send_frame(TEXT, "raw over tls")
        self.assertEqual(read_message(conn), (TEXT, b"raw over tls"))

    def test_an_upstream_certificate_that_fails_verification_gives_502(self):
        c = self.certs
        cases = [
            # (certificate, key, proxy options, what the reason says)
            (c.server_cert, c.server_key, (), "unable to get local issuer certificate"),  # its CA not trusted
            (c.expired_cert, c.expired_key, ("--ca", c.ca), "certificate has expired"),
            (c.other_cert, c.other_key, ("--ca", c.ca), "IP address mismatch (the certificate is for other.example)"),
        ]
        for cert, key, args, reason in cases:
            with self.subTest(reason=reason):
                server, server_url = self.tls_upstream(cert, key)
                px, _, port = self.proxy(server_url, *args)
                h = self.handshake(port, "/x")
                self.assertEqual(h.status, 502, h)
                body = h.body.decode()
                self.assertTrue(body.startswith("wskit proxy: the upstream server cannot be reached: TLS verification "
                                                "of 127.0.0.1 failed: " + reason), body)
                px.wait_line(r"^wskit: TLS verification of 127\.0\.0\.1 failed: %s" % re.escape(reason))
                self.assertFalse([line for line in server.seen["stderr"] if line.startswith("open")],
                                 server.seen["stderr"])

    def test_insecure_skips_verification(self):
        c = self.certs
        server, server_url = self.tls_upstream(c.self_cert, c.self_key)
        _, _, port = self.proxy(server_url, "-k")
        conn = self.client(port)
        conn.send_frame(TEXT, "unverified")
        self.assertEqual(read_message(conn), (TEXT, b"unverified"))
        server.wait_line(r"^open peer-cert=none$")

    def test_insecure_says_so(self):
        # --help and the man page say "-k ... (a warning is printed)", as
        # connect prints one; it comes before "listening on".
        c = self.certs
        server, server_url = self.tls_upstream(c.self_cert, c.self_key)
        px, _, port = self.proxy(server_url, "-k")
        conn = self.client(port)
        conn.send_frame(TEXT, "unverified")
        self.assertEqual(read_message(conn), (TEXT, b"unverified"))
        self.assertTrue(any(re.search(r"^wskit: warning: .*--insecure", line) for line in px.seen["stderr"]),
                        px.seen["stderr"])

    def test_a_certificate_that_cannot_be_loaded_exits_4(self):
        r = self.wskit("proxy", "--cert", os.path.join(self.tmp, "missing.pem"), "--key", self.certs.server_key, "0",
                       "ws://127.0.0.1:9/", timeout=10)
        self.assertExit(r, 4)
        self.assertRegex(r.stderr.decode(), r"^wskit: cannot load certificate from '.*missing\.pem'")


if __name__ == "__main__":
    main()
