"""wskit broadcast-chat --redis: several chat processes sharing rooms through
a real redis-server (Debian's, started here on a free loopback port with no
persistence, always stopped): one conversation in one order for clients of
different processes, local delivery while Redis is gone and /healthz
degraded, sharing again once Redis is back, and the bad URLs."""
import asyncio
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time

import websockets
from prometheus_client.parser import text_string_to_metric_families

from harness import WSKIT, TestCase, free_port, main, port_of

JSON = "wskit.chat.v1.json"


class Terminal:
    """A `wskit connect` client: lines in on stdin, messages out on stdout."""

    def __init__(self, test, url):
        self.p = test.start([WSKIT, "connect", "--raw", url], stdin=subprocess.PIPE)
        test.addCleanup(self.p.proc.stdin.close)

    def say(self, line):
        self.p.proc.stdin.write(line.encode() + b"\n")
        self.p.proc.stdin.flush()

    def expect(self, line, timeout=10):
        self.p.wait_line("^" + re.escape(line) + "$", stream="stdout", timeout=timeout)


def wait_listening(port, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)  # polling a port: haproxy says nothing when it is ready


def run(coro, timeout=60):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def http_get(url, path):
    c = http.client.HTTPConnection("127.0.0.1", port_of(url), timeout=5)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read().decode()
    finally:
        c.close()


def metrics(url):
    status, body = http_get(url, "/metrics")
    assert status == 200, status
    values = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            key = sample.name + "".join(f"[{k}={v}]" for k, v in sorted(sample.labels.items()))
            values[key] = sample.value
    return values


