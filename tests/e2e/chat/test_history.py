"""wskit broadcast-chat's history, bounded in bytes across rooms: with
--history-memory, live rooms full of large messages keep the newest
messages of all, the oldest rooms' going first, and a room that lost its
history still works."""
import websockets

from harness import TestCase, main
from test_redis import greeted, lines_until, run


class HistoryMemory(TestCase):
    def test_the_oldest_history_goes_first_past_history_memory(self):
        # 8 rooms of 5 messages of 20 KB (about 800 KB) in a 500 KB budget.
        _, url = self.start_wskit_server("chat", "--rate", "0", "--history-memory", "500000", "0")

        async def scenario():
            writers = []
            for room in range(8):
                ws = await greeted(url, f"/r{room}", f"w{room}")
                for i in range(5):
                    await ws.send(f"r{room}-{i} " + "h" * 20000)
                await ws.send("/who")
                await lines_until(ws, f"* online in /r{room} (1): w{room}")
                writers.append(ws)  # the rooms stay live

            async def history_of(room):
                async with websockets.connect(url + f"r{room}?name=reader", max_size=None) as ws:
                    lines = await lines_until(ws, f"* you are reader in /r{room}; /help lists the commands")
                    return [line.split(" ")[2] for line in lines if line.startswith("[history] ")]
            oldest, newest = await history_of(0), await history_of(7)
            self.assertEqual(oldest, [])
            self.assertEqual(newest, [f"r7-{i}" for i in range(5)])
            kept = [len(await history_of(room)) for room in range(8)]
            self.assertEqual(kept, sorted(kept), f"not the oldest first: {kept}")
            self.assertLess(sum(kept), 25)  # 500 KB: 24 messages of 20 KB at most
            await writers[0].send("still works")  # a room without history is a room
            await writers[0].send("/who")
            await lines_until(writers[0], "* online in /r0 (1): w0")
            for ws in writers:
                await ws.close()
        run(scenario())

if __name__ == "__main__":
    main()
