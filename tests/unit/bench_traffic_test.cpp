// wskit bench's application traffic and ramps, the pure pieces: message
// templates (bench/template.hpp), --stages (parse_bench_stages, stages.hpp),
// --fail-if (parse_bench_threshold, bench_threshold_failures), the --series
// files, --match's field (bench/match.hpp) and the per-second collector
// (bench/intervals.hpp).
#include "bench/intervals.hpp"
#include "bench/match.hpp"
#include "bench/stages.hpp"
#include "bench/template.hpp"
#include "support.hpp"

#include <wskit/tool/bench.hpp>
#include <wskit/tool/bench_hdr.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

using wskit::BenchResult;
using wskit::BenchStage;
using wskit::BenchThreshold;
using wskit::ExitCode;
using wskit::LatencyHistogram;
using wskit::test::error_message;
using namespace wskit::detail::bench;

namespace {

// A file in the temporary folder, removed with the object.
struct TempFile {
    std::string path;
    explicit TempFile(const std::string& content) {
        char name[] = "/tmp/wskit-bench-traffic-XXXXXX";
        int fd = ::mkstemp(name);
        REQUIRE(fd >= 0);
        ::close(fd);
        path = name;
        std::ofstream(path, std::ios::binary) << content;
    }
    ~TempFile() { std::remove(path.c_str()); }
};

std::string render(const MessageTemplate& t, std::uint64_t seq = 0, std::uint64_t conn = 0,
                   std::uint64_t* rng = nullptr) {
    static std::uint64_t default_rng = 0x1234567;
    std::string out;
    t.render({seq, conn, rng ? rng : &default_rng}, out);
    return out;
}

std::string render(std::string_view text, std::uint64_t seq = 0, std::uint64_t conn = 0) {
    std::vector<std::shared_ptr<LineSource>> files;
    return render(MessageTemplate::compile(text, files), seq, conn);
}

std::uint64_t unix_us() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
}

}  // namespace

TEST_CASE("templates: seq and conn are the message's and the connection's numbers", "[bench_traffic]") {
    CHECK(render("{seq}", 7, 3) == "7");
    CHECK(render("{conn}", 7, 3) == "3");
    CHECK(render("req-{seq}-of-{conn}/{seq}", 12, 0) == "req-12-of-0/12");
    CHECK(render("{seq}", 18446744073709551615ull) == "18446744073709551615");
}

TEST_CASE("templates: ts_us is the send time in microseconds since the epoch", "[bench_traffic]") {
    std::vector<std::shared_ptr<LineSource>> files;
    auto t = MessageTemplate::compile("at {ts_us}", files);
    auto before = unix_us();
    auto text = render(t);
    auto after = unix_us();
    REQUIRE(text.rfind("at ", 0) == 0);
    auto value = std::stoull(text.substr(3));
    CHECK(value >= before);
    CHECK(value <= after);
    CHECK_FALSE(t.is_constant());
}

TEST_CASE("templates: rand:N stays in 0..N-1 and takes every value", "[bench_traffic]") {
    std::vector<std::shared_ptr<LineSource>> files;
    auto t = MessageTemplate::compile("{rand:5}", files);
    std::uint64_t rng = 0x9E3779B97F4A7C15ull;
    std::set<int> seen;
    for (int i = 0; i < 1000; ++i) {
        int v = std::stoi(render(t, 0, 0, &rng));
        REQUIRE(v >= 0);
        REQUIRE(v < 5);
        seen.insert(v);
    }
    CHECK(seen.size() == 5);
    auto one = MessageTemplate::compile("{rand:1}", files);
    for (int i = 0; i < 50; ++i) CHECK(render(one, 0, 0, &rng) == "0");
    // A 12-digit bound is the largest taken.
    auto big = MessageTemplate::compile("{rand:999999999999}", files);
    CHECK(std::stoull(render(big, 0, 0, &rng)) < 999999999999ull);
}

