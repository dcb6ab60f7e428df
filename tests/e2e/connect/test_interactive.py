"""The interactive terminal of wskit connect, driven in a real pseudo-terminal
(tmux on a private socket: send-keys / capture-pane): typed lines are sent,
history recall with the up arrow survives a restart, a message arriving while
a line is half typed leaves it intact, slash commands, Ctrl-D and Ctrl-C."""
import os
import re
import shutil
import signal
import tempfile

from harness import TestCase, main
from terminal import Terminal

class Interactive(TestCase):
    def setUp(self):
        if shutil.which("tmux") is None:
            self.fail("tmux is not installed (scripts/test.sh installs it)")
        self.tmp = tempfile.mkdtemp(prefix="wskit-tty-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.state = os.path.join(self.tmp, "state")
        self.peer, self.url = self.start_python_peer("py_interactive_peer.py")

    def terminal(self, *args, width=100, **extra_env):
        env = {"TERM": "xterm", "XDG_STATE_HOME": self.state, "HOME": self.tmp,
               "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        env.update(extra_env)
        t = Terminal(self, ["connect", *args, self.url], env, width=width)
        self.peer.wait_line(r"^open$")
        # The "connected to" line is printed above the prompt: a test types
        # once it is there, so that it is not printed over a half-typed line
        # that is not the test's subject (it was, under load).
        t.wait_for(lambda lines: any("connected to" in l for l in lines), "the connected line")
        t.wait_last_line("> ")
        return t

    def enter(self, t, line):
        t.type(line)
        t.key("Enter")

    def test_typed_lines_are_sent_and_answers_shown(self):
        t = self.terminal()
        t.wait_line(rf"connected to {re.escape(self.url)}")
        self.enter(t, "hello")
        self.peer.wait_line(r"^recv text=hello$")
        lines = t.wait_line(r"^< echo: hello$")
        self.assertIn("> hello", lines)
        self.enter(t, "héllo wörld ✓")
        self.peer.wait_line(r"^recv text=héllo wörld ✓$")
        t.wait_line(r"^< echo: héllo wörld ✓$")
        t.wait_last_line("> ")
        t.key("C-d")
        self.assertEqual(t.wait_exit(), 0)
        self.peer.wait_line(r"^closed code=1000 ")

    def test_history_recall_survives_a_restart(self):
        t = self.terminal()
        for line in ("first line", "second line"):
            self.enter(t, line)
            self.peer.wait_line(rf"^recv text={line}$")
        t.wait_line(r"^< echo: second line$")
        t.key("Up")
        t.wait_last_line("> second line")
        t.key("Up")
        t.wait_last_line("> first line")
        t.key("Down")
        t.wait_last_line("> second line")
        t.key("Up")
        t.wait_last_line("> first line")
        t.key("Enter")  # the recalled line is sent as is
        self.peer.wait_line(r"^recv text=first line$")
        t.wait_last_line("> ")
        t.key("C-d")
        self.assertEqual(t.wait_exit(), 0)
        self.peer.wait_line(r"^closed code=1000 ")

        history = os.path.join(self.state, "wskit", "history")
        self.assertTrue(os.path.isfile(history), "no history file at $XDG_STATE_HOME/wskit/history")
        with open(history, errors="replace") as f:
            content = f.read()
        self.assertIn("first", content)
        self.assertIn("second", content)

        # A new session recalls the last line entered in the previous one.
        t2 = self.terminal()
        t2.key("Up")
        t2.wait_last_line("> first line")
        t2.key("Up")
        t2.wait_last_line("> second line")
        t2.key("Down")
        t2.wait_last_line("> first line")
        t2.key("Enter")
        self.peer.wait_line(r"^recv text=first line$")
        t2.wait_last_line("> ")
        t2.key("C-d")
        self.assertEqual(t2.wait_exit(), 0)

    def history_files(self):
        found = []
        for root, _, files in os.walk(self.tmp):
            found += [os.path.join(root, f) for f in files if f == "history" or f.endswith(".hist")]
        return sorted(found)

    def type_and_quit(self, t, line):
        self.enter(t, line)
        self.peer.wait_line(rf"^recv text={re.escape(line)}$")
        t.wait_line(rf"^< echo: {re.escape(line)}$")
        t.key("Up")  # recalled within the session, whatever is kept on disk
        t.wait_last_line(f"> {line}")
        t.key("C-u", "C-d")
        self.assertEqual(t.wait_exit(), 0)

    def test_wskit_history_moves_the_file_which_only_its_owner_reads(self):
        moved = os.path.join(self.tmp, "elsewhere", "my.hist")
        t = self.terminal(WSKIT_HISTORY=moved)
        self.type_and_quit(t, "token=s3cret")
        self.assertEqual(self.history_files(), [moved])
        with open(moved) as f:
            self.assertIn("s3cret", f.read())
        self.assertEqual(os.stat(moved).st_mode & 0o777, 0o600)
        t2 = self.terminal(WSKIT_HISTORY=moved)
        t2.key("Up")
        t2.wait_last_line("> token=s3cret")

    def test_empty_wskit_history_or_no_history_keeps_nothing_on_disk(self):
        t = self.terminal(WSKIT_HISTORY="")
        self.type_and_quit(t, "not kept")
        self.assertEqual(self.history_files(), [])
        t = self.terminal("--no-history")
        self.type_and_quit(t, "not kept either")
        self.assertEqual(self.history_files(), [])
        # Nor is an existing history read.
        t = self.terminal()
        self.type_and_quit(t, "kept")
        self.assertEqual(len(self.history_files()), 1)
        t = self.terminal("--no-history")
        t.key("Up")
        t.wait_last_line("> ")
        self.enter(t, "after up")
        self.peer.wait_line(r"^recv text=after up$")
        t.key("C-d")
        self.assertEqual(t.wait_exit(), 0)

    def test_message_arriving_while_typing_leaves_the_line_intact(self):
        t = self.terminal()
        t.type("half typ")
        t.wait_last_line("> half typ")
        self.peer.signal(signal.SIGUSR1)  # the peer sends "tick" now
        lines = t.wait_line(r"^< tick$")
        lines = t.wait_last_line("> half typ")
        self.assertEqual(lines[-2], "< tick", lines)
        self.assertEqual(sum("half typ" in line for line in lines), 1, lines)
        x, y = t.cursor()
        self.assertEqual((x, y), (len("> half typ"), len(lines) - 1), "the cursor is after the typed text")
        # Two more while the line is still open.
        self.peer.signal(signal.SIGUSR1)
        t.wait_for(lambda ls: sum(line == "< tick" for line in ls) == 2 and ls[-1] == "> half typ",
                   "a second tick above the intact line")
        t.type("ed")
        t.wait_last_line("> half typed")
        t.key("Enter")
        self.peer.wait_line(r"^recv text=half typed$")
        lines = t.wait_line(r"^< echo: half typed$")
        self.assertEqual([line for line in lines if line.startswith("< ")],
                         ["< tick", "< tick", "< echo: half typed"])
        t.key("C-d")
        self.assertEqual(t.wait_exit(), 0)

    def test_close_with_code_and_reason(self):
        t = self.terminal()
        self.enter(t, "/close 4000 bye")
        self.peer.wait_line(r"^closed code=4000 reason=bye$")
        t.wait_line(r"4000.*bye")
        self.assertEqual(t.wait_exit(), 0)

    def test_slash_commands(self):
        t = self.terminal("-P")
        self.enter(t, "/help")
        t.wait_line(r"/quit")
        screen = "\n".join(t.lines())
        for cmd in ("/ping", "/pong", "/close", "/bin", "/quit", "/help", "//"):
            self.assertIn(cmd, screen)
        # The list is a table: every command and every description starts
        # in the same column.
        rows = [line for line in t.lines() if re.match(r"\s*/(ping|pong|close|bin|quit|help|/)", line)
                and not line.startswith(">")]
        self.assertEqual(len(rows), 7, rows)
        self.assertEqual(len({len(row) - len(row.lstrip()) for row in rows}), 1, "\n".join(rows))
        self.assertEqual(len({re.search(r"\S\s{2,}(?=\S)", row).end() for row in rows}), 1, "\n".join(rows))
        self.enter(t, "/bin 48 69")
        self.peer.wait_line(r"^recv binary=4869$")
        self.enter(t, "//x")
        self.peer.wait_line(r"^recv text=/x$")
        t.wait_line(r"^< echo: /x$")
        self.enter(t, "/ping abc")
        t.wait_line(r"^< \[pong abc\]$")
        self.enter(t, "/quit")
        self.assertEqual(t.wait_exit(), 0)
        self.peer.wait_line(r"^closed code=1000 ")
        self.assertEqual([line for line in self.peer.seen["stderr"] if line.startswith("recv")],
                         ["recv binary=4869", "recv text=/x"])

    def test_ctrl_d_exits_0(self):
        t = self.terminal()
        t.key("C-d")
        self.assertEqual(t.wait_exit(), 0)
        self.peer.wait_line(r"^closed code=1000 ")

    def test_ctrl_c_exits_130(self):
        t = self.terminal()
        t.type("not sent")
        t.wait_last_line("> not sent")
        t.key("C-c")
        self.assertEqual(t.wait_exit(), 130)
        self.peer.wait_line(r"^closed code=1000 ")
        self.assertNotIn("recv text=not sent", self.peer.seen["stderr"])

    def test_colors_on_a_tty_unless_no_color(self):
        t = self.terminal()
        self.enter(t, "hi")
        t.wait_line(r"^< echo: hi$")
        self.assertIn("\x1b[", t.screen(escapes=True))
        t.key("C-d")
        self.assertEqual(t.wait_exit(), 0)
        t2 = self.terminal(NO_COLOR="1")
        self.enter(t2, "hi")
        t2.wait_line(r"^< echo: hi$")
        self.assertNotIn("\x1b[", t2.screen(escapes=True))
        t2.key("C-d")
        self.assertEqual(t2.wait_exit(), 0)

    TIME = r"\d\d:\d\d:\d\d\.\d{3} "

    def test_timestamps_on_typed_lines_too(self):
        t = self.terminal("--timestamps")
        self.enter(t, "hello")
        self.peer.wait_line(r"^recv text=hello$")
        lines = t.wait_line(rf"^{self.TIME}< echo: hello$")
        typed = [line for line in lines if "hello" in line and "echo" not in line]
        self.assertEqual(len(typed), 1, lines)
        self.assertRegex(typed[0], rf"^{self.TIME}> hello$")
        self.assertLess(lines.index(typed[0]), lines.index(next(l for l in lines if "echo: hello" in l)))
        t.wait_last_line("> ")  # the prompt itself has no time: it is not an event
        t.key("C-d")
        self.assertEqual(t.wait_exit(), 0)

    def test_timestamps_on_a_typed_line_that_wraps(self):
        # 30 columns: "> " and 58 letters fill two rows exactly, which
        # libedit follows with an empty row; 70 letters take three rows.
        t = self.terminal("--timestamps", width=30)
        for text in ("w" * 58, "abcdefghij" * 7):
            t.type(text)
            t.wait_for(lambda ls, text=text: ls and ls[-1] == f"> {text}", "the typed line", joined=True)
            t.key("Enter")
            self.peer.wait_line(rf"^recv text={text}$")
            lines = t.wait_for(lambda ls, text=text: any(l == f"< echo: {text}" or l.endswith(f"< echo: {text}")
                                                         for l in ls), "the echo", joined=True)
            typed = [line for line in lines if text in line and "echo" not in line]
            self.assertEqual(len(typed), 1, "\n".join(lines))
            self.assertRegex(typed[0], rf"^{self.TIME}> {text}$")
            # No row of the line as first typed is left behind.
            self.assertFalse([line for line in t.lines() if line.startswith("> ") and len(line) > 2],
                             "\n".join(t.lines()))
        t.key("C-d")
        self.assertEqual(t.wait_exit(), 0)

    def test_message_arriving_over_a_wrapped_line_redraws_it_cleanly(self):
        t = self.terminal(width=30)
        text = "abcdefghij" * 7  # "> " and 70 letters: three rows of a 30-column window
        t.type(text)
        t.wait_for(lambda ls: ls and ls[-1] == f"> {text}", "the typed line", joined=True)
        t.key("-N", "40", "Left")  # the cursor on the middle row, after 30 letters
        t.wait_for(lambda ls: t.cursor() == (2, len(ls) - 2), "the cursor on the middle row")
        for ticks in (1, 2):
            self.peer.signal(signal.SIGUSR1)
            lines = t.wait_for(lambda ls, n=ticks: sum(l == "< tick" for l in ls) == n and ls[-1] == f"> {text}",
                               f"{ticks} tick(s) above the intact line", joined=True)
            self.assertEqual(lines[-2], "< tick", "\n".join(lines))
            # Nothing of the line is left anywhere else on the screen.
            self.assertEqual(sum("abc" in line for line in lines), 1, "\n".join(t.lines()))
            rows = t.lines()
            self.assertEqual(rows[-3:], [f"> {text}"[:30], f"> {text}"[30:60], f"> {text}"[60:]])
            self.assertEqual(t.cursor(), (2, len(rows) - 2), "the cursor stays where it was")
        t.type("X")
        t.key("Enter")
        self.peer.wait_line(rf"^recv text={text[:30]}X{text[30:]}$")
        t.key("C-d")
        self.assertEqual(t.wait_exit(), 0)


if __name__ == "__main__":
    main()
