"""The files wskit bench leaves behind, read by others: --series as CSV and
NDJSON (a row per second that adds up to the results), --hdr read back by
HdrHistogram's own JavaScript reader (peers/hdr_read.cjs) and combined by
`wskit bench merge`, and --report: a self-contained page (no script, nothing
fetched) that headless Chromium renders without an error, whose data-field
cells say what --json said for the same run. Files that cannot be written
fail the run before it starts."""
import html.parser
import json
import os
import shutil
import subprocess
import tempfile
import time

from harness import LISTENING, NODE, PEERS, PYTHON, WSKIT, Process, TestCase, main

# Opens the report in headless Chromium (peers/browser.cjs), collects what
# went wrong and what was requested, the data-field cells and the charts'
# sizes, and takes a screenshot.
#   node report_page.cjs PEERS PAGE_URL SCREENSHOT
REPORT_PAGE = r"""
'use strict';
const path = require('path');
const [peers, pageUrl, shot] = process.argv.slice(2);
const { launch, newPage } = require(path.join(peers, 'browser.cjs'));

(async () => {
  const browser = await launch();
  try {
    const page = await newPage(browser);
    const problems = [];
    const requests = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pageUrl, { waitUntil: 'load' });
    const found = await page.evaluate(() => ({
      title: document.title,
      scripts: document.scripts.length,
      fields: [...document.querySelectorAll('[data-field]')].map((e) => ({ field: e.dataset.field, text: e.textContent })),
      charts: [...document.querySelectorAll('svg')].map((s) => {
        const r = s.getBoundingClientRect();
        return { id: s.id, width: r.width, height: r.height, shapes: s.querySelectorAll('path,polyline,rect,circle,line').length };
      }),
    }));
    await page.screenshot({ path: shot, fullPage: true });
    process.stdout.write(JSON.stringify({ ...found, problems, requests }) + '\n');
  } finally {
    await browser.close();
  }
})().catch((e) => {
  process.stdout.write(JSON.stringify({ error: String(e && e.stack || e) }) + '\n');
  process.exit(1);
});
"""


def field_of(doc, path):
    """The value at a data-field path ("latency_us.p99") of the --json object."""
    value = doc
    for part in path.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise KeyError(path)
    return value


class DataFields(html.parser.HTMLParser):
    """The text of each element with a data-field attribute: [(field, text)]."""

    def __init__(self, page):
        super().__init__()
        self.found, self.open = [], []  # open: [field, depth, text parts]
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        for item in self.open:
            item[1] += 1
        field = dict(attrs).get("data-field")
        if field is not None:
            self.open.append([field, 1, []])

    def handle_endtag(self, tag):
        for item in list(self.open):
            item[1] -= 1
            if item[1] == 0:
                self.open.remove(item)
                self.found.append((item[0], "".join(item[2])))

    def handle_data(self, data):
        for item in self.open:
            item[2].append(data)