TEST_CASE("templates: file:PATH gives the file's non-blank lines in turn, shared by every template", "[bench_traffic]") {
    TempFile f("alpha\r\n\nbeta\n\r\ngamma");  // CRLF, empty lines, no final newline
    std::vector<std::shared_ptr<LineSource>> files;
    auto a = MessageTemplate::compile("a={file:" + f.path + "}", files);
    auto b = MessageTemplate::compile("b={file:" + f.path + "}", files);
    CHECK(files.size() == 1);  // a path named twice is read once, with one cursor
    CHECK(render(a) == "a=alpha");
    CHECK(render(b) == "b=beta");
    CHECK(render(a) == "a=gamma");
    CHECK(render(b) == "b=alpha");
    CHECK(read_message_lines(f.path) == std::vector<std::string>{"alpha", "beta", "gamma"});
}

TEST_CASE("templates: JSON braces and other braces are text; {{ is a brace", "[bench_traffic]") {
    CHECK(render(R"({"id":{seq},"conn":{conn},"meta":{"a":[1,{"b":2}]}})", 4, 2) ==
          R"({"id":4,"conn":2,"meta":{"a":[1,{"b":2}]}})");
    // The escape of the help's own example, and what follows it read as text.
    CHECK(render("{{seq}", 4) == "{seq}");
    CHECK(render("{{conn} {conn}", 4, 2) == "{conn} 2");
    CHECK(render("a{{rand:5}", 4) == "a{rand:5}");
    CHECK(render("{{xseq}", 4) == "{xseq}");
    CHECK(render("{{{seq}}", 4) == "{4}");
    CHECK(render("{{", 4) == "{");
    CHECK(render("}}", 4) == "}}");
    for (const char* text : {"{}", "{Seq}", "{SEQ}", "{a b}", "{seq", "{", "}", "{ seq}", "{seq }", "{9}", "x{"}) {
        INFO(text);
        CHECK(render(text, 4) == text);
    }
    std::vector<std::shared_ptr<LineSource>> files;
    CHECK(MessageTemplate::compile("plain {} text", files).is_constant());
    CHECK(MessageTemplate::compile("", files).is_constant());
    CHECK(render("") == "");
    CHECK_FALSE(MessageTemplate::compile("{seq}", files).is_constant());
    CHECK(MessageTemplate::compile("x{{y", files).is_constant());  // an escaped brace is text too
}

TEST_CASE("templates: an unknown or malformed placeholder is a usage error naming it", "[bench_traffic]") {
    std::vector<std::shared_ptr<LineSource>> files;
    auto compile = [&files](std::string text) { return [&files, text] { MessageTemplate::compile(text, files); }; };
    auto unknown = error_message(compile(R"({"id":{sq}})"), ExitCode::usage);
    CHECK(unknown.find("unknown placeholder {sq}") != std::string::npos);
    CHECK(unknown.find("{seq}") != std::string::npos);  // and what it takes
    CHECK(unknown.find('\n') == std::string::npos);
    CHECK(error_message(compile("{timestamp}"), ExitCode::usage).find("{timestamp}") != std::string::npos);
    CHECK(error_message(compile("{file:}"), ExitCode::usage).find("unknown placeholder") != std::string::npos);
    for (const char* bad : {"{rand:0}", "{rand:}", "{rand:x}", "{rand:-1}", "{rand:1.5}", "{rand:1234567890123}"}) {
        INFO(bad);
        auto message = error_message(compile(bad), ExitCode::usage);
        CHECK(message.find("rand takes a whole number above 0") != std::string::npos);
    }
    auto control = error_message(compile("{rand:\x1b}"), ExitCode::usage);
    CHECK(control.find('\x1b') == std::string::npos);
}

TEST_CASE("templates: a file that cannot be read, or has no line, is a runtime error", "[bench_traffic]") {
    std::vector<std::shared_ptr<LineSource>> files;
    auto missing = error_message([&] { MessageTemplate::compile("{file:/nonexistent/wskit/lines}", files); },
                                 ExitCode::runtime);
    CHECK(missing.find("/nonexistent/wskit/lines: cannot be read") != std::string::npos);
    TempFile empty("\n\r\n\n");
    auto none = error_message([&] { MessageTemplate::compile("{file:" + empty.path + "}", files); }, ExitCode::runtime);
    CHECK(none.find("has no message in it") != std::string::npos);
    error_message([&] { read_message_lines(empty.path); }, ExitCode::runtime);
}

