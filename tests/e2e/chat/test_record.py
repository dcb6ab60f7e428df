"""wskit broadcast-chat --record FILE, with Python websockets clients: the
recording is the server's (role "server"); each client's HAR entry has what
it said as "send" and what the room told it as "receive", and the NDJSON has
each delivery to each receiver as an outgoing message of its own."""
import asyncio
import os
import signal
import tempfile

import websockets

from harness import TestCase, main
from record_support import har_messages, messages, read_har, read_ndjson


async def chat(url):
    """ann says hello once bob is in the room; both read until they have
    heard it."""
    async with websockets.connect(url + "room?x=1") as bob, websockets.connect(url + "room") as ann:
        await ann.send("/nick ann")
        async def until(ws, text):
            while True:
                got = await ws.recv()
                if text in got:
                    return got
        await until(ann, "you are now known as ann")
        await ann.send("hello")
        return await until(bob, "hello")


class ChatRecord(TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="wskit-record-chat-")
        self.addCleanup(lambda: os.system(f"rm -rf '{self.dir}'"))

    def record(self, name):
        path = os.path.join(self.dir, name)
        p, url = self.start_wskit_server("broadcast-chat", "--record", path, "0")
        heard = asyncio.run(asyncio.wait_for(chat(url), 20))
        self.assertIn("ann: hello", heard)
        p.signal(signal.SIGTERM)
        self.assertEqual(p.wait(), 143)
        return path

    def test_har_has_an_entry_per_client_as_it_saw_the_room(self):
        entries = read_har(self, self.record("chat.har"))
        self.assertEqual(len(entries), 2)
        bob, ann = entries
        self.assertEqual(bob["request"]["url"].split("/", 3)[3], "room?x=1")
        said = [(t, d) for t, _, d in har_messages(ann) if t == "send"]
        self.assertEqual(said, [("send", "/nick ann"), ("send", "hello")])
        self.assertIn(("receive", 1, "ann: hello"), [(t, o, d) for t, o, d in har_messages(bob) if "hello" in d])
        # The clients left first, each with 1000.
        self.assertEqual((ann["_webSocketClose"]["code"], ann["_webSocketClose"]["by"]), (1000, "client"))

    def test_ndjson_has_each_delivery_to_each_receiver(self):
        events = read_ndjson(self, self.record("chat.ndjson"), role="server")
        opens = [e for e in events if e["event"] == "open"]
        self.assertEqual(len(opens), 2)
        self.assertEqual(opens[0]["request"]["target"], "/room?x=1")
        bob, ann = opens[0]["conn"], opens[1]["conn"]
        self.assertIn(("in", "text", "hello"), messages(events, conn=ann))
        self.assertIn(("out", "text", "ann: hello"), messages(events, conn=bob))


if __name__ == "__main__":
    main()
