"""wskit proxy's command line: bad option values and a missing UPSTREAM are
refused with one line on stderr that starts with 'wskit: ' and exit status
2, before anything listens; options may come before the positionals."""
from harness import main
from proxy_support import ProxyCase

UPSTREAM = "ws://127.0.0.1:9/"


class BadInput(ProxyCase):
    def test_bad_values_exit_2_with_one_line(self):
        cases = [
            (["--leg", "sideways", "0", UPSTREAM], r"--leg"),
            (["--delay", "abc", "0", UPSTREAM], r"--delay 'abc'"),
            (["--delay", "5±10", "0", UPSTREAM], r"--delay '5±10'"),  # a jitter over the delay
            (["--delay", "5+-10", "0", UPSTREAM], r"--delay '5\+-10'"),
            (["--delay", "100±", "0", UPSTREAM], r"--delay '100±'"),
            (["--close-after", "0", "0", UPSTREAM], r"--close-after '0'"),
            (["--close-after", "3:999", "0", UPSTREAM], r"--close-after '3:999'.*999"),
            (["--close-after", "3:1005", "0", UPSTREAM], r"--close-after '3:1005'.*1005"),
            (["--close-after", "soon", "0", UPSTREAM], r"--close-after 'soon'"),
            (["--close-after", "0s", "0", UPSTREAM], r"--close-after '0s'"),
            (["--close-after", "1e3s", "0", UPSTREAM], r"--close-after '1e3s'"),
            (["--kill-after", "0x10s", "0", UPSTREAM], r"--kill-after '0x10s'"),
            (["--close-after", "3:4000:" + "x" * 124, "0", UPSTREAM], r"--close-after .*123 bytes"),
            (["--kill-after", "0", "0", UPSTREAM], r"--kill-after '0'"),
            (["--kill-after", "2:4000", "0", UPSTREAM], r"--kill-after '2:4000'"),
            (["--throttle", "fast", "0", UPSTREAM], r"--throttle"),
            (["--drop-every", "-1", "0", UPSTREAM], r"--drop-every"),
            (["--upstream-compress", "--no-upstream-compress", "0", UPSTREAM], r"contradict"),
            (["0", "ftp://127.0.0.1/"], r"invalid URL 'ftp://127\.0\.0\.1/'"),
            ([], r"proxy needs the server to forward to"),
            (["--once"], r"proxy needs the server to forward to"),
        ]
        for args, says in cases:
            with self.subTest(args=args):
                r = self.wskit("proxy", *args, timeout=10)
                self.assertExit(r, 2)
                lines = r.stderr.decode().splitlines()
                self.assertEqual(len(lines), 1, lines)
                self.assertRegex(lines[0], r"^wskit: .*" + says)
                self.assertEqual(r.stdout, b"")

    def test_options_before_the_positionals(self):
        # -H before [PORT] UPSTREAM takes one value, as --origin does: the
        # positionals stay positionals.
        server, server_url = self.upstream()
        for args in (["--origin", "https://app.test"], ["-H", "X-Before: 1"]):
            with self.subTest(args=args):
                px, url = self.start_wskit_server("proxy", *args, "0", server_url)
                px.wait_line(r"^forwarding to %s$" % server_url)


if __name__ == "__main__":
    main()