TEST_CASE("stages: parsed as DURATION:CONNECTIONS[:RATE]", "[bench_traffic]") {
    auto s = wskit::parse_bench_stages("2s:10,2s:10,1s:0");
    REQUIRE(s.size() == 3);
    CHECK(s[0].seconds == 2);
    CHECK(s[0].connections == 10);
    CHECK(s[0].rate == -1);
    CHECK(s[2].seconds == 1);
    CHECK(s[2].connections == 0);
    auto r = wskit::parse_bench_stages("10s:100,30s:1000:5000,500ms:0:2.5/s,1s:3:0");
    REQUIRE(r.size() == 4);
    CHECK(r[1].rate == 5000);
    CHECK(r[2].seconds == 0.5);
    CHECK(r[2].rate == 2.5);
    CHECK(r[3].rate == 0);  // closed loop in that stage
    CHECK(r[0].rate == -1);
    CHECK(stages_seconds(r) == Approx(41.5));
    CHECK(stages_peak(r) == 1000);
}

TEST_CASE("stages: every parse error names its stage", "[bench_traffic]") {
    struct Case {
        const char* text;
        const char* says;
    };
    for (auto c : {Case{"", "stage 1 ('') has no :CONNECTIONS"},
                   Case{"10s", "stage 1 ('10s') has no :CONNECTIONS"},
                   Case{"10s:5,20s", "stage 2 ('20s') has no :CONNECTIONS"},
                   Case{"10s:5,,1s:0", "stage 2 ('') has no :CONNECTIONS"},
                   Case{"x:10", "does not start with a duration"},
                   Case{"10:10", "does not start with a duration"},  // a bare number is no duration
                   Case{"0s:10", "does not start with a duration"},
                   Case{"-1s:10", "does not start with a duration"},
                   Case{"10s:", "needs a number of connections"},
                   Case{"10s:ten", "needs a number of connections"},
                   Case{"10s:-1", "needs a number of connections"},
                   Case{"10s:1234567890", "needs a number of connections"},
                   Case{"10s:10:fast", "ends with a rate"},
                   Case{"10s:10:-5", "ends with a rate"},
                   Case{"10s:10:", "ends with a rate"},
                   Case{"10s:10:1e9", "ends with a rate"},
                   Case{"10s:10:5:6", "ends with a rate"},
                   Case{"1s:10,2s:x", "stage 2 ('2s:x')"}}) {
        INFO(c.text);
        auto message = error_message([&] { wskit::parse_bench_stages(c.text); }, ExitCode::usage);
        CHECK(message.find(c.says) != std::string::npos);
        CHECK(message.find("DURATION:CONNECTIONS[:RATE]") != std::string::npos);
    }
    auto never = error_message([] { wskit::parse_bench_stages("1s:0,2s:0"); }, ExitCode::usage);
    CHECK(never == "--stages never opens a connection");
    auto escaped = error_message([] { wskit::parse_bench_stages("1s:\x1b"); }, ExitCode::usage);
    CHECK(escaped.find('\x1b') == std::string::npos);
}

TEST_CASE("stages: connections move linearly within a stage, then hold the last target", "[bench_traffic]") {
    auto s = wskit::parse_bench_stages("2s:10,2s:10,1s:0");
    CHECK(stage_at(s, 0, 0).connections == 0);
    CHECK(stage_at(s, 0.5, 0).connections == 3);  // 2.5 rounds away from zero
    CHECK(stage_at(s, 1, 0).connections == 5);
    CHECK(stage_at(s, 1.9, 0).connections == 10);  // 9.5
    CHECK(stage_at(s, 2, 0).connections == 10);
    CHECK(stage_at(s, 3.99, 0).connections == 10);
    CHECK(stage_at(s, 4.5, 0).connections == 5);  // ramping down, halfway
    CHECK(stage_at(s, 4.9, 0).connections == 1);
    CHECK(stage_at(s, 5, 0).connections == 0);  // after the end: the last target
    CHECK(stage_at(s, 100, 0).connections == 0);
    // Down from a peak and up again.
    auto v = wskit::parse_bench_stages("1s:100,1s:20,2s:60");
    CHECK(stage_at(v, 0.25, 0).connections == 25);
    CHECK(stage_at(v, 1.5, 0).connections == 60);
    CHECK(stage_at(v, 3, 0).connections == 40);
    CHECK(stage_at(v, 10, 0).connections == 60);
    // Monotonic within each stage.
    std::size_t last = 0;
    for (double t = 0; t < 1; t += 0.01) {
        auto c = stage_at(v, t, 0).connections;
        CHECK(c >= last);
        last = c;
    }
    CHECK(stage_at({}, 3, 42).connections == 0);
    CHECK(stage_at({}, 3, 42).rate == 42);
}

