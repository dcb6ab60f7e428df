"""The subprotocols browsers offer: Chromium's new WebSocket(url, [...]) and
Node ws with a protocol list fail a connection whose answer names none of
their offers, so listen, echo and inspect --listen answer the client's first
offer unless -s narrows the choice (then a line on stderr names the offers
nobody took); inspect --listen fails such an answer; broadcast-chat answers
wskit.chat.v1.json when offered, else the first offer, in plain text."""
import json
import os
import subprocess

from harness import NODE, PEERS, TestCase, main, page_of  # noqa: E402



def node_offering(test, url, offers):
    """Node ws offering `offers`: {"open": true, "protocol": P} or {"error": ...}."""
    done = subprocess.run([NODE, os.path.join(PEERS, "node_client.cjs"), "subprotocols", url, ",".join(offers)],
                          capture_output=True, timeout=30)
    lines = [json.loads(l) for l in done.stdout.decode().splitlines() if l.startswith("{")]
    test.assertEqual(len(lines), 1, done)
    return lines[0]


class Subprotocols(TestCase):
    def node(self, url, offers):
        return node_offering(self, url, offers)

    def server(self, command, *args):
        return self.start_wskit_server(command, *args, "0", stdin=subprocess.PIPE)

    def test_listen_and_echo_answer_the_first_offer_to_node_and_chromium(self):
        for command in ("listen", "echo"):
            with self.subTest(command):
                _, url = self.server(command)
                self.assertEqual(self.node(url, ["v1.chat", "v2.chat"]), {"open": True, "protocol": "v1.chat"})
                got = self.browser_websocket(url, [page_of(url)], protocols=["v1.chat", "x"])
                self.assertEqual((got[0]["result"], got[0]["protocol"]), ("open", "v1.chat"), got)

    def test_s_narrows_the_choice_and_an_unmet_offer_is_said_on_stderr(self):
        for command in ("listen", "echo"):
            with self.subTest(command):
                proc, url = self.server(command, "-s", "v2.chat", "-s", "v3")
                self.assertEqual(self.node(url, ["v1.chat", "v2.chat"]), {"open": True, "protocol": "v2.chat"})
                refused = self.node(url, ["v1.chat"])
                self.assertIn("Server sent no subprotocol", refused.get("error", ""), refused)
                proc.wait_line(r"^wskit: 127\.0\.0\.1:\d+ offered subprotocol 'v1\.chat', none of which is "
                               r"accepted \('v2\.chat', 'v3'\): answered without one")

    def test_echo_still_echoes_with_a_subprotocol(self):
        _, url = self.server("echo")
        got = self.browser_websocket(url, [page_of(url)], protocols=["v1.chat"], send="round trip")
        self.assertEqual(got[0]["reply"], "round trip")
        self.assertEqual(got[0]["protocol"], "v1.chat")

    def test_chat_answers_its_json_subprotocol_else_the_first_offer_in_text(self):
        _, url = self.server("chat")
        self.assertEqual(self.node(url, ["x.other", "wskit.chat.v1.json"]),
                         {"open": True, "protocol": "wskit.chat.v1.json"})
        got = self.browser_websocket(url, [page_of(url)], protocols=["v1.chat"], send="/who")
        self.assertEqual((got[0]["result"], got[0]["protocol"]), ("open", "v1.chat"), got)
        self.assertFalse(got[0]["reply"].startswith("{"), got)  # plain text, not an envelope


class InspectListenAnswers(TestCase):
    def test_an_offer_left_unanswered_is_a_fail_line(self):
        proc, url = self.start_wskit_server("inspect", "--listen", "0", "-s", "v2")
        refused = node_offering(self, url, ["v1.chat"])
        self.assertIn("error", refused)
        proc.wait_line(r"^  < HTTP/1\.1 101 Switching Protocols$", stream="stdout")
        proc.wait_line(r"^  FAIL  subprotocol  \(RFC 6455 4\.1\)$", stream="stdout")
        proc.wait_line(r"^        actual:   none chosen$", stream="stdout")
        proc.wait_line(r"^        browsers and Node's ws fail a connection whose answer names none", stream="stdout")
        proc.wait_line(r"^  FAIL: answered 101 Switching Protocols$", stream="stdout")

    def test_json_report_checks_the_answer_as_sent(self):
        from inspect_support import VALIDATOR
        proc, url = self.start_wskit_server("inspect", "--listen", "0", "--json")
        self.assertEqual(node_offering(self, url, ["v1.chat"]), {"open": True, "protocol": "v1.chat"})
        doc = json.loads(proc.wait_line(r'"type":"request"', stream="stdout").string)
        self.assertEqual([e.message for e in VALIDATOR.iter_errors(doc)], [])
        self.assertEqual(doc["verdict"], "pass")
        self.assertEqual(doc["answer"]["status"], 101)
        answered = {h["name"].lower(): h["value"] for h in doc["answer"]["headers"]}
        self.assertEqual(answered["sec-websocket-protocol"], "v1.chat")
        checks = {c["id"]: c["verdict"] for c in doc["answer_checks"]}
        self.assertEqual(checks, {"upgrade": "pass", "connection": "pass", "accept": "pass", "subprotocol": "pass",
                                  "extensions": "pass"})

        narrowed, narrowed_url = self.start_wskit_server("inspect", "--listen", "0", "--json", "-s", "v2")
        node_offering(self, narrowed_url, ["v1.chat"])
        doc = json.loads(narrowed.wait_line(r'"type":"request"', stream="stdout").string)
        self.assertEqual(doc["verdict"], "fail")
        self.assertEqual([c["id"] for c in doc["answer_checks"] if c["verdict"] == "fail"], ["subprotocol"])
        self.assertEqual([c["id"] for c in doc["checks"] if c["verdict"] == "fail"], [])

    def test_respond_401_carries_its_challenge(self):
        proc, url = self.start_wskit_server("inspect", "--listen", "0", "--respond", "401", "--json")
        self.assertIn("401", node_offering(self, url, []).get("error", ""))
        doc = json.loads(proc.wait_line(r'"type":"request"', stream="stdout").string)
        self.assertEqual(doc["answered"], 401)
        self.assertEqual(doc["verdict"], "pass", doc["answer_checks"])
        self.assertEqual([c["id"] for c in doc["answer_checks"]], ["challenge"])


if __name__ == "__main__":
    main()
