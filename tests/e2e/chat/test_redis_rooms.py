"""wskit broadcast-chat --redis and what Redis holds: a process reads a room
only when its first client arrives there (nothing scans the keys, and a
process without clients stays small whatever the others serve), every key
expires (a room's history --history-ttl after its last message), /rooms
lists the rooms of every process, and what is read from Redis (events on
the channels, history lists, presence entries) passes the checks a
client's message passes."""
import asyncio
import json
import time

import websockets

from harness import SANITIZED, TestCase, main, rss_bytes
from test_redis import RedisServers, RespClient, greeted, knows, lines_until, metrics, run


def event(**fields):
    """A room event as a chat process publishes it (version 2), with `fields`."""
    e = {"v": 2, "type": "message", "room": "/e", "from": "mallory", "ts": int(time.time() * 1e6), "id": 1,
         "origin": "elsewhere:1:ab", "conn": 1, "text": "hello", "seq": 1, "epoch": 1}
    e.update(fields)
    return json.dumps(e)


class RoomsOnDemand(RedisServers, TestCase):
    def test_a_process_reads_only_the_rooms_its_clients_are_in(self):
        _, port = self.start_redis()
        redis = RespClient(self, port)
        (pa, url_a), (pb, _) = self.chat(port, "--rate", "0"), self.chat(port)
        base_a, base_b = rss_bytes(pa.proc.pid), rss_bytes(pb.proc.pid)
        rooms, said = 300, 20

        async def fill(i):
            async with websockets.connect(url_a + f"r{i}?name=f", max_size=None) as ws:
                await lines_until(ws, f"* you are f in /r{i}; /help lists the commands")
                for j in range(said):
                    await ws.send(f"{j} " + "y" * 16000)
                await ws.send("/who")  # answered after all of them went out
                await lines_until(ws, f"* online in /r{i} (1): f")

        async def crowd():
            limit = asyncio.Semaphore(20)

            async def one(i):
                async with limit:
                    await fill(i)
            await asyncio.gather(*(one(i) for i in range(rooms)))
        run(crowd(), timeout=180)
        # 96 MB said in rooms nobody is in any more: Redis has it, the processes not.
        if not SANITIZED:
            for p, base, name in ((pa, base_a, "the process that served them"), (pb, base_b, "the other")):
                grown = rss_bytes(p.proc.pid) - base
                self.assertLess(grown, 40 << 20, f"{name} grew by {grown >> 20} MB")
        # A process started now reads nothing before it shares, and a room
        # when its first client arrives.
        pc, url_c = self.chat(port)

        async def newcomer():
            async with websockets.connect(url_c + "r7?name=new", max_size=None) as ws:
                lines = await lines_until(ws, "* you are new in /r7; /help lists the commands")
                history = [line for line in lines if line.startswith("[history] f: ")]
                self.assertEqual([line.split(" ")[2] for line in history], [str(j) for j in range(said)])
        run(newcomer())
        stats = redis.command("INFO", "commandstats").decode()
        self.assertNotIn("cmdstat_keys:", stats)
        self.assertNotIn("cmdstat_scan:", stats)

    def test_every_key_expires_and_history_goes_after_its_ttl(self):
        _, port = self.start_redis()
        redis = RespClient(self, port)
        # 3 s: from the message to the look at its key is milliseconds, even
        # on a busy machine.
        _, url = self.chat(port, "--history-ttl", "3", "--presence-ttl", "6")

        async def say():
            async with websockets.connect(url + "t?name=ann") as ann, \
                       websockets.connect(url + "t?name=cy") as cy:
                await lines_until(ann, "* you are ann in /t; /help lists the commands")
                await lines_until(cy, "* you are cy in /t; /help lists the commands")
                # A line reaches even the clients of its own process through
                # Redis, after the commands that store it: once it is here,
                # so are the keys.
                await ann.send("soon gone")
                await lines_until(cy, "ann: soon gone")
                for key, ttl in (("history:/t", 3000), ("seq:/t", 3000), ("presence:/t", 6000), ("rooms", 6000)):
                    left = redis.command("PTTL", f"wskit:chat:{key}")
                    self.assertTrue(0 < left <= ttl, f"{key}: PTTL {left}")
        run(say())
        deadline = time.monotonic() + 10
        while redis.command("EXISTS", "wskit:chat:history:/t"):
            self.assertLess(time.monotonic(), deadline, "the history did not expire")
            time.sleep(0.05)

        async def later():
            async with websockets.connect(url + "t?name=bob") as bob:
                lines = await lines_until(bob, "* you are bob in /t; /help lists the commands")
                self.assertEqual(lines, ["* online in /t (1): bob", "* you are bob in /t; /help lists the commands"])
        run(later())

    def test_rooms_lists_the_rooms_of_every_process(self):
        _, port = self.start_redis()
        (_, url_a), (_, url_b) = self.chat(port), self.chat(port)

        async def scenario():
            ann = await greeted(url_a, "/a", "ann")
            bob = await greeted(url_b, "/b", "bob")
            carl = await greeted(url_b, "/a", "carl")
            await knows(carl, "/a", {"ann", "carl"})  # its process may hear of ann after the greeting
            await lines_until(ann, "* carl joined")
            await ann.send("/rooms")
            self.assertEqual(await ann.recv(), "* rooms: /a (2), /b (1)")
            await bob.close()
            deadline = time.monotonic() + 10
            while metrics(url_b)["wskit_chat_clients"] != 1:  # bob's leave is through
                self.assertLess(time.monotonic(), deadline)
                await asyncio.sleep(0.05)
            await carl.send("/rooms")
            self.assertEqual(await carl.recv(), "* rooms: /a (2)")
            await ann.close()
            await carl.close()
        run(scenario())

    def test_presence_ttl_must_leave_room_for_the_timeout(self):
        r = self.wskit("chat", "--redis", "redis://127.0.0.1:6379", "--presence-ttl", "3", "--redis-timeout", "2",
                       "0")
        self.assertExit(r, 2)
        self.assertIn(b"--presence-ttl must be more than 1.5 times --redis-timeout", r.stderr)