TEST_CASE("stages: a stage's rate, or --rate where it names none", "[bench_traffic]") {
    auto s = wskit::parse_bench_stages("1s:10:500,1s:10,1s:10:0");
    CHECK(stage_at(s, 0.5, 200).rate == 500);
    CHECK(stage_at(s, 1.5, 200).rate == 200);
    CHECK(stage_at(s, 1.5, 0).rate == 0);
    CHECK(stage_at(s, 2.5, 200).rate == 0);  // :0 is closed loop, whatever --rate says
    CHECK(stage_at(s, 9, 200).rate == 0);
    CHECK(stages_seconds(s) == Approx(3));
    CHECK(stages_peak(s) == 10);
}

TEST_CASE("thresholds: parsed into metric, operator and value (latencies in ns)", "[bench_traffic]") {
    struct Case {
        const char* text;
        const char* metric;
        const char* op;
        double value;
    };
    for (auto c : {Case{"p99>50ms", "p99", ">", 50e6}, Case{"p99.9 >= 200us", "p99.9", ">=", 200e3},
                   Case{"mean<1.5s", "mean", "<", 1.5e9}, Case{"max<=800ns", "max", "<=", 800},
                   Case{"p50>20", "p50", ">", 20e6},  // a bare number is milliseconds
                   Case{"p90 == 3ms", "p90", "==", 3e6}, Case{"errors>0", "errors", ">", 0},
                   Case{"rate<10000", "rate", "<", 10000}, Case{"unmatched>=2.5", "unmatched", ">=", 2.5},
                   Case{"unanswered==0", "unanswered", "==", 0}, Case{"lost > 1", "lost", ">", 1}}) {
        INFO(c.text);
        auto t = wskit::parse_bench_threshold(c.text);
        CHECK(t.text == c.text);
        CHECK(t.metric == c.metric);
        CHECK(t.op == c.op);
        CHECK(t.value == Approx(c.value));
    }
}

TEST_CASE("thresholds: every parse error is a usage error saying what is wrong", "[bench_traffic]") {
    struct Case {
        const char* text;
        const char* says;
    };
    for (auto c : {Case{"p99", "no comparison"}, Case{"", "no comparison"}, Case{"p99=5ms", "= compares nothing: write =="},
                   Case{"p99>fast", "a latency compares with a duration"}, Case{"p99>", "a latency compares with a duration"},
                   Case{"p99>-1ms", "a latency compares with a duration"}, Case{"p99>1.2.3ms", "a latency compares"},
                   Case{"p99>5MS", "a latency compares"}, Case{"p99<>5ms", "a latency compares"},
                   Case{"errors>1ms", "'1ms' is not a number"}, Case{"rate<-1", "'-1' is not a number"},
                   Case{"errors>", "'' is not a number"}, Case{"cpu>5", "unknown metric 'cpu'"},
                   Case{">5", "unknown metric ''"}, Case{"P99>5ms", "unknown metric 'P99'"},
                   Case{"p999>5ms", "unknown metric 'p999'"}}) {
        INFO(c.text);
        auto message = error_message([&] { wskit::parse_bench_threshold(c.text); }, ExitCode::usage);
        CHECK(message.find(c.says) != std::string::npos);
        CHECK(message.rfind(std::string("--fail-if '") + c.text + "': ", 0) == 0);
    }
}

