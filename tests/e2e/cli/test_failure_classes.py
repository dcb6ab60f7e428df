"""One failure classifier for every client subcommand: connect, handshake-inspect
and bench meet the same faulty peers (a refused port, a server that accepts
and never answers, one that answers a plain request with TLS bytes, one that
drips a 101 head that never ends, a real TLS port reached with ws://, a TLS
handshake that never completes) and must exit with the same status and say
the same thing. The rule (wskit(1), EXIT STATUS): before TCP is up, 3; after,
TLS trouble 4, an answer that is not a valid 101 (or none before the server
closed) 5, no complete answer in time 7."""
import re

from harness import CertsTestCase, free_port, main  # noqa: E402
from inspect_support import validated  # noqa: E402

TIMEOUT = "1"


def same_words(message):
    """A message without what depends on timing: how much of a dripping answer had come."""
    return re.sub(r"\(got \d+ bytes: .*\)", "(got ...)", message)


class SameFactsSameStatus(CertsTestCase):
    def run_all(self, url):
        """(connect, inspect, inspect --json document, bench) results for one URL."""
        connect = self.wskit("connect", "--connect-timeout", TIMEOUT, url, input="")
        inspect = self.wskit("inspect", "--connect-timeout", TIMEOUT, url)
        doc = validated(self, self.wskit("inspect", "--json", "--connect-timeout", TIMEOUT, url).stdout.decode())
        bench = self.wskit("bench", "--connect-timeout", TIMEOUT, "-c", "1", "-d", "20", url)
        return connect, inspect, doc, bench

    def assertSame(self, url, code, words):
        connect, inspect, doc, bench = self.run_all(url)
        for name, r in (("connect", connect), ("inspect", inspect), ("bench", bench)):
            with self.subTest(command=name):
                self.assertExit(r, code)
                err = r.stderr.decode()
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertTrue(err.startswith("wskit: "), err)
                self.assertIn(words, err)
        self.assertEqual(doc["exit_code"], code)
        self.assertIn(words, doc["error"])
        # The one classifier's message, word for word, in each.
        message = same_words(connect.stderr.decode().strip()[len("wskit: "):])
        self.assertEqual(same_words(inspect.stderr.decode().strip()), "wskit: " + message)
        self.assertEqual(same_words(bench.stderr.decode().strip()), "wskit: no connection opened: " + message)
        return doc, inspect.stdout.decode()

    def assertConnectedFirst(self, doc, out):
        """TCP was up: the inspect verdict never says it could not connect."""
        connect = [c for c in doc["checks"] if c["id"] == "connect"][0]
        self.assertEqual(connect["verdict"], "pass")
        self.assertIn("PASS  TCP connection", out)
        self.assertNotIn("cannot connect", out)

    def test_refused_port_is_3(self):
        doc, _ = self.assertSame(f"ws://127.0.0.1:{free_port()}/", 3, "connection refused")
        self.assertEqual(doc["checks"][0]["verdict"], "fail")

    def test_a_server_that_never_answers_is_7(self):
        _, url = self.start_python_peer("broken_server.py", "silent")
        doc, out = self.assertSame(url, 7, f"{url} did not answer the upgrade request within 1 s (see --connect-timeout)")
        self.assertConnectedFirst(doc, out)

    def test_tls_bytes_in_answer_to_a_plain_request_are_5_with_a_hint(self):
        _, url = self.start_python_peer("broken_server.py", "tls-hello")
        doc, out = self.assertSame(url, 5, "answered the upgrade request with TLS, not HTTP (it is a TLS port: use wss://)")
        self.assertConnectedFirst(doc, out)

    def test_a_head_that_drips_and_never_ends_is_7(self):
        _, url = self.start_python_peer("broken_server.py", "drip")
        doc, out = self.assertSame(url, 7, "began to answer, but the response head did not end within 1 s")
        self.assertConnectedFirst(doc, out)
        self.assertIn("'HTTP/1.1 ", doc["error"])  # what came, shown

    def test_ws_to_a_real_tls_port_is_5_with_a_hint(self):
        # wskit echo with a certificate (OpenSSL) reads "GET ..." as a bad ClientHello and hangs up, silently.
        _, url = self.start_wskit_server("echo", "--cert", self.certs.server_cert, "--key", self.certs.server_key, "0")
        doc, out = self.assertSame(url.replace("wss://", "ws://"), 5,
                                   "closed the connection without answering the upgrade request (if it is a TLS "
                                   "port, use wss://)")
        self.assertConnectedFirst(doc, out)

    def test_a_tls_handshake_that_never_completes_is_7(self):
        _, url = self.start_python_peer("broken_server.py", "silent")
        # The silent server reads the ClientHello as a request that never ends, and says nothing.
        doc, out = self.assertSame(url.replace("ws://", "wss://"), 7, "the TLS handshake with 127.0.0.1:")
        self.assertIn("did not complete within 1 s (see --connect-timeout)", doc["error"])
        self.assertConnectedFirst(doc, out)
        self.assertEqual([c for c in doc["checks"] if c["id"] == "tls"][0]["exit_class"], 7)


if __name__ == "__main__":
    main()
