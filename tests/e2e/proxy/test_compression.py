"""Node's `ws` through wskit proxy --compress to `wskit echo --compress`:
permessage-deflate is agreed on each leg on its own (offered upstream when
the client offered it, unless --no-upstream-compress), messages cross intact
either way and are printed inflated; --max-size (16 MiB by default) closes
the leg that received a larger message with 1009, and the close crosses."""
import json
import os
import subprocess

from rawws import BINARY, TEXT
from harness import MIB, NODE, PEERS, main
from proxy_support import ProxyCase


def node(*args, timeout=60):
    """Runs a Node peer to its end; returns its JSON lines."""
    done = subprocess.run([NODE, os.path.join(PEERS, args[0]), *args[1:]], capture_output=True, timeout=timeout)
    lines = [json.loads(line) for line in done.stdout.decode().splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise AssertionError(f"node {args!r} failed: {done!r}")
    return lines


class Deflate(ProxyCase):
    def setUp(self):
        _, self.echo_url = self.start_wskit_server("echo", "--compress", "0")

    def offers_upstream(self, px, conn):
        """The permessage-deflate offer of pair `conn`'s upstream request
        (-v), or None; waits for the client's answer to be shown first."""
        px.wait_line(r"^#%d C< HTTP/1\.1 101 " % conn)
        offers = [line for line in px.seen["stderr"] if line.startswith(f"#{conn} >S Sec-WebSocket-Extensions:")]
        return offers[0].split(": ", 1)[1] if offers else None

    def test_a_client_offering_deflate_gets_it_on_both_legs(self):
        px, url, _ = self.proxy(self.echo_url, "-v", "--compress")
        got = node("node_deflate.cjs", "client", url)
        self.assertRegex(got[0]["extensions"], r"^permessage-deflate\b", got)
        self.assertEqual([(g["check"], g["ok"]) for g in got[1:]],
                         [("json", True), ("binary", True), ("empty", True), ("again", True)])
        self.assertRegex(self.offers_upstream(px, 1), r"^permessage-deflate")
        self.assertIn("#1 <S Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover",
                      px.seen["stderr"])
        # Printed inflated, as text.
        px.wait_line(r'^#1 C> \{"items":\[\{"id":0,"name":"item 0"\}', stream="stdout")
        px.wait_line(r'^#1 <S \{"items":\[\{"id":0,"name":"item 0"\}', stream="stdout")
        px.wait_line(r"^#1 C> \[binary 70000 B\]$", stream="stdout")

    def test_a_client_without_deflate_gets_every_message_intact_and_16_MiB_passes(self):
        px, url, _ = self.proxy(self.echo_url, "-v", "--compress")
        got = node("node_client.cjs", "checks", url)
        self.assertEqual([(g["check"], g["ok"]) for g in got],
                         [(name, True) for name in ("text", "binary", "empty-text", "empty-binary", "16MiB", "ping",
                                                    "close")], got)
        self.assertIsNone(self.offers_upstream(px, 1))

    def test_no_upstream_compress_keeps_deflate_on_the_clients_leg_only(self):
        px, url, _ = self.proxy(self.echo_url, "-v", "--compress", "--no-upstream-compress")
        got = node("node_deflate.cjs", "client", url)
        self.assertRegex(got[0]["extensions"], r"^permessage-deflate\b", got)
        self.assertTrue(all(g["ok"] for g in got[1:]), got)
        self.assertIsNone(self.offers_upstream(px, 1))


class MaxSize(ProxyCase):
    def test_a_client_message_over_16_MiB_closes_the_clients_leg_with_1009(self):
        server, server_url = self.upstream()
        px, url, _ = self.proxy(server_url)
        self.assertEqual(node("node_client.cjs", "oversize", url, str(16 * MIB + 1)), [{"closed": 1009}])
        px.wait_line(r"^#1 C: disconnected \(code 1009 ", stream="stdout")
        closed = self.event(server, "closed")
        self.assertEqual(closed["code"], 1009, closed)  # the close crosses
        self.assertEqual(self.events(server, "binary"), [])  # the message did not

    def test_a_server_message_over_16_MiB_closes_the_upstream_leg_with_1009(self):
        server, server_url = self.upstream("--send-binary-size", str(16 * MIB + 1), script="py_server.py")
        px, url, _ = self.proxy(server_url)
        self.assertEqual(node("node_client.cjs", "hold", url),
                         [{"open": True}, {"closed": 1009, "reason": "A message was too large"}])
        server.wait_line(r"^closed code=1009 reason=A message was too large$")
        px.wait_line(r"^#1 C: closing \(code 1009 ", stream="stdout")  # the proxy passes the close on
        legs = [line for line in px.seen["stdout"] if "1009" in line]
        self.assertTrue(legs[0].startswith("#1 S: closing (code 1009 "), legs)  # the upstream's leg first
        self.assertFalse([line for line in px.seen["stdout"] if line.startswith("#1 <S [binary")], px.seen["stdout"])

    def test_max_size_applies_to_both_legs(self):
        server, server_url = self.upstream()
        px, url, port = self.proxy(server_url, "--max-size", "1000")
        conn = self.client(port)
        conn.send_frame(BINARY, b"x" * 1000)  # the limit itself passes
        self.expect_message(conn, BINARY, b"x" * 1000)
        conn.send_frame(TEXT, "/binary 1001")  # the server answers with 1001 bytes
        self.expect_close(conn, 1009)
        px.wait_line(r"^#1 S: closing \(code 1009 ", stream="stdout")
        self.assertEqual(self.event(server, "closed")["code"], 1009)


if __name__ == "__main__":
    main()