TEST_CASE("thresholds: the conditions that hold are the failures, each on a line of its own", "[bench_traffic]") {
    BenchResult r;
    r.latency.count = 100;
    r.latency.p50 = 2000000;
    r.latency.p99 = 73200000;
    r.latency.max = 80000000;
    r.latency.mean = 3500000;
    r.per_second = 5000.4;
    r.errors.closed = 2;
    r.unmatched = 3;
    r.unanswered = 0;
    std::vector<BenchThreshold> t;
    for (const char* c : {"p99>50ms", "p99>100ms", "p50<=2ms", "mean>3ms", "errors>0", "errors>5", "rate<10000",
                          "rate>10000", "unmatched==3", "unanswered>0", "lost>=0", "max<80ms"}) {
        t.push_back(wskit::parse_bench_threshold(c));
    }
    auto failures = wskit::bench_threshold_failures(r, t);
    CHECK(failures == std::vector<std::string>{"p99>50ms: p99 was 73.20 ms", "p50<=2ms: p50 was 2.00 ms",
                                               "mean>3ms: mean was 3.50 ms", "errors>0: errors was 2",
                                               "rate<10000: rate was 5000", "unmatched==3: unmatched was 3",
                                               "lost>=0: lost was 0"});
    CHECK(wskit::bench_threshold_failures(r, {}).empty());
    CHECK(wskit::bench_threshold_failures(r, {wskit::parse_bench_threshold("p99>1s")}).empty());
}

TEST_CASE("thresholds: a latency bound fails when no latency was measured", "[bench_traffic]") {
    BenchResult r;  // nothing measured
    auto failures = wskit::bench_threshold_failures(
        r, {wskit::parse_bench_threshold("p99>50ms"), wskit::parse_bench_threshold("errors>0")});
    CHECK(failures == std::vector<std::string>{"p99>50ms: no latency was measured"});
}

namespace {

BenchResult two_seconds() {
    BenchResult r;
    wskit::BenchInterval a;
    a.start = 0;
    a.length = 1;
    a.open = 3;
    a.sent = 10;
    a.received = 9;
    a.errors = 1;
    a.count = 9;
    a.p50 = 1234;
    a.p99 = 56789;
    a.max = 100000;
    wskit::BenchInterval b;
    b.start = 1;
    b.length = 0.25;
    b.open = 0;
    b.sent = 2;
    b.received = 3;
    r.intervals = {a, b};
    return r;
}

}  // namespace

TEST_CASE("series: CSV has a header and a line per second, latencies in us to 0.1", "[bench_traffic]") {
    CHECK(wskit::bench_series_csv(two_seconds()) ==
          "time_s,length_s,open,sent,received,errors,p50_us,p99_us,max_us\n"
          "0.000,1.000,3,10,9,1,1.2,56.8,100\n"
          "1.000,0.250,0,2,3,0,0,0,0\n");
    CHECK(wskit::bench_series_csv(BenchResult{}) == "time_s,length_s,open,sent,received,errors,p50_us,p99_us,max_us\n");
}

TEST_CASE("series: NDJSON has one object per second with the CSV's columns", "[bench_traffic]") {
    auto text = wskit::bench_series_ndjson(two_seconds());
    std::istringstream in(text);
    std::vector<nlohmann::json> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    REQUIRE(lines.size() == 2);
    CHECK(text.back() == '\n');
    const char* keys[] = {"time_s", "length_s", "open", "sent", "received", "errors", "p50_us", "p99_us", "max_us"};
    for (const auto& l : lines) {
        CHECK(l.size() == 9);
        for (auto k : keys) CHECK(l.contains(k));
    }
    CHECK(lines[0]["time_s"] == 0.0);
    CHECK(lines[0]["sent"] == 10);
    CHECK(lines[0]["received"] == 9);
    CHECK(lines[0]["errors"] == 1);
    CHECK(lines[0]["open"] == 3);
    CHECK(lines[0]["p50_us"].get<double>() == Approx(1.2));
    CHECK(lines[0]["p99_us"].get<double>() == Approx(56.8));
    CHECK(lines[0]["max_us"].get<double>() == Approx(100));
    CHECK(lines[1]["time_s"] == 1.0);
    CHECK(lines[1]["length_s"].get<double>() == Approx(0.25));
    CHECK(wskit::bench_series_ndjson(BenchResult{}).empty());
}

