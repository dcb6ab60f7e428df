"""wss:// end to end: certificate verification (CA, host name, expiry),
--insecure, client certificates, --tls-min and SSLKEYLOGFILE, against Python
`websockets` TLS servers and `wskit echo --cert --key`. The certificates are
made with the openssl command at test time (see certs.py)."""
import os
import subprocess

from harness import WSKIT, CertsTestCase, main

ENV = {k: v for k, v in os.environ.items()
       if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "sslkeylogfile")}


class Tls(CertsTestCase):
    def tls_peer(self, cert=None, key=None, *extra):
        c = self.certs
        return self.start_python_peer("py_tls_server.py", "--cert", cert or c.server_cert,
                                      "--key", key or c.server_key, *extra, env=ENV)

    def connect(self, url, *args, env=None, message="hello"):
        return self.wskit("connect", "-x", message, "--count", "1", "--timeout", "10",
                          *args, url, env=env or ENV)

    def assertEchoed(self, r, message="hello"):
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, message.encode() + b"\n")

    def assertTlsFailure(self, r, reason_regex):
        self.assertExit(r, 4)
        self.assertEqual(r.stdout, b"")
        err = r.stderr.decode(errors="replace")
        self.assertRegex(err, r"^wskit: ")
        self.assertRegex(err, reason_regex)
        self.assertEqual(len(err.strip().splitlines()), 1, f"one line expected: {err!r}")

    # --- trusted -------------------------------------------------------

    def test_trusted_with_ca_python_server(self):
        peer, url = self.tls_peer()
        r = self.connect(url, "--ca", self.certs.ca)
        self.assertEchoed(r)
        self.assertEqual(r.stderr, b"")
        peer.wait_line(r"closed code=1000")

    def test_trusted_with_cacert_alias_by_dns_name_sends_sni(self):
        peer, url = self.tls_peer()
        url = url.replace("127.0.0.1", "localhost")
        r = self.connect(url, "--cacert", self.certs.ca)
        self.assertEchoed(r)
        peer.wait_line(r"^sni=localhost$")

    def test_trusted_with_ca_wskit_echo(self):
        _, url = self.start_wskit_server("echo", "--cert", self.certs.server_cert,
                                         "--key", self.certs.server_key, "0", env=ENV)
        self.assertTrue(url.startswith("wss://127.0.0.1:"), url)
        r = self.connect(url, "--ca", self.certs.ca, message="through wskit echo")
        self.assertEchoed(r, "through wskit echo")

    def test_https_url_means_wss(self):
        _, url = self.start_wskit_server("echo", "--cert", self.certs.server_cert,
                                         "--key", self.certs.server_key, "0", env=ENV)
        r = self.connect(url.replace("wss://", "https://"), "--ca", self.certs.ca)
        self.assertEchoed(r)

    # --- verification failures -----------------------------------------

    def test_untrusted_issuer_exits_4_with_reason(self):
        _, url = self.tls_peer()
        r = self.connect(url)  # the test CA is not in the system store
        self.assertTlsFailure(r, r"(?i)verif.*127\.0\.0\.1.*(unable to get local issuer|unknown|untrusted)")

    def test_untrusted_wskit_echo_exits_4(self):
        _, url = self.start_wskit_server("echo", "--cert", self.certs.server_cert,
                                         "--key", self.certs.server_key, "0", env=ENV)
        r = self.connect(url)
        self.assertTlsFailure(r, r"(?i)unable to get local issuer")

    def test_self_signed_exits_4_and_says_self_signed(self):
        _, url = self.tls_peer(self.certs.self_cert, self.certs.self_key)
        r = self.connect(url, "--ca", self.certs.ca)
        self.assertTlsFailure(r, r"(?i)self[- ]signed")

    def test_wrong_host_name_exits_4_with_mismatch(self):
        _, url = self.tls_peer(self.certs.other_cert, self.certs.other_key)
        for u in (url, url.replace("127.0.0.1", "localhost")):
            with self.subTest(url=u):
                r = self.connect(u, "--ca", self.certs.ca)
                self.assertTlsFailure(r, r"(?i)mismatch")

    def test_wrong_host_name_on_wskit_echo(self):
        _, url = self.start_wskit_server("echo", "--cert", self.certs.other_cert,
                                         "--key", self.certs.other_key, "0", env=ENV)
        r = self.connect(url.replace("127.0.0.1", "localhost"), "--ca", self.certs.ca)
        self.assertTlsFailure(r, r"(?i)mismatch")

    def test_expired_exits_4_and_says_expired(self):
        _, url = self.tls_peer(self.certs.expired_cert, self.certs.expired_key)
        r = self.connect(url, "--ca", self.certs.ca)
        self.assertTlsFailure(r, r"(?i)TLS verification of 127\.0\.0\.1 failed: .*expired")

    def test_missing_ca_file_is_reported(self):
        _, url = self.tls_peer()
        r = self.connect(url, "--ca", os.path.join(self.tmp, "no-such-ca.pem"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"no-such-ca.pem", r.stderr)
        self.assertEqual(r.stdout, b"")

    # --- --insecure ----------------------------------------------------

    def test_insecure_accepts_and_warns(self):
        _, url = self.tls_peer(self.certs.expired_cert, self.certs.expired_key)
        for flag in ("-k", "--insecure", "-n", "--no-check"):
            with self.subTest(flag=flag):
                r = self.connect(url, flag)
                self.assertEchoed(r)
                self.assertRegex(r.stderr.decode(), r"wskit: warning: --insecure")

    def test_insecure_with_self_signed_wskit_echo(self):
        _, url = self.start_wskit_server("echo", "--cert", self.certs.self_cert,
                                         "--key", self.certs.self_key, "0", env=ENV)
        r = self.connect(url, "-k")
        self.assertEchoed(r)
        self.assertIn(b"wskit: warning: --insecure", r.stderr)

    # --- client certificates -------------------------------------------

    def test_client_certificate_given(self):
        peer, url = self.tls_peer(None, None, "--client-ca", self.certs.ca)
        r = self.connect(url, "--ca", self.certs.ca, "--cert", self.certs.client_cert,
                         "--key", self.certs.client_key)
        self.assertEchoed(r)
        peer.wait_line(r"open peer-cert=commonName=wskit test client")

    def test_client_certificate_required_but_not_given(self):
        # With TLS 1.3 the server rejects the missing certificate after the
        # client's Finished; with TLS 1.2 during the handshake. Both are TLS
        # failures (exit 4), not connection failures.
        for version in ("1.3", "1.2"):
            with self.subTest(server_max_tls=version):
                peer, url = self.tls_peer(None, None, "--client-ca", self.certs.ca,
                                          "--max-tls", version)
                r = self.connect(url, "--ca", self.certs.ca)
                self.assertExit(r, 4)
                self.assertEqual(r.stdout, b"")
                self.assertRegex(r.stderr.decode(errors="replace"), r"^wskit: .*(?i:TLS|certificate)")
                self.assertNotIn("open peer-cert", "\n".join(peer.seen["stderr"]))

    def test_encrypted_client_key_with_passphrase(self):
        enc = os.path.join(self.tmp, "client-enc.key")
        if not os.path.exists(enc):
            subprocess.run(["openssl", "pkey", "-in", self.certs.client_key, "-aes256",
                            "-passout", "pass:s3cret", "-out", enc], check=True, timeout=30)
        peer, url = self.tls_peer(None, None, "--client-ca", self.certs.ca)
        r = self.connect(url, "--ca", self.certs.ca, "--cert", self.certs.client_cert,
                         "--key", enc, "--passphrase", "s3cret")
        self.assertEchoed(r)
        peer.wait_line(r"open peer-cert=commonName=wskit test client")
        r = self.connect(url, "--ca", self.certs.ca, "--cert", self.certs.client_cert,
                         "--key", enc, "--passphrase", "wrong")
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(r.stdout, b"")
        self.assertRegex(r.stderr.decode(errors="replace"), r"^wskit: .*(?i:key)")

    def test_encrypted_key_without_passphrase_off_a_terminal(self):
        # stdin is not a terminal and there is no controlling terminal
        # (setsid): one clear error naming --passphrase, exit 2, no prompt.
        enc = os.path.join(self.tmp, "client-enc-nopass.key")
        if not os.path.exists(enc):
            subprocess.run(["openssl", "pkey", "-in", self.certs.client_key, "-aes256",
                            "-passout", "pass:s3cret", "-out", enc], check=True, timeout=30)
        peer, url = self.tls_peer(None, None, "--client-ca", self.certs.ca)
        r = subprocess.run([WSKIT, "connect", "-x", "hi", "--ca", self.certs.ca, "--cert",
                            self.certs.client_cert, "--key", enc, url],
                           input=b"", capture_output=True, timeout=30, env=ENV, start_new_session=True)
        self.assertExit(r, 2)
        self.assertEqual(r.stdout, b"")
        err = r.stderr.decode(errors="replace")
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertRegex(err, r"^wskit: .*encrypted.*--passphrase")
        self.assertIn(enc, err)
        self.assertNotIn("open peer-cert", "\n".join(peer.seen["stderr"]))

    # --- messages that say why -------------------------------------------

    def test_name_mismatch_shows_the_certificate_names(self):
        _, url = self.tls_peer(self.certs.other_cert, self.certs.other_key)
        r = self.connect(url.replace("127.0.0.1", "localhost"), "--ca", self.certs.ca)
        self.assertTlsFailure(r, r"(?i)mismatch.*certificate is for other\.example")
        # An IP address checked against a certificate without IP SANs.
        r = self.connect(url, "--ca", self.certs.ca)
        self.assertTlsFailure(r, r"(?i)mismatch.*certificate is for other\.example")

    def test_expired_shows_the_dates(self):
        _, url = self.tls_peer(self.certs.expired_cert, self.certs.expired_key)
        r = self.connect(url, "--ca", self.certs.ca)
        self.assertTlsFailure(r, r"(?i)expired.*notAfter 2020-01-02 00:00:00 UTC.*2020-01-01 00:00:00 UTC")

    def test_not_yet_valid_shows_notbefore(self):
        cert, key = self.certs._issue("future", "localhost", "server_ext", "DNS:localhost,IP:127.0.0.1",
                                      dates=("20990101000000Z", "20990102000000Z"))
        _, url = self.tls_peer(cert, key)
        r = self.connect(url, "--ca", self.certs.ca)
        self.assertTlsFailure(r, r"(?i)not yet valid.*notBefore 2099-01-01 00:00:00 UTC")

    # --- protocol versions and key log ---------------------------------

    def test_tls_min_13_against_a_tls12_server_exits_4(self):
        _, url = self.tls_peer(None, None, "--max-tls", "1.2")
        r = self.connect(url, "--ca", self.certs.ca, "--tls-min", "1.3")
        self.assertExit(r, 4)
        self.assertEqual(r.stdout, b"")
        self.assertRegex(r.stderr.decode(errors="replace"), r"^wskit: .*(?i:TLS|version|protocol)")
        # The same server is fine with the default minimum (1.2).
        self.assertEchoed(self.connect(url, "--ca", self.certs.ca))
        self.assertEchoed(self.connect(url, "--ca", self.certs.ca, "--tls-min", "1.2"))

    def test_tls_min_13_against_a_tls13_server(self):
        _, url = self.tls_peer()
        self.assertEchoed(self.connect(url, "--ca", self.certs.ca, "--tls-min", "1.3"))

    def test_bad_tls_min_is_a_usage_error(self):
        r = self.wskit("connect", "--tls-min", "1.1", "wss://127.0.0.1:1/", env=ENV)
        self.assertExit(r, 2)

    def test_sslkeylogfile_tls13(self):
        _, url = self.tls_peer()
        log = os.path.join(self.tmp, "keys13.log")
        r = self.connect(url, "--ca", self.certs.ca, env=dict(ENV, SSLKEYLOGFILE=log))
        self.assertEchoed(r)
        with open(log) as f:
            lines = f.read().splitlines()
        labels = {line.split(" ")[0] for line in lines}
        self.assertTrue({"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                         "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"} <= labels, lines)
        for line in lines:
            self.assertRegex(line, r"^[A-Z0-9_]+ [0-9a-f]{64} [0-9a-f]+$")

    def test_sslkeylogfile_tls12_appends_client_random(self):
        _, url = self.tls_peer(None, None, "--max-tls", "1.2")
        log = os.path.join(self.tmp, "keys12.log")
        with open(log, "w") as f:
            f.write("# existing line\n")
        env = dict(ENV, SSLKEYLOGFILE=log)
        self.assertEchoed(self.connect(url, "--ca", self.certs.ca, env=env))
        self.assertEchoed(self.connect(url, "--ca", self.certs.ca, env=env))
        with open(log) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines[0], "# existing line")
        randoms = [line for line in lines if line.startswith("CLIENT_RANDOM ")]
        self.assertEqual(len(randoms), 2, lines)
        for line in randoms:
            self.assertRegex(line, r"^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$")


if __name__ == "__main__":
    main()
