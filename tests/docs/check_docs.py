"""docs.sync: the committed man pages and shell completions are exactly what
`wskit generate` renders from the CLI definition, every option is documented,
and every long option of every command shows in --help, its man page and the
three completion scripts. On failure: run scripts/gen-docs.sh and commit.
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


class DocsSync(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.rows = load_options()
        cls.commands = []
        for row in cls.rows:
            if row["command"] not in cls.commands:
                cls.commands.append(row["command"])
        cls.tmp = tempfile.mkdtemp(prefix="wskit-docs-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def fail_docs(self, message):
        self.fail(message.rstrip() + "\n" + FIX)

    def options_of(self, command):
        return [r for r in self.rows if r["command"] == command and r["kind"] == "option"]

    def committed(self, *parts):
        path = os.path.join(SOURCE_DIR, *parts)
        if not os.path.isfile(path):
            self.fail_docs(f"{'/'.join(parts)} is missing from the repository")
        with open(path, encoding="utf-8") as f:
            return f.read()

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

    # --- every option is documented -------------------------------------------

    def test_every_option_has_help_and_long_help(self):
        missing = [f"wskit {r['command']} {r['names']}".replace("  ", " ")
                   for r in self.rows if not r["help"].strip() or not r["long_help"].strip()]
        if missing:
            self.fail_docs("options without a help text:\n  " + "\n  ".join(missing))

    def test_help_lists_exactly_the_documented_options(self):
        # --help is CLI11's own rendering of the tree: an option the generator
        # did not see (or one it invented) shows up here.
        for command in self.commands:
            with self.subTest(command=command or "wskit"):
                args = [WSKIT] + ([command] if command else []) + ["--help"]
                r = run(*args)
                self.assertEqual(r.returncode, 0, r.stderr)
                shown = set()
                for line in r.stdout.splitlines():
                    m = re.match(r"^\s+(-\S+)", line)
                    if m:
                        shown.update(n for n in m.group(1).split(",") if n.startswith("--"))
                documented = {n for row in self.options_of(command) for n in long_names(row["names"])}
                if shown != documented:
                    self.fail_docs(
                        f"'{' '.join(args[1:])}' and the documentation disagree:\n"
                        f"  only in --help: {sorted(shown - documented)}\n"
                        f"  only documented: {sorted(documented - shown)}")

    # --- every long option reaches the man page and the completions -----------

    def test_every_long_option_is_in_its_man_page(self):
        for command in self.commands:
            page = f"wskit-{command}.1" if command else "wskit.1"
            with self.subTest(page=page):
                text = self.committed("man", page)
                missing = [n for row in self.options_of(command) for n in long_names(row["names"])
                           if "\\fB" + n.replace("-", "\\-") + "\\fR" not in text]
                if missing:
                    self.fail_docs(f"man/{page} does not document {missing}")

    def test_every_long_option_is_in_the_bash_completion(self):
        script = os.path.join(SOURCE_DIR, "completions", "wskit.bash")
        for command in self.commands:
            with self.subTest(command=command or "wskit"):
                words = ["wskit"] + ([command] if command else []) + ["--"]
                probe = (f"source {shlex.quote(script)}\n"
                         f"COMP_WORDS=({' '.join(words)}); COMP_CWORD={len(words) - 1}\n"
                         "_wskit; printf '%s\\n' \"${COMPREPLY[@]}\"\n")
                r = run("bash", "--norc", "--noprofile", "-c", probe)
                self.assertEqual(r.returncode, 0, r.stderr)
                offered = set(r.stdout.split())
                missing = [n for row in self.options_of(command) for n in long_names(row["names"])
                           if n not in offered]
                if missing:
                    self.fail_docs(f"bash completion of '{' '.join(words)}' does not offer {missing}")

    def test_every_long_option_is_in_the_zsh_completion(self):
        text = self.committed("completions", "_wskit")
        for command in self.commands:
            function = "_wskit_" + re.sub(r"\W", "_", command) if command else "_wskit"
            with self.subTest(function=function):
                m = re.search(r"^" + re.escape(function) + r"\(\) \{\n(.*?)^\}", text, re.S | re.M)
                if not m:
                    self.fail_docs(f"completions/_wskit has no {function}() for '{command or 'wskit'}'")
                body = m.group(1)
                missing = [n for row in self.options_of(command) for n in long_names(row["names"])
                           if not re.search(r"(?<![\w-])" + re.escape(n) + r"(?![\w-])", body)]
                if missing:
                    self.fail_docs(f"completions/_wskit: {function}() does not complete {missing}")

    def test_every_long_option_is_in_the_fish_completion(self):
        lines = self.committed("completions", "wskit.fish").splitlines()
        for command in self.commands:
            with self.subTest(command=command or "wskit"):
                if command:
                    scope = [l for l in lines if re.search(
                        r"__fish_seen_subcommand_from(\s+[\w-]+)*\s+" + re.escape(command) + r"(\s|')", l)]
                else:
                    scope = [l for l in lines if "__fish_use_subcommand" in l]
                offered = {"--" + n for l in scope for n in re.findall(r" -l '([^']+)'", l)}
                missing = [n for row in self.options_of(command) for n in long_names(row["names"])
                           if n not in offered]
                if missing:
                    self.fail_docs(f"completions/wskit.fish does not complete {missing} for "
                                   f"'{command or 'wskit'}'")

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
        for command in self.commands:
            with self.subTest(command=command or "wskit"):
                line = "wskit " + (command + " " if command else "") + "--"
                r = run("fish", "--no-config", "-c",
                        f"source {shlex.quote(script)}; complete -C {shlex.quote(line)}", env=env)
                self.assertEqual((r.returncode, r.stderr), (0, ""), r.stderr)
                offered = {l.split("\t")[0] for l in r.stdout.splitlines()}
                missing = [n for row in self.options_of(command) for n in long_names(row["names"])
                           if n not in offered]
                if missing:
                    self.fail_docs(f"fish does not complete {missing} after '{line}'")

    @unittest.skipUnless(shutil.which("groff"), "groff is not installed")
    def test_man_pages_render_without_warnings(self):
        man_dir = os.path.join(SOURCE_DIR, "man")
        for page in sorted(f for f in os.listdir(man_dir) if f.endswith(".1")):
            with self.subTest(page=page):
                r = run("groff", "-man", "-Tutf8", "-ww", "-z", os.path.join(man_dir, page))
                self.assertEqual((r.returncode, r.stderr), (0, ""), f"groff on man/{page}:\n{r.stderr}")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:])