TEST_CASE("match: the field as compact JSON text, whatever its type", "[bench_traffic]") {
    MatchField id("/id");
    CHECK(id.key_of(R"({"id":7})") == std::optional<std::string>("7"));
    CHECK(id.key_of(R"({ "id" :  7 , "x": 1 })") == std::optional<std::string>("7"));
    CHECK(id.key_of(R"({"id":7.5})") == std::optional<std::string>("7.5"));
    CHECK(id.key_of(R"({"id":-3})") == std::optional<std::string>("-3"));
    CHECK(id.key_of(R"({"id":18446744073709551615})") == std::optional<std::string>("18446744073709551615"));
    CHECK(id.key_of(R"({"id":"a1"})") == std::optional<std::string>("\"a1\""));
    CHECK(id.key_of(R"({"id":null})") == std::optional<std::string>("null"));
    CHECK(id.key_of(R"({"id":true})") == std::optional<std::string>("true"));
    CHECK(id.key_of(R"({"id":{"a": [1, 2]}})") == std::optional<std::string>(R"({"a":[1,2]})"));
    // The same string however it is escaped: the key is the value, not its spelling.
    CHECK(id.key_of(R"({"id":"\u00e9"})") == id.key_of("{\"id\":\"\xc3\xa9\"}"));
    // A number and the string of its digits are different keys.
    CHECK(id.key_of(R"({"id":"7"})") != id.key_of(R"({"id":7})"));
}

TEST_CASE("match: nested fields, array indexes and escaped names", "[bench_traffic]") {
    CHECK(MatchField("/meta/req").key_of(R"({"meta":{"req":"x9"}})") == std::optional<std::string>("\"x9\""));
    CHECK(MatchField("/items/1").key_of(R"({"items":[10,20,30]})") == std::optional<std::string>("20"));
    CHECK(MatchField("/a~1b").key_of(R"({"a/b":4})") == std::optional<std::string>("4"));
    CHECK(MatchField("/a~0b").key_of(R"({"a~b":5})") == std::optional<std::string>("5"));
    CHECK(MatchField("/0").key_of(R"([11,12])") == std::optional<std::string>("11"));
}

TEST_CASE("match: no key for a missing field, a message that is not JSON, a path through the wrong type",
          "[bench_traffic]") {
    MatchField id("/id");
    CHECK_FALSE(id.key_of(R"({"ID":7})"));
    CHECK_FALSE(id.key_of(R"({"push":true})"));
    CHECK_FALSE(id.key_of("hello"));
    CHECK_FALSE(id.key_of(""));
    CHECK_FALSE(id.key_of(R"({"id":7)"));  // cut short
    CHECK_FALSE(id.key_of("\xff\xfe"));
    CHECK_FALSE(id.key_of("[1,2,3]"));  // an array has no "id"
    CHECK_FALSE(id.key_of("7"));
    CHECK_FALSE(MatchField("/meta/req").key_of(R"({"meta":"flat"})"));
    CHECK_FALSE(MatchField("/items/x").key_of(R"({"items":[1]})"));
    CHECK_FALSE(MatchField("/items/5").key_of(R"({"items":[1]})"));
    CHECK_FALSE(MatchField("/items/-").key_of(R"({"items":[1]})"));
}

TEST_CASE("match: what is not a JSON Pointer to a field is a usage error", "[bench_traffic]") {
    for (const char* bad : {"id", "meta/req", "/a~2", "/a~"}) {
        INFO(bad);
        auto message = error_message([&] { MatchField f(bad); }, ExitCode::usage);
        CHECK(message.find("--match takes a JSON Pointer like /id") != std::string::npos);
        CHECK(message.find(bad) != std::string::npos);
    }
    auto whole = error_message([] { MatchField f(""); }, ExitCode::usage);
    CHECK(whole.find("not the whole message") != std::string::npos);
    // Moved, it still works.
    MatchField a("/id");
    MatchField b(std::move(a));
    CHECK(b.key_of(R"({"id":1})") == std::optional<std::string>("1"));
}

