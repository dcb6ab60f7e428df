"""What wskit connect asks for, as users write it: a bare port (9000, :9000)
is ws://127.0.0.1:9000/, as `listen 9000` serves, for inspect too, and
errors name the host and port actually tried."""
import os
import socket

from harness import TestCase, free_port, main, port_of

ENV = {k: v for k, v in os.environ.items()
       if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}


class BarePort(TestCase):
    def test_a_bare_port_is_on_127_0_0_1(self):
        _, url = self.start_wskit_server("echo", "0")
        port = port_of(url)
        for target in (str(port), f":{port}", f"{port}/some/path"):
            with self.subTest(target=target):
                r = self.wskit("connect", "--json", "-x", "hi", target, env=ENV)
                self.assertExit(r, 0)
                self.assertIn(f'"url":"ws://127.0.0.1:{port}/'.encode(), r.stdout)
                self.assertIn(b'"dir":"in","opcode":"text","text":"hi"', r.stdout)
        r = self.wskit("inspect", str(port), env=ENV)
        self.assertExit(r, 0)

    def test_errors_name_the_port_tried(self):
        dead = free_port()
        r = self.wskit("connect", "-x", "hi", str(dead), env=ENV)
        self.assertExit(r, 3)
        self.assertEqual(r.stderr.decode().splitlines(),
                         [f"wskit: cannot connect to 127.0.0.1:{dead}: connection refused "
                          "(is the server running, on that port?)"])
        r = self.wskit("connect", "-x", "hi", "65536", env=ENV)
        self.assertExit(r, 2)
        self.assertIn("bad port '65536'", r.stderr.decode())

    def test_the_default_port_is_named_too(self):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", 80)) == 0:
                self.skipTest("something listens on port 80 here")
        r = self.wskit("connect", "-x", "hi", "ws://127.0.0.1/", env=ENV)
        self.assertExit(r, 3)
        self.assertRegex(r.stderr.decode(), r"^wskit: cannot connect to 127\.0\.0\.1:80: ")


if __name__ == "__main__":
    main()
