"""wskit broadcast-chat --redis under Redis' faults, each made real on a
redis-server: stopped (SIGSTOP), so that only its silence tells (detected,
degraded, local delivery at once), and stopped before the chat connects
(the kernel still accepts the connection: not taken for ready)."""
import asyncio
import signal

import websockets

from harness import TestCase, main
from test_chat_redis import RedisServers, http_get, metrics, run
from test_chat_redis_edges import lines_until


class StoppedRedis(RedisServers, TestCase):
    def stop_redis(self, redis):
        redis.signal(signal.SIGSTOP)
        self.addCleanup(redis.signal, signal.SIGCONT)  # before it is killed

    def test_a_stopped_redis_is_detected_and_the_clients_of_a_process_hear_each_other(self):
        redis, port = self.start_redis()
        p, url = self.chat(port)
        _, other = self.chat(port)

        async def scenario():
            yan = await websockets.connect(url + "g?name=yan")
            zoe = await websockets.connect(url + "g?name=zoe")
            await lines_until(zoe, "* you are zoe in /g; /help lists the commands")
            far = await websockets.connect(other + "g?name=far")
            await lines_until(far, "* you are far in /g; /help lists the commands")
            await lines_until(yan, "* far joined")
            self.stop_redis(redis)
            await zoe.send("said while Redis stops")
            p.wait_line(r"^wskit: Redis \(127\.0\.0\.1:\d+\): no answer within 3 s; serving this process's clients "
                        r"alone, and reconnecting$", timeout=10)
            # Taken for gone: what zoe said reaches yan now, and what she says now at once.
            self.assertEqual(await asyncio.wait_for(yan.recv(), 2), "zoe: said while Redis stops")
            await zoe.send("and now")
            self.assertEqual(await asyncio.wait_for(yan.recv(), 2), "zoe: and now")
            status, body = http_get(url, "/healthz")
            self.assertEqual(status, 200)
            self.assertRegex(body, r"^degraded: Redis \(127\.0\.0\.1:\d+\): no answer within 3 s; serving")
            m = metrics(url)
            self.assertEqual(m["wskit_chat_redis_up"], 0)
            self.assertEqual(m["wskit_chat_redis_state[state=degraded]"], 1)
            self.assertEqual(m["wskit_chat_redis_stalls_total"], 1)
            redis.signal(signal.SIGCONT)
            p.wait_line("is back: sharing rooms again", timeout=15)
            await zoe.send("shared again")
            await lines_until(far, "zoe: shared again", timeout=10)
            for ws in (yan, zoe, far):
                await ws.close()
        run(scenario(), timeout=90)

    def test_a_redis_that_accepts_but_never_answers_is_not_taken_for_ready(self):
        redis, port = self.start_redis()
        self.stop_redis(redis)  # the kernel still completes TCP handshakes
        p, url = self.chat_at(f"redis://127.0.0.1:{port}")
        p.wait_line(r"^wskit: Redis \(127\.0\.0\.1:\d+\): connected, but no answer within 5 s; serving this "
                    r"process's clients alone, and reconnecting$", timeout=15)
        self.assertNotIn("sharing rooms", "\n".join(p.seen["stderr"]))
        redis.signal(signal.SIGCONT)
        p.wait_line(f"^wskit: Redis at 127.0.0.1:{port} is back: sharing rooms again$", timeout=15)


if __name__ == "__main__":
    main()
