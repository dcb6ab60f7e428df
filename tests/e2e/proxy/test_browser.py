"""Headless Chromium (peers/browser*.cjs) through wskit proxy to a Python
`websockets` server (peers/proxy_upstream.py): the page's cookie, Origin and
subprotocol offers reach the server, the server's choice reaches the page,
text, binary and closes with codes and reasons cross both ways. The proxy
keeps the origin policy of wskit's servers: a page of another origin is
refused with 403 unless --origin lets it in."""
import hashlib
import re

from harness import main, page_of
from proxy_support import ProxyCase, header_map

# Run in a page of the proxy's own origin (its 426 page): sets a cookie for
# the page's host, then opens two WebSockets through the proxy.
PAGE_SCRIPT = r"""
document.cookie = 'sid=from-the-page; path=/';
const open = (url) => new Promise((resolve, reject) => {
  const ws = new WebSocket(url, args.protocols);
  ws.binaryType = 'arraybuffer';
  const queue = [];
  let waiting = null;
  ws.onmessage = (e) => {
    if (waiting) { const w = waiting; waiting = null; w(e.data); } else queue.push(e.data);
  };
  ws.next = () => queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => { waiting = r; });
  ws.closed = new Promise((r) => { ws.onclose = (e) => r({ code: e.code, reason: e.reason, clean: e.wasClean }); });
  ws.onopen = () => resolve(ws);
  ws.onerror = () => reject(new Error('WebSocket error on ' + url));
});
const result = {};
const first = await open(args.url + 'room?x=1');
result.protocol = first.protocol;
first.send('hello from the page');
result.text = await first.next();
first.send(new Uint8Array([0, 1, 2, 255]));
result.binary = Array.from(new Uint8Array(await first.next()));
first.close(4001, 'the page leaves');
result.pageClose = await first.closed;
const second = await open(args.url);
second.send('/close 4002 the server leaves');
result.serverClose = await second.closed;
return result;
"""



class Chromium(ProxyCase):
    def test_a_page_talks_to_the_server_through_the_proxy(self):
        server, server_url = self.upstream("--subprotocol", "b.v2")
        px, url, port = self.proxy(server_url)
        got = self.run_browser(page_of(url), PAGE_SCRIPT, args={"url": url, "protocols": ["a.v1", "b.v2"]})
        self.assertEqual(got[-1]["done"], {
            "protocol": "b.v2",
            "text": "hello from the page",
            "binary": [0, 1, 2, 255],
            "pageClose": {"code": 4001, "reason": "the page leaves", "clean": True},
            "serverClose": {"code": 4002, "reason": "the server leaves", "clean": True},
        })
        request = self.event(server, "request", path="/room?x=1")
        sent = header_map(request["headers"])
        self.assertEqual(sent.get("cookie"), "sid=from-the-page")
        self.assertEqual(sent.get("origin"), f"http://127.0.0.1:{port}")
        self.assertEqual(sent.get("sec-websocket-protocol"), "a.v1, b.v2")
        self.assertRegex(sent.get("user-agent", ""), r"Chrome/")
        self.assertEqual(self.event(server, "open", conn=1)["subprotocol"], "b.v2")
        self.assertEqual(self.event(server, "text", conn=1)["text"], "hello from the page")
        self.assertEqual(self.event(server, "binary", conn=1)["sha256"],
                         hashlib.sha256(bytes([0, 1, 2, 255])).hexdigest())
        closed = self.event(server, "closed", conn=1)
        self.assertEqual((closed["code"], closed["reason"]), (4001, "the page leaves"))
        closed = self.event(server, "closed", conn=2)
        self.assertEqual((closed["code"], closed["reason"]), (4002, "the server leaves"))
        self.wait_lines(px, ["#1 C> hello from the page", "#1 <S hello from the page", "#1 C> [binary 4 B]",
                             "#1 <S [binary 4 B]", "#1 C: disconnected (code 4001, reason: the page leaves)",
                             "#2 S: disconnected (code 4002, reason: the server leaves)"])

    def test_pages_of_other_origins_are_refused_unless_allowed(self):
        server, server_url = self.upstream("--subprotocol", "b.v2")
        _, other = self.start_wskit_server("echo", "0")  # another port: another origin
        other_origin = page_of(other).rstrip("/")
        px, url, port = self.proxy(server_url)
        got = self.browser_websocket(url, [page_of(other), page_of(url)], protocols=["b.v2"], send="from a page")
        self.assertEqual([(g["result"], g.get("protocol"), g.get("reply")) for g in got],
                         [("error", None, None), ("open", "b.v2", "from a page")], got)
        px.wait_line(r"^wskit: refused 127\.0\.0\.1:\d+: origin '%s' is not allowed \(--origin\)$"
                     % re.escape(other_origin))
        # The refused page, the first, never reached the server.
        first = self.event(server, "request")
        self.assertEqual(header_map(first["headers"]).get("origin"), f"http://127.0.0.1:{port}")

        _, open_url, _ = self.proxy(server_url, "--origin", other_origin)
        got = self.browser_websocket(open_url, [page_of(other)], protocols=["b.v2"], send="let in")
        self.assertEqual([(g["result"], g.get("reply")) for g in got], [("open", "let in")], got)
        self.assertEqual(header_map(self.event(server, "request")["headers"]).get("origin"), other_origin)


if __name__ == "__main__":
    main()
