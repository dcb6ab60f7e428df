"""wskit handshake-inspect over TLS, against a test CA made with openssl:
the chain, SANs and days left of a trusted server; the verdict and its
reason for an untrusted, a wrong-host and an expired certificate (exit 4)."""

from harness import CertsTestCase, main  # noqa: E402
from inspect_support import check, validated  # noqa: E402


class InspectTls(CertsTestCase):
    def serve(self, name):
        _, url = self.start_python_peer("py_tls_server.py", "--cert", getattr(self.certs, f"{name}_cert"),
                                        "--key", getattr(self.certs, f"{name}_key"))
        return url.replace("127.0.0.1", "localhost")

    def inspect(self, url, *args):
        human = self.wskit("inspect", *args, url)
        doc = validated(self, self.wskit("inspect", "--json", *args, url).stdout.decode())
        return human, doc

    def test_trusted(self):
        human, doc = self.inspect(self.serve("server"), "--ca", self.certs.ca)
        self.assertExit(human, 0)
        tls = doc["tls"]
        self.assertTrue(tls["verified"])
        self.assertEqual(tls["verify_result"], "ok")
        self.assertEqual(tls["sni"], "localhost")
        self.assertTrue(tls["version"].startswith("TLSv1."))
        self.assertTrue(tls["cipher"])
        leaf = tls["chain"][0]
        self.assertEqual(leaf["subject"], "CN=localhost")
        self.assertEqual(leaf["issuer"], "CN=wskit test CA")
        self.assertEqual(leaf["sans"], ["DNS:localhost", "IP:127.0.0.1", "IP:::1"])
        self.assertIn(leaf["days_left"], (1, 2))  # issued for 2 days
        self.assertEqual(leaf["key_type"], "EC")
        self.assertEqual(leaf["key_bits"], 256)
        self.assertEqual(leaf["signature_algorithm"], "ecdsa-with-SHA256")
        self.assertIsNotNone(doc["timings"]["tls_ms"])
        self.assertIsNotNone(doc["timings"]["dns_ms"])  # localhost is a name: it was resolved
        self.assertEqual(check(doc, "tls")["verdict"], "pass")
        # Verifying a wss:// server's certificate and name is https's rule, not RFC 6455's.
        self.assertEqual(check(doc, "tls")["rfc"], "RFC 9110 4.3.4, RFC 6125 6")
        out = human.stdout.decode()
        self.assertIn("PASS  TLS handshake and certificate: ok  (RFC 9110 4.3.4, RFC 6125 6)", out)
        self.assertRegex(out, r"\n  DNS +\d+\.\d ms\n")
        self.assertIn("TLS\n", out)
        self.assertIn("SANs       DNS:localhost, IP:127.0.0.1, IP:::1", out)
        self.assertRegex(out, r"\(\d days? left\)")

    def failing(self, name, reason, *args):
        url = self.serve(name)
        human, doc = self.inspect(url, *args)
        self.assertExit(human, 4)
        self.assertEqual(doc["exit_code"], 4)
        self.assertFalse(doc["tls"]["verified"])
        self.assertIn(reason, doc["tls"]["verify_result"])
        self.assertEqual(check(doc, "tls")["verdict"], "fail")
        self.assertIn(reason, check(doc, "tls")["actual"])
        # The chain is shown even though verification failed, and no
        # request went to a server that was not verified.
        self.assertTrue(doc["tls"]["chain"])
        self.assertIsNone(doc["request"])
        out = human.stdout.decode()
        self.assertIn(f"verification {reason}", out)
        self.assertIn("FAIL (exit 4)", out)
        return doc

    def test_untrusted(self):
        doc = self.failing("server", "unable to get local issuer certificate")
        self.assertEqual(doc["tls"]["chain"][0]["issuer"], "CN=wskit test CA")

    def test_self_signed(self):
        self.failing("self", "self-signed certificate", "--ca", self.certs.ca)

    def test_wrong_host(self):
        doc = self.failing("other", "hostname mismatch", "--ca", self.certs.ca)
        self.assertEqual(doc["tls"]["chain"][0]["sans"], ["DNS:other.example"])

    def test_expired(self):
        doc = self.failing("expired", "certificate has expired", "--ca", self.certs.ca)
        self.assertLess(doc["tls"]["chain"][0]["days_left"], 0)

    def test_insecure_is_a_warning(self):
        human, doc = self.inspect(self.serve("self"), "-k")
        self.assertExit(human, 0)
        self.assertTrue(doc["tls"]["verification_skipped"])
        self.assertEqual(check(doc, "tls")["verdict"], "warn")


if __name__ == "__main__":
    main()