class RespClient:
    """A plain Redis client over a socket (RESP): what anyone who can reach
    Redis can send, byte for byte, whatever its size."""

    def __init__(self, test, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        test.addCleanup(self.sock.close)
        self.buf = b""

    def send(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode() if isinstance(a, str) else str(a).encode() if isinstance(a, int) else a
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)

    def command(self, *args):
        self.send(*args)
        return self.reply()

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError("Redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise AssertionError(f"Redis error: {rest.decode()}")
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.sock.recv(65536)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise AssertionError(f"not RESP: {line!r}")


async def lines_until(ws, last, timeout=15):
    """The text lines received up to and including `last`."""
    seen = []
    while True:
        seen.append(await asyncio.wait_for(ws.recv(), timeout))
        if seen[-1] == last:
            return seen


async def knows(ws, room, names):
    """Until the client's process lists every one of `names` in `room`:
    /who, then the joins of those it did not list. A process that loads a
    room may learn of a member of another process only at its next
    presence refresh, and announce that join then."""
    await ws.send("/who")
    prefix = f"* online in {room} ("
    line = ""
    while not line.startswith(prefix):
        line = await asyncio.wait_for(ws.recv(), 10)
    missing = set(names) - set(line.split(": ", 1)[1].split(", "))
    while missing:
        line = await asyncio.wait_for(ws.recv(), 10)
        if line.startswith("* ") and line.endswith(" joined"):
            missing.discard(line[2:-len(" joined")])


async def greeted(url, room, name, **kw):
    """A text client of the chat at `url`, in `room` as `name`, once it is
    in (its greeting read)."""
    ws = await websockets.connect(f"{url}{room[1:]}?name={name}", **kw)
    await lines_until(ws, f"* you are {name} in {room}; /help lists the commands")
    return ws


async def next_of(ws, types, timeout=10):
    """The next JSON envelope whose type is one of `types`."""
    while True:
        env = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if env["type"] in types:
            return env


class RedisServers:
    """redis-server and chat processes using it, for a TestCase."""

    def chat(self, redis_port, *args):
        p, url = self.chat_at(f"redis://127.0.0.1:{redis_port}", *args)
        p.wait_line("sharing rooms through Redis at 127.0.0.1:")
        return p, url

    def chat_at(self, redis_url, *args):
        p, url = self.start_wskit_server("chat", "0", "--redis", redis_url, *args)
        self.addCleanup(self.terminate, p)  # before the harness' SIGKILL, and before Redis stops
        return p, url

    def terminate(self, p):
        """SIGTERM, as an operator would: the process ends cleanly, so that its
        shutdown (the Redis connections freed while hiredis may still call
        back) runs, and under the sanitizers its leaks are checked."""
        if p.proc.poll() is not None:
            return
        p.signal(signal.SIGTERM)
        self.assertEqual(p.wait(timeout=20), 143)


class RedisChat(RedisServers, TestCase):
    def test_three_processes_one_conversation_in_one_order(self):
        _, port = self.start_redis()
        urls = [self.chat(port, "--rate", "0")[1] for _ in range(3)]
        names = ["ann", "ben", "cat"]

        async def conversation():
            clients = [await websockets.connect(f"{u}talk?name={n}", subprotocols=[JSON])
                       for u, n in zip(urls, names)]
            for ws in clients:
                await next_of(ws, {"who"})
            # Everyone speaks at once, from three processes.
            await asyncio.gather(*(ws.send(f"{n}-{i}") for i in range(20) for ws, n in zip(clients, names)))
            seen = []
            for ws in clients:
                texts = []
                while len(texts) < 60:
                    texts.append((await next_of(ws, {"message"}))["text"])
                seen.append(texts)
            for ws in clients:
                await ws.close()
            return seen

        seen = run(conversation())
        self.assertEqual(sorted(seen[0]), sorted(f"{n}-{i}" for n in names for i in range(20)))
        for n in names:  # each author's messages in the order it sent them
            self.assertEqual([t for t in seen[0] if t.startswith(n)], [f"{n}-{i}" for i in range(20)])
        self.assertEqual(seen[1], seen[0], "process 2 saw another order")
        self.assertEqual(seen[2], seen[0], "process 3 saw another order")
        m = metrics(urls[0])
        self.assertEqual(m["wskit_chat_redis_up"], 1)
        self.assertEqual(m["wskit_chat_redis_state[state=connected]"], 1)
        self.assertGreaterEqual(m["wskit_chat_redis_published_total"], 21)  # a join and 20 messages
        # The others' 40 messages (their joins may have come with the room's presence instead).
        self.assertGreaterEqual(m["wskit_chat_redis_delivered_total[source=remote]"], 40)
        self.assertGreaterEqual(m["wskit_chat_redis_delivered_total[source=own]"], 21)
        self.assertEqual(m["wskit_chat_redis_delivered_total[source=local]"], 0)
        self.assertEqual(m["wskit_chat_redis_delivery_latency_seconds_count"],
                         m["wskit_chat_redis_delivered_total[source=remote]"])
        self.assertEqual(m["wskit_chat_redis_delivery_latency_seconds_bucket[le=+Inf]"],
                         m["wskit_chat_redis_delivery_latency_seconds_count"])

    def test_terminal_clients_of_two_processes_talk(self):
        _, port = self.start_redis()
        (_, url1), (p2, url2) = self.chat(port), self.chat(port)

        async def talk():
            async with websockets.connect(url1 + "r?name=alice") as alice:
                self.assertEqual(await alice.recv(), "* online in /r (1): alice")
                await alice.recv()
                async with websockets.connect(url2 + "r?name=bob") as bob:
                    self.assertEqual(await alice.recv(), "* bob joined")
                    await bob.send("hi alice")
                    self.assertEqual(await alice.recv(), "bob: hi alice")
                    await alice.send("hi bob")
                    while (line := await bob.recv()) != "alice: hi bob":
                        pass
                self.assertEqual(await alice.recv(), "* bob left")
        run(talk())
        # Process 2 delivered its own events once, from Redis.
        p2.wait_line(r"#\d+ /r bob: hi alice", stream="stdout")

    def test_redis_gone_then_back(self):
        redis, port = self.start_redis()
        (p1, url1), (_, url2) = self.chat(port), self.chat(port)
        self.assertEqual(http_get(url1, "/healthz"), (200, "ok\n"))

        async def local_only():
            async with websockets.connect(url1 + "r?name=alice") as alice, \
                    websockets.connect(url1 + "r?name=carol") as carol:
                while (await carol.recv()) != "* you are carol in /r; /help lists the commands":
                    pass
                redis.stop()
                p1.wait_line(r"wskit: Redis \(127\.0\.0\.1:\d+\): .*serving this process's clients alone")
                await alice.send("still here?")
                # alice's join may still have been on its way through Redis when
                # carol joined: carol, told alice is here, must not hear it again.
                self.assertEqual(await asyncio.wait_for(carol.recv(), 5), "alice: still here?")
                status, body = http_get(url1, "/healthz")
                self.assertEqual(status, 200)
                self.assertTrue(body.startswith("degraded: Redis (127.0.0.1:"), body)
                metrics = http_get(url1, "/metrics")[1]
                self.assertIn("wskit_chat_redis_up 0\n", metrics)
                self.assertIn('wskit_chat_redis_state{state="degraded"} 1\n', metrics)
        run(local_only())

        self.start_redis(port)  # empty, as after a restart
        p1.wait_line("wskit: Redis at 127.0.0.1:.* is back: sharing rooms again", timeout=15)
        self.assertEqual(http_get(url1, "/healthz"), (200, "ok\n"))
        self.assertIn("wskit_chat_redis_reconnects_total 1\n", http_get(url1, "/metrics")[1])

        async def shared_again():
            async with websockets.connect(url1 + "s?name=dan", subprotocols=[JSON]) as dan:
                await next_of(dan, {"who"})
                async with websockets.connect(url2 + "s?name=eve") as eve:
                    self.assertEqual((await next_of(dan, {"join"}))["from"], "eve")
                    await eve.send("back")
                    self.assertEqual((await next_of(dan, {"message"}))["text"], "back")
        run(shared_again())

    def test_newcomer_gets_shared_history_merged_who_and_unique_name(self):
        _, port = self.start_redis()
        _, url1 = self.chat(port, "--history", "2")

        async def first_process():
            async with websockets.connect(url1 + "h?name=alice") as alice:
                await alice.recv()
                await alice.recv()
                for text in ("one", "two", "three"):
                    await alice.send(text)
                await alice.send("/who")  # answered after the three went out
                self.assertEqual(await alice.recv(), "* online in /h (1): alice")
                # A process started now learns /h from Redis.
                _, url2 = self.chat(port, "--history", "2")
                async with websockets.connect(url2 + "h?name=alice") as other:
                    for line in ["[history] alice: two", "[history] alice: three",
                                 "* online in /h (2): alice, alice-2",
                                 "* you are alice-2 in /h; /help lists the commands"]:
                        self.assertEqual(await other.recv(), line)
                    self.assertEqual(await alice.recv(), "* alice-2 joined")
                    async with websockets.connect(url2 + "h?name=bob") as bob:
                        self.assertEqual(await alice.recv(), "* bob joined")
                        while (await bob.recv()) != "* you are bob in /h; /help lists the commands":
                            pass
                        await bob.send("/nick alice")  # one alice in each process already
                        self.assertEqual(await bob.recv(), "* you are now known as alice-3")
                        self.assertEqual(await alice.recv(), "* bob is now known as alice-3")
                        await alice.send("/who")
                        self.assertEqual(await alice.recv(), "* online in /h (3): alice, alice-2, alice-3")
        run(first_process())

    def test_a_killed_process_leaves_who_within_the_ttl(self):
        _, port = self.start_redis()
        _, url1 = self.chat(port)
        p2, url2 = self.chat(port)

        async def scenario():
            async with websockets.connect(url1 + "k?name=stay") as stay:
                await stay.recv()
                await stay.recv()
                doomed = await websockets.connect(url2 + "k?name=doomed")
                self.assertEqual(await stay.recv(), "* doomed joined")
                p2.signal(9)
                start = asyncio.get_running_loop().time()
                self.assertEqual(await asyncio.wait_for(stay.recv(), 15), "* doomed left")
                elapsed = asyncio.get_running_loop().time() - start
                self.assertLess(elapsed, 12)  # 6 s TTL, checks every 2 s
                await stay.send("/who")
                self.assertEqual(await stay.recv(), "* online in /k (1): stay")
                doomed.transport.abort()
        run(scenario())

    def test_presence_rebuilt_after_redis_restarts_empty(self):
        redis, port = self.start_redis()
        (p1, url1), (p2, url2) = self.chat(port), self.chat(port)

        async def scenario():
            async with websockets.connect(url1 + "p?name=ann") as ann, \
                    websockets.connect(url2 + "p?name=bob") as bob:
                while (await bob.recv()) != "* you are bob in /p; /help lists the commands":
                    pass
                redis.stop()
                p1.wait_line("serving this process's clients alone")
                self.start_redis(port)
                p1.wait_line("is back: sharing rooms again", timeout=15)
                p2.wait_line("is back: sharing rooms again", timeout=15)
                # A process started now sees both, from the rebuilt presence.
                _, url3 = self.chat(port)
                async with websockets.connect(url3 + "p?name=cid") as cid:
                    line = await cid.recv()
                    self.assertTrue(line.startswith("* online in /p (3): "), line)
                    # Who was there before comes from Redis' hash, in no particular order.
                    self.assertEqual(sorted(line.split(": ", 1)[1].split(", ")), ["ann", "bob", "cid"])
        run(scenario())

    def start_haproxy(self, backends):
        """A real load balancer, round-robin over `backends` (ports)."""
        port = free_port()
        servers = "\n".join(f"  server chat{i} 127.0.0.1:{b}" for i, b in enumerate(backends))
        config = f"""global
  maxconn 200
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
frontend chat
  bind 127.0.0.1:{port}
  default_backend chats
backend chats
  balance roundrobin
{servers}
"""
        with tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False) as f:
            f.write(config)
        self.addCleanup(os.unlink, f.name)
        self.start(["haproxy", "-db", "-f", f.name])
        wait_listening(port)
        return port

    def test_terminals_behind_haproxy_chat_through_one_url(self):
        _, port = self.start_redis()
        chats = [self.chat(port) for _ in range(3)]
        lb = self.start_haproxy([port_of(url) for _, url in chats])
        names = ["t0", "t1", "t2", "t3"]
        terminals = []
        for n in names:
            t = Terminal(self, f"ws://127.0.0.1:{lb}/lb?name={n}")
            t.expect(f"* you are {n} in /lb; /help lists the commands")
            terminals.append(t)
        # Round-robin: the four joins were spread over the three processes.
        for p, _ in chats:
            p.wait_line(r"#\d+ /lb \* t\d joined", stream="stdout")
        terminals[0].say("hello through haproxy")
        for t in terminals[1:]:
            t.expect("t0: hello through haproxy")
        terminals[3].say("/who")
        terminals[3].expect("* online in /lb (4): t0, t1, t2, t3")

    def test_browser_and_terminals_behind_haproxy(self):
        _, port = self.start_redis()
        chats = [self.chat(port) for _ in range(2)]
        lb = self.start_haproxy([port_of(url) for _, url in chats])
        terminals = []
        for n in ("u0", "u1"):  # one on each process
            t = Terminal(self, f"ws://127.0.0.1:{lb}/web?name={n}")
            t.expect(f"* you are {n} in /web; /help lists the commands")
            terminals.append(t)
        terminals[0].say("said before the page came")
        terminals[1].expect("u0: said before the page came")
        script = """
const until = async (what, f) => {
  const end = Date.now() + 30000;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 50));
  }
};
const texts = () => [...document.querySelectorAll('#log .msg .text')].map((e) => e.textContent);
await until('the connection', () => document.getElementById('status').classList.contains('online'));
await until('the who-list', () => document.querySelectorAll('#who-list li').length === 3);
document.getElementById('input').value = 'hello from chromium';
document.getElementById('composer').requestSubmit();
await until('the terminal', () => texts().includes('hi chromium'));
return {texts: texts(), who: document.querySelectorAll('#who-list li').length};
"""
        result = []

        def open_page():
            try:
                result.append(self.run_browser(f"http://127.0.0.1:{lb}/web", script))
            except AssertionError as e:  # said by the main thread
                result.append(e)
        browser = threading.Thread(target=open_page)
        browser.start()
        try:
            terminals[1].p.wait_line(r"^guest-\d+: hello from chromium$", stream="stdout", timeout=60)
            terminals[0].p.wait_line(r"^guest-\d+: hello from chromium$", stream="stdout", timeout=10)
            terminals[1].say("hi chromium")
        finally:
            browser.join(timeout=90)
        self.assertTrue(result, "the browser did not finish")
        if isinstance(result[0], AssertionError):
            raise result[0]
        done = result[0][-1]["done"]
        self.assertEqual(done["texts"], ["said before the page came", "hello from chromium", "hi chromium"])
        self.assertEqual(done["who"], 3)

    def test_bad_redis_urls(self):
        r = self.wskit("chat", "--redis", "http://127.0.0.1:6379", "0")
        self.assertExit(r, 2)
        self.assertIn(b"bad Redis URL 'http://127.0.0.1:6379': it must start with redis:// or rediss://", r.stderr)
        r = self.wskit("chat", "--redis", "redis://127.0.0.1:99999", "0")
        self.assertExit(r, 2)
        self.assertIn(b"the port '99999' is not a number from 0 to 65535", r.stderr)
        r = self.wskit("chat", "--redis", "rediss://127.0.0.1:6379", "0")
        self.assertExit(r, 2)
        self.assertIn(b"rediss:// (Redis over TLS) is not available", r.stderr)


if __name__ == "__main__":
    main()
