"""docs.sync: the committed man pages and shell completions are exactly what
`wskit generate` renders from the CLI definition, every option is documented,
and every long option of every command, nested ones (wskit bench merge)
included, shows in --help, its man page and the three completion scripts.

The commands are found by walking CLI11's own --help, each page naming the
subcommands below it, and not from the generator: a level of the tree that
the generator does not render still gets checked, and fails.
On failure: run scripts/gen-docs.sh and commit.
"""
import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

WSKIT = os.environ.get("WSKIT") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "apps", "wskit")
SOURCE_DIR = os.environ.get("WSKIT_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = "Run scripts/gen-docs.sh to regenerate man/ and completions/, and commit them."
MAX_DIFF_LINES = 300


def run(*args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=60, **kwargs)


def unescape(field):
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "\\": "\\"}[m.group(1)], field)


def load_options():
    """Rows of `wskit generate options`: command ('' for the top level),
    kind, names, placeholder, help, long help."""
    r = run(WSKIT, "generate", "options")
    if r.returncode != 0:
        raise AssertionError(
            "wskit generate refused to run:\n" + r.stderr +
            "Register every option with wskit::cli::add_option or add_flag (apps/wskit/cli.hpp), "
            "with a help text.\n" + FIX)
    lines = r.stdout.splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, map(unescape, line.split("\t")))) for line in lines[1:]]
    return rows


def long_names(names):
    return [n for n in names.split() if n.startswith("--")]


class Command:
    """A command as its --help shows it: path is ("bench", "merge"), () for wskit itself."""

    def __init__(self, path, options, commands):
        self.path = path
        self.options = options    # the long options --help lists
        self.commands = commands  # the names of the commands below it

    @property
    def name(self):
        """The command column of `wskit generate options`: "bench merge", "" for wskit."""
        return " ".join(self.path)

    @property
    def line(self):
        return " ".join(("wskit",) + self.path)

    @property
    def page(self):
        """git's naming: wskit-bench-merge.1 for `wskit bench merge`."""
        return "-".join(("wskit",) + self.path) + ".1"

    @property
    def parent_page(self):
        return "-".join(("wskit",) + self.path[:-1]) + ".1"


def parse_help(text):
    """The long options and the command names of one --help page (CLI11's layout:
    "  -h,--help  ..." under Options:, "  connect, c  ..." under Subcommands:)."""
    options, commands, in_commands = set(), [], False
    for line in text.splitlines():
        if re.match(r"^subcommands:$", line, re.I):
            in_commands = True
        elif not line.strip():
            in_commands = False
        elif in_commands:
            m = re.match(r"^\s+([\w-]+)", line)
            if m:
                commands.append(m.group(1))
        else:
            m = re.match(r"^\s+(-\S+)", line)
            if m:
                options.update(n for n in m.group(1).split(",") if n.startswith("--"))
    return options, commands


def walk_help():
    """Every visible command, parents first, from `wskit [COMMAND...] --help`."""
    found, to_visit = [], [()]
    while to_visit:
        path = to_visit.pop(0)
        r = run(WSKIT, *path, "--help")
        if r.returncode != 0:
            raise AssertionError(f"'{' '.join(('wskit',) + path + ('--help',))}' failed:\n{r.stderr}")
        options, commands = parse_help(r.stdout)
        found.append(Command(path, options, commands))
        to_visit.extend(path + (c,) for c in commands)
    return found


def roff(text):
    """How the man pages spell text: every '-' escaped."""
    return text.replace("-", "\\-")


def fish_condition_holds(condition, path):
    """Whether a -n condition of the generated fish script holds on a command
    line made of the words of `path`. It knows the two tests the script uses."""
    for clause in condition.split("; and "):
        negated = clause.startswith("not ")
        test = clause[len("not "):] if negated else clause
        if test == "__fish_use_subcommand":
            holds = not path
        elif test.startswith("__fish_seen_subcommand_from "):
            holds = bool(set(test.split()[1:]) & set(path))
        else:
            raise AssertionError(f"completions/wskit.fish: unexpected condition {condition!r}")
        if holds == negated:
            return False
    return True


