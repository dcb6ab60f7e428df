"""wskit broadcast-chat --redis at the edges: one name asked for at the
same moment on two processes is given once (claimed in Redis), a Redis that refuses the
password or the database (the connection given up from inside hiredis'
reply callback, then tried again), and chat processes that end cleanly on
SIGTERM whatever state their connections are in (under the sanitizers,
their shutdown is checked)."""
import asyncio

import websockets

from harness import TestCase, main
from test_chat_redis import JSON, RedisServers, http_get, next_of, run


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


if __name__ == "__main__":
    main()
