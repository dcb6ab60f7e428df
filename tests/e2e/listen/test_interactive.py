"""wskit listen at a terminal (tmux, through terminal.py): a client's
messages appear above the prompt without disturbing the line being typed,
typed lines go to every client, /list and /help answer, Ctrl-D quits."""
import json
import os
import shutil
import subprocess
import tempfile

from harness import PEERS, PYTHON, TestCase, main
from terminal import Terminal


class ListenAtATerminal(TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wskit-tty-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_messages_above_the_prompt_and_typed_lines_to_clients(self):
        env = {"TERM": "xterm", "XDG_STATE_HOME": os.path.join(self.tmp, "state"), "HOME": self.tmp,
               "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        t = Terminal(self, ["listen", "0"], env)
        lines = t.wait_line(r"listening on ws://127\.0\.0\.1:\d+/")
        url = next(line for line in lines if "listening on" in line).split()[-1]
        client = self.start([PYTHON, os.path.join(PEERS, "py_talk_client.py"), url], stdin=subprocess.PIPE)
        client.wait_line(r'"open"', stream="stdout")
        t.wait_line(r"^#1 connected from 127\.0\.0\.1:\d+ to /$")
        t.type("half typ")
        t.wait_last_line("> half typ")
        client.proc.stdin.write(b"send from the client\n")
        client.proc.stdin.flush()
        lines = t.wait_line(r"^#1 < from the client$")
        lines = t.wait_last_line("> half typ")
        self.assertEqual(sum("half typ" in line for line in lines), 1, lines)
        t.type("ed")
        t.key("Enter")
        got = json.loads(client.wait_line(r'"message"', stream="stdout").string)
        self.assertEqual(got["message"], "half typed")
        t.type("/list")
        t.key("Enter")
        t.wait_line(r"^#1 127\.0\.0\.1:\d+ path / subprotocol - connected \d+s messages in 1 out 1$")
        t.type("/help")
        t.key("Enter")
        t.wait_line(r"^/kick ID \[code \[reason\]\] +close client ID's connection")
        t.key("C-d")
        self.assertEqual(t.wait_exit(), 0)
        closed = json.loads(client.wait_line(r'"closed"', stream="stdout").string)
        self.assertEqual(closed["closed"], 1001)


if __name__ == "__main__":
    main()
