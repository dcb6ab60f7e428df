"""wskit broadcast-chat --redis at the edges: a Redis that refuses the
password or the database (the connection given up from inside hiredis'
reply callback, then tried again), and chat processes that end cleanly on
SIGTERM whatever state their connections are in (under the sanitizers,
their shutdown is checked)."""
from harness import TestCase, main
from test_chat_redis import RedisServers, http_get


class RedisEdges(RedisServers, TestCase):
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
