"""wskit in a real pseudo-terminal: a tmux pane on a private tmux server whose
socket lives in the test's temporary directory (send-keys / capture-pane).
Used by every test of the interactive line editor."""
import itertools
import os
import re
import shlex
import subprocess
import time

from harness import WSKIT


_names = itertools.count()


class Terminal:
    """wskit running in a tmux pane on a private tmux server, whose socket
    lives in the test's temporary directory."""

    def __init__(self, test, args, env, width=100, height=30):
        self.test = test
        name = f"tmux{next(_names)}"
        self.socket = os.path.join(test.tmp, f"{name}.sock")
        self.status_file = os.path.join(test.tmp, f"{name}.status")
        shell = (f"{shlex.join(['env', *[f'{k}={v}' for k, v in env.items()], WSKIT, *args])}; "
                 f"echo $? > {shlex.quote(self.status_file)}; exec sleep 120")
        tmux_env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
        self.tmux_env = tmux_env
        test.addCleanup(self.kill)
        self.tmux("new-session", "-d", "-s", "main", "-x", str(width), "-y", str(height), shell)

    def tmux(self, *args):
        r = subprocess.run(["tmux", "-S", self.socket, "-f", "/dev/null", *args],
                           capture_output=True, env=self.tmux_env, timeout=10)
        if r.returncode != 0:
            raise AssertionError(f"tmux {args!r} failed: {r.stderr.decode(errors='replace')}")
        return r.stdout.decode(errors="replace")

    def kill(self):
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True,
                       env=self.tmux_env, timeout=10)

    def type(self, text):
        self.tmux("send-keys", "-t", "main", "-l", text)

    def key(self, *names):
        self.tmux("send-keys", "-t", "main", *names)

    def screen(self, escapes=False):
        return self.tmux("capture-pane", "-p", *(["-e"] if escapes else []), "-t", "main")

    def lines(self, joined=False):
        """The screen's rows; joined=True puts the rows of a wrapped line back together."""
        text = self.tmux("capture-pane", "-p", *(["-J"] if joined else []), "-t", "main")
        lines = [line.rstrip() for line in text.splitlines()]
        while lines and not lines[-1]:
            lines.pop()
        return lines

    def cursor(self):
        x, y = self.tmux("display-message", "-p", "-t", "main", "#{cursor_x} #{cursor_y}").split()
        return int(x), int(y)

    def wait_for(self, check, what, timeout=10, joined=False):
        """Polls the screen until check(lines) is true."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.lines(joined)
            if check(lines):
                return lines
            if time.monotonic() > deadline:
                raise AssertionError(f"the screen never showed {what}; it shows:\n" + "\n".join(lines))
            time.sleep(0.05)

    def wait_line(self, regex, timeout=10):
        r = re.compile(regex)
        return self.wait_for(lambda lines: any(r.search(line) for line in lines), repr(regex), timeout)

    def wait_last_line(self, text, timeout=10):
        # capture-pane has no trailing blanks: the empty prompt is ">".
        return self.wait_for(lambda lines: bool(lines) and lines[-1] == text.rstrip(),
                             f"{text!r} as its last line", timeout)

    def wait_exit(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open(self.status_file) as f:
                    content = f.read().strip()
                if content:
                    return int(content)
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        raise AssertionError("wskit did not exit; the screen shows:\n" + "\n".join(self.lines()))