class WhatRedisHolds(RedisServers, TestCase):
    def test_events_from_redis_are_checked_like_a_clients_message(self):
        _, port = self.start_redis()
        p, url = self.chat(port, "--max-size", "1000")
        redis = RespClient(self, port)
        refused = [
            event(text="\x1b[2J\x1b]0;pwned\x07"),          # escape sequences for the terminal
            event(**{"from": "ev\x1bil"}),                  # ... in the name
            event(text="z" * (20 << 20)),                   # 20 MB
            event(text="z" * 1001),                         # over --max-size
            event(room="/elsewhere"),                       # another room than its channel's
            event(v=1),                                     # not a version that numbers messages
            event(type="join", text="hi"),                  # a join with a text
            "not json",
        ]

        async def scenario():
            carol = await greeted(url, "/e", "carol", max_size=None)
            redis.command("PUBLISH", "wskit:chat:room:/e", event(text="hello"))
            for payload in refused:
                redis.command("PUBLISH", "wskit:chat:room:/e", payload)
            redis.command("PUBLISH", "wskit:chat:room:/e", event(text="end", id=2, seq=2))
            self.assertEqual(await lines_until(carol, "mallory: end"), ["mallory: hello", "mallory: end"])
            await carol.close()
        run(scenario(), timeout=60)
        self.assertEqual(metrics(url)["wskit_chat_redis_rejected_total"], len(refused))
        said = [line for line in p.seen["stderr"] if "ignoring an event in Redis" in line]
        self.assertEqual(said, ["wskit: ignoring an event in Redis (wskit:chat:room:/e): a text with control "
                                "characters; others are counted in wskit_chat_redis_rejected_total. Whoever can "
                                "write to this Redis can speak in every room: give it a password "
                                "(redis://:PASSWORD@HOST)"])
        self.assertFalse([line for line in p.seen["stdout"] if "\x1b" in line])

    def test_history_lists_and_presence_entries_are_checked_too(self):
        _, port = self.start_redis()
        _, url = self.chat(port)
        redis = RespClient(self, port)
        future = int(time.time() * 1000) + 600000
        # LPUSH: newest first.
        redis.command("LPUSH", "wskit:chat:history:/h", event(room="/h", text="first", id=1, seq=1),
                      event(room="/h", text="\x1b[31mred", id=2, seq=2), event(room="/h", text="last", id=3, seq=3))
        redis.command("HSET", "wskit:chat:presence:/h", "elsewhere:1:ab/1",
                      json.dumps({"name": "zed", "expires": future}), "elsewhere:1:ab/2",
                      json.dumps({"name": "\x1b[2J", "expires": future}), "bad", "junk")

        async def scenario():
            async with websockets.connect(url + "h?name=dave") as dave:
                lines = await lines_until(dave, "* you are dave in /h; /help lists the commands")
                self.assertEqual(lines, ["[history] mallory: first", "[history] mallory: last",
                                         "* online in /h (2): zed, dave",
                                         "* you are dave in /h; /help lists the commands"])
        run(scenario())
        self.assertEqual(metrics(url)["wskit_chat_redis_rejected_total"], 3)


if __name__ == "__main__":
    main()
