"""wskit connect against a real `wskit chat`, as the chat's man page shows
(wskit connect 'ws://127.0.0.1:PORT/rust?name=alice'): connect's own slash
commands are a fixed set, and any other /command is the server's, sent as
typed, so /nick, /me, /who and /rooms do what the chat documents; //help
asks the chat for its /help, /help is connect's. Piped with --slash, and at
the interactive prompt (tmux), where the first such line says once that it
went to the server. Piped to wskit echo, /quit ends the input before the
lines after it."""
import os
import re
import shutil
import tempfile

from harness import TestCase, main
from terminal import Terminal


class ChatFromPipedConnect(TestCase):
    def setUp(self):
        self.chat, url = self.start_wskit_server("chat", "0")
        self.room = url + "rust?name=alice"

    def connect(self, lines, output=("--output", "human", "--color", "never")):
        return self.wskit("connect", "--slash", *output, self.room, input="".join(line + "\n" for line in lines))

    def test_the_chats_commands_do_what_the_chat_documents(self):
        r = self.connect(["/nick bob", "/me waves", "/who", "/rooms", "//help", "///shrug", "hello"])
        self.assertExit(r, 0)
        out = r.stdout.decode()
        self.assertEqual(r.stderr, b"")
        self.assertNotIn("unknown command", out)
        for line in ("< * you are now known as bob", "< * online in /rust (1): bob", "< * rooms: /rust (1)",
                     "< * commands:"):
            self.assertIn(line, out.splitlines())
        self.assertRegex(out, r"\n +/nick NAME +change your name")  # the chat's /help, asked with //help
        self.chat.wait_line(r"^#1 /rust \* alice is now known as bob$", "stdout")
        self.chat.wait_line(r"^#1 /rust \* bob waves$", "stdout")
        self.chat.wait_line(r"^#1 /rust bob: /shrug$", "stdout")  # ///x is the chat's //x: a literal /x
        self.chat.wait_line(r"^#1 /rust bob: hello$", "stdout")

    def test_help_is_connects_own_and_says_where_the_rest_goes(self):
        r = self.connect(["/help"])
        self.assertExit(r, 0)
        out = r.stdout.decode()
        for command in ("/ping", "/close", "/bin", "/quit", "/help"):
            self.assertRegex(out, rf"(?m)^{re.escape(command)} ")
        self.assertIn("a chat's /nick or /who, is the server's: sent as a message", out)
        self.assertIn("//help sends /help to the server", out)
        self.assertNotIn("< * commands:", out, "/help went to the server")

    def test_connects_commands_still_run(self):
        r = self.connect(["/close 4000 done", "not sent"], output=["--json"])
        self.assertExit(r, 0)
        self.assertIn(b'"event":"close"', r.stdout)
        self.assertIn(b'"code":4000', r.stdout)
        self.assertNotIn(b"not sent", r.stdout)
        r = self.connect(["/bin zz"])
        self.assertExit(r, 0)
        self.assertIn("/bin takes hex bytes", r.stderr.decode())


class PipedToEcho(TestCase):
    def test_slash_quit_ends_piped_input(self):
        _, url = self.start_wskit_server("echo", "0")
        r = self.wskit("connect", "--slash", url, input="one\n/quit\ntwo\n")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"one\n")


class ChatFromTheTerminal(TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wskit-tty-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.chat, url = self.start_wskit_server("chat", "0")
        env = {"TERM": "xterm", "XDG_STATE_HOME": os.path.join(self.tmp, "state"), "HOME": self.tmp,
               "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "NO_COLOR": "1"}
        self.t = Terminal(self, ["connect", url + "rust?name=alice"], env)
        self.t.wait_line(r"^< \* you are alice in /rust")
        self.t.wait_last_line("> ")

    def enter(self, line):
        self.t.type(line)
        self.t.key("Enter")

    def test_server_commands_are_sent_and_said_once(self):
        self.enter("/nick bob")
        self.t.wait_line(r"^< \* you are now known as bob$")
        self.enter("/who")
        self.t.wait_line(r"^< \* online in /rust \(1\): bob$")
        self.enter("/me waves")
        self.chat.wait_line(r"^#1 /rust \* bob waves$", "stdout")
        notices = [line for line in self.t.lines() if "is not a wskit command" in line]
        self.assertEqual(len(notices), 1, "\n".join(self.t.lines()))
        self.assertRegex(notices[0], r"/nick is not a wskit command: sent to the server as a message")
        self.enter("/help")
        self.t.wait_line(r"^/WORD \.\.\. +any other command")
        self.enter("//help")
        self.t.wait_line(r"^< \* commands:$")
        self.enter("/quit")
        self.assertEqual(self.t.wait_exit(), 0)
        self.chat.wait_line(r"^#1 /rust \* bob left$", "stdout")


if __name__ == "__main__":
    main()