class DocsSync(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.rows = load_options()
        cls.tree = walk_help()
        cls.tmp = tempfile.mkdtemp(prefix="wskit-docs-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def fail_docs(self, message):
        self.fail(message.rstrip() + "\n" + FIX)

    def documented(self, command):
        """The long options `wskit generate options` lists for the command named "bench merge"."""
        return {n for r in self.rows if r["command"] == command and r["kind"] == "option"
                for n in long_names(r["names"])}

    def long_options(self, command):
        """What a page or a completion must offer: what --help shows and what the generator describes."""
        return command.options | self.documented(command.name)

    def committed(self, *parts):
        path = os.path.join(SOURCE_DIR, *parts)
        if not os.path.isfile(path):
            self.fail_docs(f"{'/'.join(parts)} is missing from the repository")
        with open(path, encoding="utf-8") as f:
            return f.read()

    def assert_offers(self, where, offered, command):
        """`offered`, the long options a completion offers for `command`, are
        its own: none missing, and none of its parent's leaking in."""
        expected = self.long_options(command)
        missing, extra = sorted(expected - offered), sorted(offered - expected)
        if missing or extra:
            self.fail_docs(f"{where} for '{command.line}':\n"
                           f"  missing: {missing}\n  not options of this command: {extra}")

    # --- the committed files are the generator's output -----------------------

    def test_committed_files_match_the_generator(self):
        out = os.path.join(self.tmp, "out")
        r = run(WSKIT, "generate", "--out-dir", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        problems = []
        for sub, pattern in (("man", re.compile(r".*\.1$")), ("completions", re.compile(r".*"))):
            fresh_dir, repo_dir = os.path.join(out, sub), os.path.join(SOURCE_DIR, sub)
            fresh = {f for f in os.listdir(fresh_dir) if pattern.match(f)}
            repo = {f for f in os.listdir(repo_dir)
                    if pattern.match(f) and os.path.isfile(os.path.join(repo_dir, f))}
            for name in sorted(fresh - repo):
                problems.append(f"{sub}/{name} is missing from the repository")
            for name in sorted(repo - fresh):
                problems.append(f"{sub}/{name} is committed but no longer generated")
            for name in sorted(fresh & repo):
                with open(os.path.join(repo_dir, name), encoding="utf-8") as f:
                    old = f.read().splitlines(keepends=True)
                with open(os.path.join(fresh_dir, name), encoding="utf-8") as f:
                    new = f.read().splitlines(keepends=True)
                if old != new:
                    diff = list(difflib.unified_diff(old, new, f"a/{sub}/{name} (committed)",
                                                     f"b/{sub}/{name} (generated)"))
                    if len(diff) > MAX_DIFF_LINES:
                        diff = diff[:MAX_DIFF_LINES] + [f"... ({len(diff) - MAX_DIFF_LINES} more lines)\n"]
                    problems.append(f"{sub}/{name} is out of date:\n" + "".join(diff))
        if problems:
            self.fail_docs("\n".join(problems))

    def test_generator_renders_every_page(self):
        # --out-dir writes a page per command of --help's tree, nested ones too.
        out = os.path.join(self.tmp, "pages")
        r = run(WSKIT, "generate", "--out-dir", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        missing = [c.page for c in self.tree if not os.path.isfile(os.path.join(out, "man", c.page))]
        if missing:
            self.fail_docs(f"'wskit generate --out-dir' writes no {missing}")
        for command in self.tree:
            if not command.path:
                continue
            page = command.page[len("wskit-"):-len(".1")]
            with self.subTest(page=page):
                r = run(WSKIT, "generate", "man", page)
                self.assertEqual(r.returncode, 0, f"'wskit generate man {page}' failed:\n{r.stderr}")
                self.assertIn(".SH NAME\n" + roff(command.page[:-len(".1")]) + " \\- ", r.stdout)

    # --- every option is documented -------------------------------------------

    def test_every_option_has_help_and_long_help(self):
        missing = [f"wskit {r['command']} {r['names']}".replace("  ", " ")
                   for r in self.rows if not r["help"].strip() or not r["long_help"].strip()]
        if missing:
            self.fail_docs("options without a help text:\n  " + "\n  ".join(missing))

    def test_the_generator_describes_every_command(self):
        shown = {c.name for c in self.tree}
        described = {r["command"] for r in self.rows}
        only_help = sorted(" ".join(("wskit", c)).strip() for c in shown - described)
        only_generator = sorted(" ".join(("wskit", c)).strip() for c in described - shown)
        if only_help or only_generator:
            self.fail_docs(f"'wskit generate options' and --help disagree on the commands:\n"
                           f"  only in --help: {only_help}\n  only in the generator: {only_generator}")

    def test_help_lists_exactly_the_documented_options(self):
        # --help is CLI11's own rendering of the tree: an option the generator
        # did not see (or one it invented) shows up here.
        for command in self.tree:
            with self.subTest(command=command.line):
                documented = self.documented(command.name)
                if command.options != documented:
                    self.fail_docs(
                        f"'{command.line} --help' and the documentation disagree:\n"
                        f"  only in --help: {sorted(command.options - documented)}\n"
                        f"  only documented: {sorted(documented - command.options)}")

    # --- every long option reaches the man page and the completions -----------

    def test_every_long_option_is_in_its_man_page(self):
        for command in self.tree:
            with self.subTest(page=command.page):
                text = self.committed("man", command.page)
                missing = [n for n in sorted(self.long_options(command))
                           if "\\fB" + roff(n) + "\\fR" not in text]
                if missing:
                    self.fail_docs(f"man/{command.page} does not document {missing}")

    def test_every_page_is_named_by_its_parents_page_and_by_wskit_1(self):
        for command in self.tree:
            if not command.path:
                continue
            reference = ".BR " + roff(command.page[:-len(".1")]) + " (1)"
            for page in sorted({command.parent_page, "wskit.1"}):
                with self.subTest(page=page, names=command.page):
                    if reference not in self.committed("man", page):
                        self.fail_docs(f"man/{page} does not point to {command.page[:-2]}(1)")

    def bash_complete(self, words):
        script = os.path.join(SOURCE_DIR, "completions", "wskit.bash")
        probe = (f"source {shlex.quote(script)}\n"
                 f"COMP_WORDS=({' '.join(map(shlex.quote, words))}); COMP_CWORD={len(words) - 1}\n"
                 "_wskit; printf '%s\\n' \"${COMPREPLY[@]}\"\n")
        r = run("bash", "--norc", "--noprofile", "-c", probe)
        self.assertEqual(r.returncode, 0, r.stderr)
        return set(r.stdout.split())

    def test_every_long_option_is_in_the_bash_completion(self):
        for command in self.tree:
            with self.subTest(command=command.line):
                words = ["wskit", *command.path, "--"]
                offered = {w for w in self.bash_complete(words) if w.startswith("--")}
                self.assert_offers(f"bash completion of '{' '.join(words)}'", offered, command)

    def assert_shell_completes(self, shell, complete):
        """Each command's long options after "COMMAND --", exactly, and its
        commands after "COMMAND ", by `complete(line)`: what the shell offers."""
        for command in self.tree:
            with self.subTest(command=command.line):
                line = command.line + " --"
                offered = {w for w in complete(line) if w.startswith("--")}
                self.assert_offers(f"{shell}'s completion of '{line}'", offered, command)
                if command.commands:
                    missing = [c for c in command.commands if c not in complete(command.line + " ")]
                    if missing:
                        self.fail_docs(f"{shell} does not offer {missing} after '{command.line} '")

    def test_every_command_is_in_the_bash_completion(self):
        for command in self.tree:
            with self.subTest(command=command.line):
                words = ["wskit", *command.path, ""]
                missing = [c for c in command.commands if c not in self.bash_complete(words)]
                if missing:
                    self.fail_docs(f"bash completion after '{command.line} ' does not offer {missing}")

    @staticmethod
    def zsh_function(text, path):
        """The name and body of the function for path: _wskit, _wskit_connect, _wskit_bench_merge;
        ("bench", "commands") for the one listing bench's commands."""
        function = "_wskit" + "".join("_" + re.sub(r"\W", "_", p) for p in path)
        m = re.search(r"^" + re.escape(function) + r"\(\) \{\n(.*?)^\}", text, re.S | re.M)
        return function, m.group(1) if m else None

    def test_every_long_option_is_in_the_zsh_completion(self):
        text = self.committed("completions", "_wskit")
        for command in self.tree:
            function, body = self.zsh_function(text, command.path)
            with self.subTest(function=function):
                if body is None:
                    self.fail_docs(f"completions/_wskit has no {function}() for '{command.line}'")
                missing = [n for n in sorted(self.long_options(command))
                           if not re.search(r"(?<![\w-])" + re.escape(n) + r"(?![\w-])", body)]
                if missing:
                    self.fail_docs(f"completions/_wskit: {function}() does not complete {missing}")

    def test_every_command_is_in_the_zsh_completion(self):
        text = self.committed("completions", "_wskit")
        for command in self.tree:
            if not command.commands:
                continue
            function, body = self.zsh_function(text, command.path)
            with self.subTest(function=function):
                if body is None or not re.search(re.escape(function) + r"_commands(?!\w)", body):
                    self.fail_docs(f"completions/_wskit: {function}() does not complete its commands")
                _, listing = self.zsh_function(text, command.path + ("commands",))
                missing = [c for c in command.commands if listing is None or f"'{c}:" not in listing]
                if missing:
                    self.fail_docs(f"completions/_wskit: {function}_commands() does not list {missing}")

    @unittest.skipUnless(shutil.which("zsh"), "zsh is not installed")
    def test_zsh_completes_every_command(self):
        # zsh's own completion, in an interactive zsh driven through a
        # pseudo-terminal: what a Tab offers after "wskit bench merge --".
        script = os.path.join(SOURCE_DIR, "completions", "_wskit")
        driver = os.path.join(os.path.dirname(os.path.abspath(__file__)), "zsh_complete.zsh")

        def complete(line):
            r = run("zsh", "-f", driver, script, line, env={**os.environ, "HOME": self.tmp})
            self.assertEqual((r.returncode, r.stderr), (0, ""), r.stderr)
            return {w for w in r.stdout.splitlines() if w}

        self.assert_shell_completes("zsh", complete)

    def test_every_long_option_is_in_the_fish_completion(self):
        # fish's own `complete -C` for each command line: a parent's options
        # that would leak into its command are caught as well.
        lines = self.committed("completions", "wskit.fish").splitlines()
        conditions = [(re.search(r" -n '([^']*)'", l), l) for l in lines]
        for command in self.tree:
            with self.subTest(command=command.line):
                scope = [l for m, l in conditions if m and fish_condition_holds(m.group(1), command.path)]
                offered = {"--" + n for l in scope for n in re.findall(r" -l '([^']+)'", l)}
                self.assert_offers("completions/wskit.fish", offered, command)
                words = {w for l in scope for w in re.findall(r"^complete -c wskit -n '[^']*' -a '([^']+)' -d", l)}
                missing = [c for c in command.commands if c not in words]
                if missing:
                    self.fail_docs(f"completions/wskit.fish does not offer {missing} after '{command.line}'")

    # --- the files load and render cleanly --------------------------------------

    def test_bash_completion_loads(self):
        script = os.path.join(SOURCE_DIR, "completions", "wskit.bash")
        r = run("bash", "--norc", "--noprofile", "-c", f"source {shlex.quote(script)} && complete -p wskit")
        self.assertEqual((r.returncode, r.stderr), (0, ""), r.stderr)
        self.assertIn("-F _wskit wskit", r.stdout)

    @unittest.skipUnless(shutil.which("zsh"), "zsh is not installed")
    def test_zsh_completion_loads(self):
        script = os.path.join(SOURCE_DIR, "completions", "_wskit")
        r = run("zsh", "-f", "-c", "autoload -Uz compinit && compinit -u -D && "
                f"source {shlex.quote(script)} && print -r -- $_comps[wskit]",
                env={**os.environ, "HOME": self.tmp})
        self.assertEqual((r.returncode, r.stderr), (0, ""), r.stderr)
        self.assertEqual(r.stdout.strip(), "_wskit")

    @unittest.skipUnless(shutil.which("fish"), "fish is not installed")
    def test_fish_completion_loads_and_completes(self):
        script = os.path.join(SOURCE_DIR, "completions", "wskit.fish")
        env = {**os.environ, "HOME": self.tmp, "XDG_CONFIG_HOME": self.tmp, "XDG_DATA_HOME": self.tmp}

        def complete(line):
            r = run("fish", "--no-config", "-c",
                    f"source {shlex.quote(script)}; complete -C {shlex.quote(line)}", env=env)
            self.assertEqual((r.returncode, r.stderr), (0, ""), r.stderr)
            return {l.split("\t")[0] for l in r.stdout.splitlines()}

        self.assert_shell_completes("fish", complete)

    @unittest.skipUnless(shutil.which("groff"), "groff is not installed")
    def test_man_pages_render_without_warnings(self):
        man_dir = os.path.join(SOURCE_DIR, "man")
        for page in sorted(f for f in os.listdir(man_dir) if f.endswith(".1")):
            with self.subTest(page=page):
                r = run("groff", "-man", "-Tutf8", "-ww", "-z", os.path.join(man_dir, page))
                self.assertEqual((r.returncode, r.stderr), (0, ""), f"groff on man/{page}:\n{r.stderr}")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:])