namespace {

IntervalSample sample(std::uint64_t index, std::uint64_t end_ns, std::uint64_t sent, std::uint64_t received,
                      std::uint64_t errors, std::size_t open, std::vector<std::uint64_t> latencies) {
    IntervalSample s;
    s.index = index;
    s.end_ns = end_ns;
    s.sent = sent;
    s.received = received;
    s.errors = errors;
    s.open = open;
    for (auto v : latencies) s.histogram.record(v);
    return s;
}

}  // namespace

TEST_CASE("intervals: two workers' samples of a second add up into one", "[bench_traffic]") {
    const std::uint64_t start = 5000000000ull;
    IntervalCollector c(2, start);
    c.add(sample(0, start + 1000000000ull, 5, 4, 0, 2, {10, 20}));
    c.add(sample(0, start + 1004000000ull, 3, 3, 1, 1, {30}));
    auto got = c.finish();
    REQUIRE(got.size() == 1);
    const auto& i = got[0];
    CHECK(i.start == 0);
    CHECK(i.length == 1);  // a late cut does not make a second longer
    CHECK(i.sent == 8);
    CHECK(i.received == 7);
    CHECK(i.errors == 1);
    CHECK(i.open == 3);
    CHECK(i.count == 3);
    CHECK(i.p50 == 20);
    CHECK(i.max == 30);
    auto h = wskit::hdr_decode_base64(i.hdr);
    CHECK(h.count() == 3);
    CHECK(h.max() == 30);
}

TEST_CASE("intervals: a second a worker never gave is closed at finish(), shorter", "[bench_traffic]") {
    const std::uint64_t start = 1000;
    IntervalCollector c(2, start);
    // Worker A gives seconds 0 and 1 (its last cut 0.5 s into second 1);
    // worker B only second 0, and second 2 arrives before B's second 0.
    c.add(sample(0, start + 1000000000ull, 10, 10, 0, 1, {50}));
    c.add(sample(1, start + 1500000000ull, 4, 4, 0, 1, {60, 70}));
    c.add(sample(0, start + 1000000000ull, 6, 5, 0, 1, {40}));
    auto got = c.finish();
    REQUIRE(got.size() == 2);
    CHECK(got[0].start == 0);
    CHECK(got[0].sent == 16);
    CHECK(got[0].received == 15);
    CHECK(got[0].count == 2);
    CHECK(got[0].open == 2);
    CHECK(got[1].start == 1);
    CHECK(got[1].length == Approx(0.5));
    CHECK(got[1].sent == 4);
    CHECK(got[1].count == 2);
    CHECK(got[1].max == 70);
    CHECK(got[1].open == 1);
    CHECK(wskit::hdr_decode_base64(got[1].hdr).count() == 2);
}

TEST_CASE("intervals: seconds completed out of order come out in order", "[bench_traffic]") {
    IntervalCollector c(1, 0);
    c.add(sample(2, 2300000000ull, 1, 1, 0, 1, {}));
    c.add(sample(0, 1000000000ull, 2, 2, 0, 1, {}));
    c.add(sample(1, 2000000000ull, 3, 3, 0, 1, {}));
    auto got = c.finish();
    REQUIRE(got.size() == 3);
    CHECK(got[0].start == 0);
    CHECK(got[0].sent == 2);
    CHECK(got[1].start == 1);
    CHECK(got[2].start == 2);
    CHECK(got[2].length == Approx(0.3));
    CHECK(got[2].count == 0);
    CHECK(got[2].p99 == 0);
    // An end before the start is a second of no length, not a negative one.
    IntervalCollector early(1, 5000000000ull);
    early.add(sample(0, 1, 0, 0, 0, 0, {}));
    auto e = early.finish();
    REQUIRE(e.size() == 1);
    CHECK(e[0].length == 0);
    CHECK(IntervalCollector(3, 0).finish().empty());
}