class Files(TestCase):
    """Runs shared by the tests: A against `wskit echo` (fast) with every
    file, B against a server that answers 3 ms late (slow), C with
    application traffic, stages and a threshold, and its report."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="wskit-files-")
        cls.echo = Process([WSKIT, "echo", "0"])
        cls.slow = Process([PYTHON, os.path.join(PEERS, "py_json_server.py"), "--delay-ms", "3"])
        try:
            cls.echo_url = echo_url = cls.echo.wait_line(LISTENING.pattern).group(1)
            slow_url = cls.slow.wait_line(LISTENING.pattern).group(1)
            cls.a = {k: os.path.join(cls.tmp, "a." + k) for k in ("csv", "hlog", "html")}
            cls.a_started = time.time()
            cls.a_run = cls.run_bench("-c", "2", "-d", "2", "--series", cls.a["csv"], "--hdr", cls.a["hlog"],
                                      "--report", cls.a["html"], "--json", echo_url)
            cls.a_ended = time.time()
            cls.b = {k: os.path.join(cls.tmp, "b." + k) for k in ("ndjson", "hlog")}
            cls.b_run = cls.run_bench("-c", "2", "-d", "1", "--message", '{"id":{seq}}', "--series", cls.b["ndjson"],
                                      "--hdr", cls.b["hlog"], "--json", slow_url)
            cls.c_html = os.path.join(cls.tmp, "c.html")
            cls.c_run = cls.run_bench("--stages", "300ms:2,1s:2", "--first", '{"op":"login"}', "--match", "/id",
                                      "--message", '{"id":{seq},"op":"get"}', "--fail-if", "p99>10s", "--report",
                                      cls.c_html, "--json", slow_url)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def run_bench(cls, *args):
        r = subprocess.run([WSKIT, "bench", *args], capture_output=True, timeout=30)
        if r.returncode != 0:
            raise AssertionError(f"wskit bench {args!r}: exit {r.returncode}; stderr={r.stderr!r}")
        return json.loads(r.stdout)

    @classmethod
    def tearDownClass(cls):
        cls.echo.stop()
        cls.slow.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_series_csv_has_a_row_per_second_that_adds_up(self):
        with open(self.a["csv"]) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines[0], "time_s,length_s,open,sent,received,errors,p50_us,p99_us,max_us")
        rows = [dict(zip(lines[0].split(","), map(float, line.split(",")))) for line in lines[1:]]
        # -d 2: two whole seconds, and what was left of the last one.
        self.assertIn(len(rows), (2, 3), lines)
        self.assertEqual([r["time_s"] for r in rows], list(range(len(rows))))
        for r in rows[:2]:
            self.assertAlmostEqual(r["length_s"], 1.0, delta=0.05)
            self.assertEqual(r["open"], 2)
            self.assertEqual(r["errors"], 0)
            self.assertGreater(r["received"], 0)
            self.assertLessEqual(r["p50_us"], r["p99_us"])
            self.assertLessEqual(r["p99_us"], r["max_us"] * 1.01)
        self.assertLessEqual(sum(r["length_s"] for r in rows), self.a_run["seconds"] + 0.05)
        self.assertEqual(sum(r["received"] for r in rows), self.a_run["received"])
        self.assertEqual(sum(r["sent"] for r in rows), self.a_run["sent"])

    def test_series_ndjson_has_an_object_per_second(self):
        with open(self.b["ndjson"]) as f:
            rows = [json.loads(line) for line in f]
        self.assertIn(len(rows), (1, 2))
        for r in rows:
            self.assertEqual(list(r), ["time_s", "length_s", "open", "sent", "received", "errors", "p50_us", "p99_us",
                                       "max_us"])
        self.assertEqual(rows[0]["time_s"], 0)
        self.assertGreater(rows[0]["p50_us"], 3000)  # the server's 3 ms
        self.assertEqual(sum(r["received"] for r in rows), self.b_run["received"])
        self.assertEqual(sum(r["sent"] for r in rows), self.b_run["sent"])

    def hdr_read(self, path):
        done = subprocess.run([NODE, os.path.join(PEERS, "hdr_read.cjs"), path], capture_output=True, timeout=60)
        self.assertEqual(done.returncode, 0, f"stdout={done.stdout!r} stderr={done.stderr!r}")
        return json.loads(done.stdout)

    def test_hdr_log_read_by_hdr_histogram_js(self):
        got = self.hdr_read(self.a["hlog"])
        latency = self.a_run["latency_us"]
        intervals = got["intervals"]
        self.assertIn(len(intervals), (2, 3))
        self.assertEqual(got["total"]["count"], latency["count"])
        self.assertEqual(sum(i["count"] for i in intervals), latency["count"])
        # Unix seconds, one after the other, a second long (the last one shorter).
        self.assertGreaterEqual(intervals[0]["start"], self.a_started - 1)
        self.assertLessEqual(intervals[-1]["start"], self.a_ended)
        for one, two in zip(intervals, intervals[1:]):
            self.assertAlmostEqual(two["start"] - one["start"], 1.0, delta=0.05)
        for i in intervals:
            self.assertIsNone(i["tag"])
            self.assertLessEqual(i["length"], 1.05)
        # Nanoseconds, within the buckets' precision of what --json said.
        self.assertAlmostEqual(got["total"]["p50"] / 1000, latency["p50"], delta=latency["p50"] * 0.03)
        self.assertAlmostEqual(got["total"]["p99"] / 1000, latency["p99"], delta=latency["p99"] * 0.03)
        self.assertAlmostEqual(got["total"]["max"] / 1000, latency["max"], delta=latency["max"] * 0.03)

    def test_merge_adds_two_runs_up(self):
        a, b = self.a_run["latency_us"], self.b_run["latency_us"]
        self.assertGreater(b["p50"], a["p50"] * 2)  # two different runs
        r = self.wskit("bench", "merge", self.a["hlog"], self.b["hlog"], "--json")
        self.assertExit(r, 0)
        merged = json.loads(r.stdout)
        self.assertEqual(merged["count"], a["count"] + b["count"])
        self.assertEqual([(f["path"], f["count"]) for f in merged["files"]],
                         [(self.a["hlog"], a["count"]), (self.b["hlog"], b["count"])])
        p50 = merged["latency_us"]["p50"]
        self.assertGreaterEqual(p50, a["p50"] * 0.97)
        self.assertLessEqual(p50, b["p50"] * 1.03)
        self.assertAlmostEqual(merged["latency_us"]["max"], max(a["max"], b["max"]), delta=max(a["max"], b["max"]) * 0.03)
        # The table says the same; a log merged with itself counts twice.
        r = self.wskit("bench", "merge", self.a["hlog"], self.a["hlog"])
        self.assertExit(r, 0)
        self.assertRegex(r.stdout.decode(), rf"count +{2 * a['count']}\n")
        r = self.wskit("bench", "merge", os.path.join(self.tmp, "missing.hlog"))
        self.assertExit(r, 1)
        self.assertIn("missing.hlog: No such file or directory", r.stderr.decode())

    def test_report_is_self_contained(self):
        with open(self.a["html"], encoding="utf-8") as f:
            page = f.read()
        self.assertTrue(page.startswith("<!DOCTYPE html>"))
        self.assertNotRegex(page.lower(), r"<script")
        self.assertNotRegex(page, r"https?://")
        self.assertNotRegex(page, r"(src|href)\s*=|@import|url\(")
        self.assertGreaterEqual(page.count("<svg"), 2)

    def test_report_renders_and_says_what_json_said(self):
        script = os.path.join(self.tmp, "report_page.cjs")
        with open(script, "w") as f:
            f.write(REPORT_PAGE)
        shot = os.path.join(self.tmp, "report.png")
        page_url = "file://" + self.a["html"]
        try:
            done = subprocess.run([NODE, script, PEERS, page_url, shot], capture_output=True, timeout=120,
                                  start_new_session=True)
        except subprocess.TimeoutExpired as e:
            raise AssertionError(f"the browser did not finish; stdout={e.stdout!r} stderr={e.stderr!r}")
        lines = [json.loads(line) for line in done.stdout.decode().splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines or "error" in lines[-1]:
            raise AssertionError(f"the browser failed: stdout={done.stdout!r} stderr={done.stderr[-3000:]!r}")
        got = lines[-1]
        self.assertEqual(got["problems"], [])
        self.assertEqual(got["requests"], [page_url])  # nothing else fetched
        self.assertEqual(got["scripts"], 0)
        self.assertIn("wskit bench", got["title"])
        # The charts are drawn, at a size.
        self.assertGreaterEqual(len(got["charts"]), 2, got["charts"])
        for chart in got["charts"]:
            self.assertGreater(chart["width"], 100, chart)
            self.assertGreater(chart["height"], 50, chart)
            self.assertGreater(chart["shapes"], 0, chart)
        # Each data-field cell says what --json said.
        fields = {f["field"]: f["text"] for f in got["fields"]}
        for name in ("per_second", "latency_us.p99", "errors.total", "received", "seconds", "mode", "url"):
            self.assertIn(name, fields)
        self.assertGreater(len(fields), 15)
        for cell in got["fields"]:
            with self.subTest(field=cell["field"]):
                want = field_of(self.a_run, cell["field"])
                if isinstance(want, str):
                    self.assertEqual(cell["text"], want)
                else:
                    self.assertEqual(json.loads(cell["text"]), want, cell["text"])
        with open(shot, "rb") as f:
            png = f.read()
        self.assertTrue(png.startswith(b"\x89PNG\r\n\x1a\n"))
        self.assertGreater(len(png), 5000)

    def test_report_of_application_traffic_says_what_json_said(self):
        with open(self.c_html, encoding="utf-8") as f:
            page = f.read()
        cells = DataFields(page).found
        fields = dict(cells)
        for name in ("unmatched", "first_sent", "errors.total", "latency_us.p99", "per_second", "connect_rate"):
            self.assertIn(name, fields)
        self.assertEqual(self.c_run["unmatched"], 2)  # the replies to --first
        for field, text in cells:
            with self.subTest(field=field):
                want = field_of(self.c_run, field)
                self.assertEqual(text if isinstance(want, str) else json.loads(text), want, text)
        # The stages and the condition are on the page.
        self.assertIn("p99&gt;10s", page)
        self.assertNotRegex(page.lower(), r"<script")

    def test_unwritable_files_fail_before_the_run(self):
        for option, place, says in (("--report", "/proc/x/report.html", "--report: cannot write /proc/x/report.html"),
                                    ("--report", self.tmp, f"--report: cannot write {self.tmp}: Is a directory"),
                                    ("--hdr", "/proc/x.hlog", "--hdr: cannot write /proc/x.hlog"),
                                    ("--series", "/proc/x.csv", "cannot write /proc/x.csv")):
            with self.subTest(option=option, place=place):
                started = time.monotonic()
                r = self.wskit("bench", "-c", "1", "-d", "5", option, place, "-q", self.echo_url)
                self.assertExit(r, 1)
                self.assertLess(time.monotonic() - started, 3)  # the run of 5 s never started
                self.assertEqual(r.stdout, b"")
                self.assertIn(says, r.stderr.decode())
                self.assertEqual(len(r.stderr.decode().splitlines()), 1, r.stderr)

    def test_series_needs_a_known_extension(self):
        for name in ("series.txt", "series", "series.csv.gz"):
            with self.subTest(name):
                r = self.wskit("bench", "-c", "1", "-d", "5", "--series", os.path.join(self.tmp, name), "-q",
                               "ws://127.0.0.1:1/")
                self.assertExit(r, 2)
                self.assertIn("name it .csv for CSV, or .ndjson for JSON lines", r.stderr.decode())
                self.assertFalse(os.path.exists(os.path.join(self.tmp, name)))
        # .jsonl is JSON lines too.
        path = os.path.join(self.tmp, "lines.jsonl")
        r = self.wskit("bench", "-c", "1", "-n", "20", "--series", path, "-q", self.echo_url)
        self.assertExit(r, 0)
        with open(path) as f:
            rows = [json.loads(line) for line in f]
        self.assertEqual(sum(row["received"] for row in rows), 20)


if __name__ == "__main__":
    main()
