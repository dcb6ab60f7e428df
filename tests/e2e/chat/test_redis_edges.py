"""wskit broadcast-chat --redis at the edges: one name asked for at the
same moment on two processes is given once (claimed in Redis), what is
said on one process while Redis is gone reaches the others once it is back
(and the bound on it), a Redis that refuses the
password or the database (the connection given up from inside hiredis'
reply callback, then tried again), chat processes that end cleanly on
SIGTERM whatever state their connections are in (under the sanitizers,
their shutdown is checked), and a host name in the URL (resolved by the
chat without blocking, not by hiredis) or one that does not resolve."""
import asyncio

import websockets

from harness import TestCase, main
from test_redis import JSON, RedisServers, http_get, lines_until, next_of, run


class RedisEdges(RedisServers, TestCase):
    def test_one_name_asked_at_once_on_two_processes_is_given_once(self):
        _, port = self.start_redis()
        urls = [self.chat(port, "--rate", "0")[1] for _ in range(2)]

        async def crowd():
            async def one(i):
                # "Sam" and "sam" are one name.
                ws = await websockets.connect(urls[i % 2] + f"same?name={'Sam' if i % 3 else 'sam'}",
                                              subprotocols=[JSON])
                return ws, (await next_of(ws, {"who"}))["you"]
            joined = await asyncio.gather(*(one(i) for i in range(24)))
            for ws, _ in joined:
                await ws.close()
            return [name for _, name in joined]

        names = run(crowd())
        self.assertEqual(len({n.lower() for n in names}), 24, names)
        self.assertTrue(all(n.lower() == "sam" or n.lower().startswith("sam-") for n in names), names)

    def test_said_while_redis_is_gone_reaches_the_others_once_it_is_back(self):
        redis, port = self.start_redis()
        (p1, url1), (p2, url2) = self.chat(port, "--history", "10"), self.chat(port, "--history", "10")
        said = ["said while Redis was away", "and this too"]

        async def scenario():
            async with websockets.connect(url1 + "o?name=ann") as ann, \
                    websockets.connect(url1 + "o?name=carol") as carol:
                await lines_until(carol, "* you are carol in /o; /help lists the commands")
                bob = await websockets.connect(url2 + "o?name=bob")
                await lines_until(bob, "* you are bob in /o; /help lists the commands")
                await lines_until(carol, "* bob joined")
                redis.stop()
                p1.wait_line("serving this process's clients alone")
                p2.wait_line("serving this process's clients alone")
                for text in said:
                    await ann.send(text)
                # Delivered at once in ann's process.
                self.assertEqual(await lines_until(carol, "ann: " + said[-1]), ["ann: " + t for t in said])
                self.assertIn("wskit_chat_redis_outbox 2\n", http_get(url1, "/metrics")[1])
                self.start_redis(port)  # empty, as after a restart
                p1.wait_line("^wskit: 2 messages said here while Redis was unreachable sent to the other "
                             "processes$", timeout=15)
                await ann.send("after")
                # bob (the other process) gets them once, in order, before what came after,
                # whether its process was back before ann's (live), after it (from the history
                # lists), or in between (reading the lists while "after" comes live); carol
                # (ann's process) does not get them a second time.
                got = [line for line in await lines_until(bob, "ann: after") if line.startswith("ann: ")]
                self.assertEqual(got, ["ann: " + t for t in said] + ["ann: after"])
                got = [line for line in await lines_until(carol, "ann: after") if line.startswith("ann: ")]
                self.assertEqual(got, ["ann: after"])
                # A newcomer on a process started now has them in the shared history.
                _, url3 = self.chat(port, "--history", "10")
                async with websockets.connect(url3 + "o?name=dan") as dan:
                    history = await lines_until(dan, "* you are dan in /o; /help lists the commands")
                    self.assertEqual([line for line in history if line.startswith("[history]")],
                                     ["[history] ann: " + t for t in said + ["after"]])
                await bob.close()
        run(scenario())
        self.assertIn("wskit_chat_redis_outbox 0\n", http_get(url1, "/metrics")[1])

    def test_the_outbox_keeps_the_last_1000_messages_and_says_so(self):
        redis, port = self.start_redis()
        p, url = self.chat(port, "--rate", "0")

        async def flood():
            async with websockets.connect(url + "f?name=fay") as fay, \
                    websockets.connect(url + "f?name=gus") as gus:
                await lines_until(fay, "* gus joined")
                redis.stop()
                p.wait_line("serving this process's clients alone")
                for i in range(1005):
                    await fay.send(f"m{i}")
                await lines_until(gus, "fay: m1004")  # all of them, here
        run(flood())
        p.wait_line(r"^wskit: more than 1000 messages \(4 MiB\) said here while Redis is unreachable: the oldest "
                    r"will not reach the other processes$")
        m = http_get(url, "/metrics")[1]
        self.assertIn("wskit_chat_redis_outbox 1000\n", m)
        self.assertIn("wskit_chat_redis_outbox_dropped_total 5\n", m)

    def test_a_refused_password_or_database_is_said_and_tried_again(self):
        _, port = self.start_redis(None, "--requirepass", "sekret")
        p, url = self.chat_at(f"redis://:wrong@127.0.0.1:{port}")
        p.wait_line(rf"^wskit: Redis \(127\.0\.0\.1:{port}\): AUTH: WRONGPASS .*; serving this process's "
                    r"clients alone, and reconnecting$")
        status, body = http_get(url, "/healthz")
        self.assertEqual(status, 200)
        self.assertIn("AUTH: WRONGPASS", body)
        p2, _ = self.chat_at(f"redis://:sekret@127.0.0.1:{port}/99")
        p2.wait_line(r"SELECT 99: ERR DB index is out of range; serving this process's clients alone")
        p3, _ = self.chat_at(f"redis://:sekret@127.0.0.1:{port}/3")
        p3.wait_line(f"^wskit: sharing rooms through Redis at 127.0.0.1:{port}$")
        # Both keep trying (with backoff) until they are stopped, cleanly.
        self.assertIsNone(p.proc.poll())
        self.assertIsNone(p2.proc.poll())

    def test_sigterm_while_redis_is_unreachable(self):
        redis, port = self.start_redis()
        p, _ = self.chat(port)
        redis.stop()
        p.wait_line("serving this process's clients alone, and reconnecting")
        self.terminate(p)  # with a reconnection pending


class RedisHostNames(RedisServers, TestCase):
    def test_a_host_name_is_resolved_and_said_when_it_cannot_be(self):
        _, port = self.start_redis()
        p, url = self.chat_at(f"redis://localhost:{port}")
        p.wait_line(f"^wskit: sharing rooms through Redis at localhost:{port}$")
        _, url2 = self.chat(port)

        async def talk():
            async with websockets.connect(url + "n?name=ann") as ann:
                await lines_until(ann, "* you are ann in /n; /help lists the commands")
                async with websockets.connect(url2 + "n?name=bob") as bob:
                    await lines_until(bob, "* you are bob in /n; /help lists the commands")
                    await ann.send("through localhost")
                    await lines_until(bob, "ann: through localhost")
        run(talk())

        p, url = self.chat_at("redis://no-such-host.invalid:6379")
        p.wait_line(r"^wskit: Redis \(no-such-host\.invalid:6379\): cannot resolve the host name: .+; "
                    r"serving this process's clients alone, and reconnecting$")
        status, body = http_get(url, "/healthz")
        self.assertEqual(status, 200)
        self.assertTrue(body.startswith("degraded: Redis (no-such-host.invalid:6379): cannot resolve"), body)


if __name__ == "__main__":
    main()
