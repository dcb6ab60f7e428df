"""wskit broadcast-chat --redis under Redis' faults, each made real on a
redis-server: stopped (SIGSTOP) while a client floods, so that only its
silence tells (detected, degraded, local delivery at once, the flooder
paused meanwhile and memory bounded); stopped before the chat connects
(the kernel still accepts the connection: not taken for ready); stopped
longer than the presence TTL (nobody leaves and joins again, a process
that really died meanwhile is announced); killed and restarted empty
while a client talks at 400 messages a second (every message either
delivered or counted as lost); and a subscriber connection whose messages
stop coming while the other still answers."""
import asyncio
import signal
import socket
import threading
import time

import websockets

from harness import SANITIZED, TestCase, main, rss_bytes
from test_redis import RedisServers, greeted, http_get, knows, lines_until, metrics, run


async def until(condition, what, timeout=15):
    """Waits for `condition()` (a probe of the process's state, through
    /metrics or /healthz) to hold, checking every 50 ms."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


class StoppedRedis(RedisServers, TestCase):
    def stop_redis(self, redis):
        redis.signal(signal.SIGSTOP)
        self.addCleanup(redis.signal, signal.SIGCONT)  # before it is killed

    def test_a_stopped_redis_is_detected_and_a_flood_costs_bounded_memory(self):
        redis, port = self.start_redis()
        p, url = self.chat(port, "--rate", "0")
        _, other = self.chat(port)
        payload = "x" * 60000

        async def scenario():
            flooder = await websockets.connect(url + "f?name=flood")
            yan = await websockets.connect(url + "g?name=yan")
            zoe = await greeted(url, "/g", "zoe")
            far = await greeted(other, "/g", "far")
            # Both joins come through Redis, from two processes: in either order.
            joins = {"* zoe joined", "* far joined"}
            while joins:
                joins.discard(await asyncio.wait_for(yan.recv(), 15))
            self.stop_redis(redis)
            base = rss_bytes(p.proc.pid)
            peak = base
            flooding = True

            async def flood():
                while flooding:
                    await flooder.send(payload)
            flood_task = asyncio.create_task(flood())
            # Before Redis is taken for gone: what waits for it is bounded, and the
            # flooder is not read meanwhile.
            await until(lambda: metrics(url)["wskit_chat_redis_paused_clients"] == 1, "the flooder paused")
            m = metrics(url)
            self.assertGreater(m["wskit_chat_redis_unanswered_bytes"], 4 << 20)
            self.assertLess(m["wskit_chat_redis_unanswered_bytes"], 32 << 20)
            await zoe.send("said while Redis stops")
            p.wait_line(r"^wskit: Redis \(127\.0\.0\.1:\d+\): no answer within 3 s; serving this process's clients "
                        r"alone, and reconnecting$", timeout=10)
            # Taken for gone: what zoe said reaches yan now, and what she says now at once.
            self.assertEqual(await asyncio.wait_for(yan.recv(), 2), "zoe: said while Redis stops")
            await zoe.send("and now")
            self.assertEqual(await asyncio.wait_for(yan.recv(), 2), "zoe: and now")
            status, body = http_get(url, "/healthz")
            self.assertEqual(status, 200)
            # Its reconnection may have begun meanwhile (on a slow machine), with
            # a wording of its own: still no answer.
            self.assertRegex(body, r"^degraded: Redis \(127\.0\.0\.1:\d+\): (connected, but )?no answer within \d s; "
                                   r"serving this process's clients alone")
            m = metrics(url)
            self.assertEqual(m["wskit_chat_redis_up"], 0)
            self.assertEqual(m["wskit_chat_redis_state[state=degraded]"], 1)
            self.assertEqual(m["wskit_chat_redis_stalls_total"], 1)
            self.assertEqual(m["wskit_chat_redis_paused_clients"], 0)  # read again: its messages go to the outbox
            # The flood goes on, into the bounded outbox; the reconnections meet a
            # Redis that accepts connections but answers nothing.
            sent_before = metrics(url)["wskit_chat_messages_received_total"]
            deadline = time.monotonic() + 4
            while time.monotonic() < deadline:
                peak = max(peak, rss_bytes(p.proc.pid))
                await asyncio.sleep(0.1)
            flooded = metrics(url)["wskit_chat_messages_received_total"] - sent_before
            self.assertGreater(flooded, 100, "the flooder was not read")
            if not SANITIZED:  # unbounded, it grew by about 100 MB a second
                self.assertLess(peak - base, 100 << 20, f"RSS grew from {base >> 20} to {peak >> 20} MB")
            self.assertRegex(http_get(url, "/healthz")[1], r"^degraded: Redis \(127\.0\.0\.1:\d+\): (no answer within 3 s|connected, but no answer within 5 s);")
            flooding = False
            await flood_task
            redis.signal(signal.SIGCONT)
            p.wait_line("is back: sharing rooms again", timeout=15)
            await zoe.send("shared again")
            await lines_until(far, "zoe: shared again", timeout=10)
            for ws in (flooder, yan, zoe, far):
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

    def test_a_stop_longer_than_the_presence_ttl_makes_nobody_leave_and_join_again(self):
        redis, port = self.start_redis()
        fast = ("--presence-ttl", "2", "--redis-timeout", "1")
        (pa, url_a), (pb, url_b), (pc, url_c) = (self.chat(port, *fast) for _ in range(3))

        async def scenario():
            alice = await greeted(url_a, "/p", "alice")
            bob = await greeted(url_b, "/p", "bob")
            carl = await greeted(url_c, "/p", "carl")
            await lines_until(alice, "* carl joined")
            await lines_until(bob, "* carl joined")
            # A process that loaded the room just before another's join was
            # stored learns of it at its next look at the presence entries:
            # everyone is known everywhere before Redis stops.
            for ws in (alice, bob):
                await knows(ws, "/p", {"alice", "bob", "carl"})
            self.stop_redis(redis)
            for p in (pa, pb, pc):
                p.wait_line("serving this process's clients alone", timeout=10)
            pc.signal(signal.SIGKILL)  # carl's process dies while nobody can tell
            carl.transport.abort()
            await asyncio.sleep(3)  # longer than the presence TTL: every entry expires
            redis.signal(signal.SIGCONT)
            for p in (pa, pb):
                p.wait_line("is back: sharing rooms again", timeout=15)
            # The one real change is announced (once every live process has had
            # the TTL to say again who it serves), and nothing else before it.
            self.assertEqual(await lines_until(alice, "* carl left", timeout=15), ["* carl left"])
            self.assertEqual(await lines_until(bob, "* carl left", timeout=15), ["* carl left"])
            await bob.send("still here")
            self.assertEqual(await asyncio.wait_for(alice.recv(), 5), "bob: still here")
            await alice.send("/who")
            self.assertEqual(await asyncio.wait_for(alice.recv(), 5), "* online in /p (2): alice, bob")
            for ws in (alice, bob):
                await ws.close()
        run(scenario(), timeout=90)


class RedisProxy:
    """A TCP relay to Redis that can stop bringing back what Redis sends on
    the connections that have subscribed so far (a link dead in one
    direction); later connections are relayed whole."""

    def __init__(self, test, redis_port):
        self.redis_port = redis_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets = [self.listener]
        self.subscribers = []  # one dict per connection that sent PSUBSCRIBE
        test.addCleanup(self.close)
        threading.Thread(target=self.accept, daemon=True).start()

    def freeze_subscribers(self):
        for s in self.subscribers:
            s["frozen"] = True

    def accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.redis_port))
            self.sockets += [client, upstream]
            state = {"frozen": False}
            threading.Thread(target=self.pump, args=(client, upstream, state, True), daemon=True).start()
            threading.Thread(target=self.pump, args=(upstream, client, state, False), daemon=True).start()

    def pump(self, src, dst, state, to_redis):
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                return
            if not data:
                return
            if to_redis and b"PSUBSCRIBE" in data:
                self.subscribers.append(state)
            if not to_redis and state["frozen"]:
                continue  # dropped: this connection hears nothing more
            try:
                dst.sendall(data)
            except OSError:
                return

    def close(self):
        for s in self.sockets:
            try:
                s.close()
            except OSError:
                pass


class DeafSubscriber(RedisServers, TestCase):
    def test_a_subscriber_connection_that_hears_nothing_is_given_up(self):
        _, port = self.start_redis()
        proxy = RedisProxy(self, port)
        p, url = self.chat_at(f"redis://127.0.0.1:{proxy.port}", "--redis-timeout", "1")
        p.wait_line("sharing rooms through Redis")
        _, other = self.chat(port)

        async def scenario():
            ann = await greeted(url, "/d", "ann")
            bob = await websockets.connect(other + "d?name=bob")
            await lines_until(ann, "* bob joined")
            proxy.freeze_subscribers()
            # Commands are still answered; only the heartbeat that does not come
            # back tells that the rooms' messages do not either.
            p.wait_line(rf"^wskit: Redis \(127\.0\.0\.1:{proxy.port}\): no message within 1 s; serving this "
                        r"process's clients alone, and reconnecting$", timeout=10)
            self.assertEqual(metrics(url)["wskit_chat_redis_stalls_total"], 1)
            p.wait_line("is back: sharing rooms again", timeout=15)
            await bob.send("heard again")
            await lines_until(ann, "bob: heard again")
            await ann.close()
            await bob.close()
        run(scenario(), timeout=60)


class RestartedRedis(RedisServers, TestCase):
    def test_a_restart_delivers_or_counts_every_message(self):
        redis, port = self.start_redis()
        (pa, url_a), (pb, url_b) = self.chat(port, "--rate", "0"), self.chat(port, "--rate", "0")
        total = 3000

        async def scenario():
            nonlocal redis
            here = await greeted(url_a, "/x", "here")
            there = [await greeted(url_b, "/x", f"t{i}") for i in range(2)]
            sender = await websockets.connect(url_a + "x?name=s")
            for ws in (here, *there):
                await lines_until(ws, "* s joined")
            received = {ws: [] for ws in [here, *there]}

            async def read(ws):
                async for line in ws:
                    if line.startswith("s: m"):
                        received[ws].append(int(line[4:]))
                    if line == "s: end":
                        return
            readers = [asyncio.create_task(read(ws)) for ws in received]
            start = time.monotonic()
            killed_at = None
            for i in range(total):
                if i == 500:
                    redis.signal(signal.SIGKILL)
                    killed_at = i
                # 1500 said while Redis is gone: more than the outbox keeps.
                if killed_at is not None and i == killed_at + 1500:
                    redis.wait()
                    redis, _ = self.start_redis(port)  # empty, as after a restart
                    killed_at = None
                await sender.send(f"m{i}")
                await asyncio.sleep(max(0, start + (i + 1) / 400 - time.monotonic()))
            for p in (pa, pb):
                p.wait_line("is back: sharing rooms again", timeout=15)
            await sender.send("end")  # after everything, on every process
            await asyncio.wait_for(asyncio.gather(*readers), 30)
            return received, here, there

        received, here, there = run(scenario(), timeout=120)
        self.assertEqual(received[here], list(range(total)), "the sender's own process lost some")
        lost_b = metrics(url_b)["wskit_chat_redis_lost_total"]
        self.assertGreater(lost_b, 0, "the outbox kept everything: no loss to count")
        for ws in there:
            got = received[ws]
            self.assertEqual(got, sorted(set(got)), "out of order or twice")
            self.assertEqual(len(got) + lost_b, total,
                             f"{len(got)} delivered and {lost_b} counted as lost, of {total}")
        # The sender's outbox dropped some of them; the others were said while
        # the second process was not back yet, and not in the history since.
        self.assertLessEqual(metrics(url_a)["wskit_chat_redis_outbox_dropped_total"], lost_b)


if __name__ == "__main__":
    main()
