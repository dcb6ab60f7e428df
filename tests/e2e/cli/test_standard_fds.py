"""wskit started with a standard descriptor closed (as some supervisors and
scripts do) must not read or write its connection through that number."""
import subprocess

from harness import WSKIT, TestCase, main


class ClosedStandardDescriptors(TestCase):
    def run_shell(self, script, url):
        return subprocess.run(["bash", "-c", script, "sh", WSKIT, url], capture_output=True, timeout=20)

    def test_closed_stdin_is_an_empty_input(self):
        _, url = self.start_wskit_server("echo", "0")
        r = self.run_shell('exec "$1" connect --json "$2" <&-', url)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(b"Bad file descriptor", r.stderr)
        events = r.stdout.decode().splitlines()
        self.assertIn('"event":"open"', events[0])
        self.assertFalse(any('"event":"message"' in e for e in events), events)

    def test_closed_stdout_still_sends_and_closes_cleanly(self):
        server, url = self.start_wskit_server("echo", "0", "--log", "--output", "raw")
        r = self.run_shell('echo hello | "$1" connect "$2" >&-', url)
        self.assertEqual(r.returncode, 0, r.stderr)
        server.wait_line("^hello$", stream="stdout")


if __name__ == "__main__":
    main()
