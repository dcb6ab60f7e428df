"""What a new user trips on at the command line: usage errors in one line, with
exit 2 and a pointer to the help of the command being typed; close codes and
reasons that cannot be sent; output formats that disagree; --cert without
--key; handshake headers that have a flag of their own; man pages that list
only what applies to their command; and the README's examples, run as
written."""
import json
import os
import re
import shutil
import subprocess
import tempfile

from harness import SOURCE_DIR, WSKIT, TestCase, main

# Nothing listens here: a usage error must be found before any connection.
NOWHERE = "ws://127.0.0.1:9/"


class UsageErrors(TestCase):
    def assertUsageError(self, args, *fragments):
        r = self.wskit(*args)
        self.assertExit(r, 2)
        self.assertEqual(r.stdout, b"")
        lines = r.stderr.decode(errors="replace").splitlines()
        self.assertEqual(len(lines), 1, f"one line expected: {lines!r}")
        self.assertTrue(lines[0].startswith("wskit: "), lines[0])
        self.assertLess(len(lines[0]), 250, lines[0])
        for fragment in fragments:
            self.assertIn(fragment, lines[0])
        return lines[0]

    def test_negative_wait_is_one_short_line(self):
        self.assertUsageError(["connect", "-w", "-1", NOWHERE], "--wait", "'-1'",
                              "(see 'wskit connect --help')")
        self.assertUsageError(["c", "--timeout", "-2", NOWHERE], "--timeout", "(see 'wskit connect --help')")
        self.assertUsageError(["connect", "--count", "-1", NOWHERE], "--count", "whole number")

    def test_close_codes_that_must_not_be_sent(self):
        for code in ("1005", "1006", "1015", "1004", "2000", "999", "5000"):
            with self.subTest(code=code):
                self.assertUsageError(["connect", "--close-code", code, "-x", "hi", NOWHERE],
                                      f"--close-code: {code} ", "1000-1003, 1007-1014 or 3000-4999",
                                      "(see 'wskit connect --help')")

    def test_close_reason_over_123_bytes_or_not_utf8(self):
        self.assertUsageError(["connect", "--close-reason", "é" * 62, NOWHERE], "124 bytes", "123")
        r = subprocess.run([WSKIT, "connect", "--close-reason", b"bad \xff", NOWHERE], capture_output=True,
                           timeout=30)
        self.assertExit(r, 2)
        self.assertIn(b"not valid UTF-8", r.stderr)

    def test_output_formats_that_disagree(self):
        self.assertUsageError(["connect", "--json", "--raw", NOWHERE], "--raw and --json",
                              "(see 'wskit connect --help')")
        self.assertUsageError(["connect", "--output", "human", "--json", NOWHERE], "--output human and --json")
        self.assertUsageError(["echo", "--raw", "--json"], "(see 'wskit echo --help')")

    def test_echo_cert_and_key_come_together(self):
        tmp = tempfile.mkdtemp(prefix="wskit-cli-")
        self.addCleanup(shutil.rmtree, tmp, True)
        cert = os.path.join(tmp, "cert.pem")
        with open(cert, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
        self.assertUsageError(["echo", "--cert", cert, "0"], "--cert needs --key", "cert.pem",
                              "(see 'wskit echo --help')")
        self.assertUsageError(["echo", "--key", cert, "0"], "--key needs --cert")

    def test_unknown_command_is_named(self):
        line = self.assertUsageError(["lisen", "--help"])
        self.assertEqual(line, "wskit: unknown command 'lisen'; did you mean 'listen'? (see 'wskit --help')")
        line = self.assertUsageError(["conect", NOWHERE])
        self.assertEqual(line, "wskit: unknown command 'conect'; did you mean 'connect'? (see 'wskit --help')")

    def test_bad_url_points_to_the_command_help(self):
        self.assertUsageError(["connect", "ftp://127.0.0.1/"], "(see 'wskit connect --help')")
        self.assertUsageError(["connect", "--bogus", NOWHERE], "--bogus", "(see 'wskit connect --help')")

    def test_no_arguments_prints_the_help_and_exits_2(self):
        r = self.wskit()
        self.assertExit(r, 2)
        self.assertEqual(r.stdout, b"", "stdout may be a pipeline's data")
        err = r.stderr.decode()
        self.assertEqual(err, self.wskit("--help").stdout.decode())
        for command in ("connect", "listen", "echo", "broadcast-chat", "handshake-inspect", "bench"):
            self.assertIn(command, err)

    def test_help_still_exits_0(self):
        for args in (["--help"], ["connect", "--help"], ["c", "-h"], ["echo", "--help"], ["--version"]):
            with self.subTest(args=args):
                r = self.wskit(*args)
                self.assertExit(r, 0)
                self.assertTrue(r.stdout)


class Sending(TestCase):
    def test_sendable_close_code_and_a_123_byte_reason_arrive_whole(self):
        peer, url = self.start_python_peer("py_server.py")
        reason = "r" * 123
        r = self.wskit("connect", "--close-code", "1012", "--close-reason", reason, "-x", "hi", url)
        self.assertExit(r, 0)
        peer.wait_line(rf"^closed code=1012 reason={reason}$")

    def test_subprotocol_header_gets_a_hint_and_is_sent(self):
        tmp = tempfile.mkdtemp(prefix="wskit-cli-")
        self.addCleanup(shutil.rmtree, tmp, True)
        record = os.path.join(tmp, "requests.jsonl")
        _, url = self.start_python_peer("py_server.py", "--record", record)
        r = self.wskit("connect", "-H", "Sec-WebSocket-Protocol: chat", "-x", "hi", url)
        self.assertExit(r, 0)
        stderr = r.stderr.decode(errors="replace")
        self.assertRegex(stderr, r"(?m)^wskit: warning: -H 'Sec-WebSocket-Protocol: chat': use -s chat ")
        with open(record) as f:
            headers = json.loads(f.readline())["headers"]
        self.assertIn("chat", [v for k, v in headers if k.lower() == "sec-websocket-protocol"])

    def test_no_hint_without_such_a_header(self):
        _, url = self.start_python_peer("py_server.py")
        r = self.wskit("connect", "-H", "X-Token: 1", "-x", "hi", url)
        self.assertExit(r, 0)
        self.assertNotIn(b"warning", r.stderr)


class ManPages(TestCase):
    def man(self, page):
        r = self.wskit("generate", "man", page)
        self.assertExit(r, 0)
        return r.stdout.decode()

    @staticmethod
    def exit_codes(page):
        section = page.split(".SH EXIT STATUS", 1)[1].split("\n.SH ", 1)[0]
        return [int(code) for code in re.findall(r"(?m)^\.B (\d+)$", section)]

    def test_echo_page_lists_only_what_applies_to_echo(self):
        page = self.man("echo")
        self.assertNotIn("input modes", page)
        self.assertNotIn("slash commands", page)
        self.assertNotIn("\\-\\-slash", page)
        self.assertEqual(self.exit_codes(page), [1, 2, 4, 130, 143])

    def test_connect_page_keeps_everything(self):
        page = self.man("connect")
        self.assertIn("input modes, slash commands", page)
        self.assertEqual(self.exit_codes(page), [0, 1, 2, 3, 4, 5, 6, 7, 130, 143])
        self.assertEqual(self.exit_codes(self.man("wskit")), [0, 1, 2, 3, 4, 5, 6, 7, 130, 143])


class Readme(TestCase):
    def test_pipeline_example_returns_every_line(self):
        with open(os.path.join(SOURCE_DIR, "README.md")) as f:
            readme = f.read()
        match = re.search(r"^(seq 1 100000 \| wskit connect ws://127\.0\.0\.1:9000/ > echoes\.txt)", readme, re.M)
        self.assertIsNotNone(match, "the README's pipeline example changed: update this test")
        self.assertRegex(readme, r"(?m)^wskit echo 9000 &")
        _, url = self.start_wskit_server("echo", "0")
        tmp = tempfile.mkdtemp(prefix="wskit-readme-")
        self.addCleanup(shutil.rmtree, tmp, True)
        command = match.group(1).replace("ws://127.0.0.1:9000/", url).replace("wskit ", f"'{WSKIT}' ", 1)
        r = subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], cwd=tmp, capture_output=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        with open(os.path.join(tmp, "echoes.txt")) as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), 100000)
        self.assertEqual(lines, [str(i) for i in range(1, 100001)])


if __name__ == "__main__":
    main()
