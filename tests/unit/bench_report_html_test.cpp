// wskit bench --report's page, from results built by hand (no connection is
// opened): one self-contained document with no script and nothing fetched,
// the numbers of bench --json in cells named after its fields, every
// user- or peer-chosen string escaped, and charts whose every number is
// finite, whatever the run (empty, one second long, all zeros).
#include <wskit/tool/bench_report.hpp>

#include "bench/svg_chart.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <regex>
#include <string>
#include <vector>

using namespace wskit;

namespace {

BenchResult echo_run() {
    BenchResult r;
    auto& o = r.options;
    o.client.url = parse_url("ws://127.0.0.1:9000/echo");
    o.connections = 10;
    o.window = 4;
    o.duration = 5;
    o.warmup = 1;
    r.started_at = 1714564800;  // 2024-05-01T12:00:00Z
    r.seconds = 5.00041;
    r.sent = 50000;
    r.received = 49990;
    r.unanswered = 10;
    r.measured = 45002;
    r.per_second = 8999.66;
    r.mb_per_second = 0.287987;
    r.latency = {45002, 12345, 2000, 800049, 1234567, 2345678, 4000000, 456789.4};
    r.opened = 10;
    r.open_at_end = 10;
    r.errors.closed = 2;
    r.errors.protocol = 1;
    r.errors.first_message = "the server closed connection #3 with 1011";
    r.client_cpu_seconds = 1.23456;
    r.client_cpu_percent = 24.691;
    r.client_cpu_us_per_message = 27.4349;
    for (std::uint64_t ns = 1000; ns <= 4000000; ns += 400) r.histogram.record(ns);
    for (int s = 0; s < 6; ++s) {
        auto sent = static_cast<std::uint64_t>(9000 + 100 * s);
        std::uint64_t errors = s == 3 ? 2 : 0;
        double start = s;
        r.intervals.push_back({start, 1, sent, sent - 5, errors, 10, sent - 5, 500000, 2000000, 4000000, ""});
    }
    return r;
}

// Text as a browser reads it (textContent): the page's five entities undone.
std::string unescaped(std::string text) {
    static const std::pair<const char*, char> entities[] = {
        {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}, {"&amp;", '&'}};
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        bool replaced = false;
        for (const auto& [entity, c] : entities) {
            if (text.compare(i, std::strlen(entity), entity) == 0) {
                out += c;
                i += std::strlen(entity);
                replaced = true;
                break;
            }
        }
        if (!replaced) out += text[i++];
    }
    return out;
}

// data-field -> the text of its element, as a browser reads it.
std::map<std::string, std::string> fields_of(const std::string& html) {
    std::map<std::string, std::string> fields;
    static const std::regex field(R"re(data-field="([^"]+)">([^<]*)<)re");
    for (std::sregex_iterator it(html.begin(), html.end(), field), end; it != end; ++it) {
        CHECK(fields.count((*it)[1]) == 0);  // each field once
        fields[(*it)[1]] = unescaped((*it)[2]);
    }
    return fields;
}

// What bench --json writes for a field: its text in the JSON document.
std::string json_text(const nlohmann::ordered_json& j, std::string path) {
    std::replace(path.begin(), path.end(), '.', '/');
    const auto& value = j.at(nlohmann::ordered_json::json_pointer("/" + path));
    return value.is_string() ? value.get<std::string>() : value.dump();
}

std::vector<std::string> svgs_of(const std::string& html) {
    std::vector<std::string> svgs;
    for (auto at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) {
        auto end = html.find("</svg>", at);
        REQUIRE(end != std::string::npos);
        svgs.push_back(html.substr(at, end + 6 - at));
    }
    return svgs;
}

// Every number of every geometric attribute parses whole and is finite, and
// no text of a chart (a tick label) says nan or inf.
void check_svg_numbers(const std::string& html) {
    static const std::regex not_a_number(R"re(\b(nan|inf|infinity)\b)re", std::regex::icase);
    static const std::regex attribute(R"re(\s([a-zA-Z-]+)="([^"]*)")re");
    static const std::vector<std::string> numeric{"x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "width",
                                                   "height", "points", "viewBox", "font-size", "stroke-width"};
    for (const auto& svg : svgs_of(html)) {
        CHECK_FALSE(std::regex_search(svg, not_a_number));
        for (std::sregex_iterator it(svg.begin(), svg.end(), attribute), end; it != end; ++it) {
            std::string value = (*it)[2];
            std::string lower = value;
            for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            INFO((*it)[1] << "=\"" << value << "\"");
            CHECK(lower.find("nan") == std::string::npos);
            CHECK(lower.find("inf") == std::string::npos);
            if (std::find(numeric.begin(), numeric.end(), (*it)[1]) == numeric.end()) continue;
            std::replace(value.begin(), value.end(), ',', ' ');
            const char* p = value.c_str();
            while (*p) {
                char* next = nullptr;
                double number = std::strtod(p, &next);
                REQUIRE(next != p);
                CHECK(std::isfinite(number));
                p = next;
                while (*p == ' ') ++p;
            }
        }
    }
}

// The (x, y) points of the polylines in the chart with this id.
std::vector<std::pair<double, double>> points_of(const std::string& html, const std::string& id) {
    auto at = html.find("<svg id=\"" + id + "\"");
    REQUIRE(at != std::string::npos);
    auto svg = html.substr(at, html.find("</svg>", at) - at);
    std::vector<std::pair<double, double>> points;
    static const std::regex pair(R"re((-?[0-9.]+),(-?[0-9.]+))re");
    for (auto line = svg.find("<polyline points=\""); line != std::string::npos;
         line = svg.find("<polyline points=\"", line + 1)) {
        auto from = line + 18;
        auto list = svg.substr(from, svg.find('"', from) - from);
        for (std::sregex_iterator it(list.begin(), list.end(), pair), end; it != end; ++it) {
            points.emplace_back(std::stod((*it)[1]), std::stod((*it)[2]));
        }
    }
    return points;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("bench report: one self-contained HTML document, no script, nothing fetched", "[report]") {
    auto html = bench_report_html(echo_run());
    CHECK(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0) == 0);
    CHECK(occurrences(html, "<html") == 1);
    CHECK(occurrences(html, "</html>") == 1);
    CHECK(html.substr(html.size() - 8) == "</html>\n");
    CHECK(occurrences(html, "<body>") == 1);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("http://") == std::string::npos);
    CHECK(html.find("https://") == std::string::npos);
    CHECK(html.find("src=") == std::string::npos);
    CHECK(html.find("href=") == std::string::npos);
    CHECK(html.find("url(") == std::string::npos);
    CHECK(html.find("@import") == std::string::npos);
    CHECK_THAT(html, Catch::Matchers::Contains("<meta charset=\"utf-8\">"));
    CHECK_THAT(html, Catch::Matchers::Contains("<time datetime=\"2024-05-01T12:00:00Z\">"));
    CHECK_THAT(html, Catch::Matchers::Contains("<h1>wskit bench</h1>"));
}

TEST_CASE("bench report: the numbers are bench --json's, in cells named after its fields", "[report]") {
    auto r = echo_run();
    auto html = bench_report_html(r);
    auto fields = fields_of(html);
    auto j = nlohmann::ordered_json::parse(bench_json(r));
    for (const char* name :
         {"mode", "url", "connections", "window", "size", "rate", "threads", "warmup_s", "seconds", "measured",
          "per_second", "mb_per_second", "sent", "received", "unanswered", "opened", "open_at_end", "latency_us.count",
          "latency_us.min", "latency_us.mean", "latency_us.p50", "latency_us.p90", "latency_us.p99",
          "latency_us.p99_9", "latency_us.max", "errors.total", "errors.connect", "errors.tls", "errors.handshake",
          "errors.timeout", "errors.closed", "errors.protocol", "errors.first", "client_cpu_s", "client_cpu_percent",
          "client_cpu_us_per_message"}) {
        INFO(name);
        CHECK(fields.count(name) == 1);
    }
    for (const auto& [name, text] : fields) {
        INFO(name);
        CHECK(text == json_text(j, name));
    }
    // As --json rounds and writes them: whole messages a second, a tenth of a
    // microsecond, and a double that happens to be whole still as "2.0".
    CHECK(fields["per_second"] == "9000");
    CHECK(fields["seconds"] == "5.0");
    CHECK(fields["mb_per_second"] == "0.288");
    CHECK(fields["latency_us.min"] == "12.3");
    CHECK(fields["latency_us.mean"] == "456.8");
    CHECK(fields["latency_us.p50"] == "2.0");
    CHECK(fields["latency_us.p99_9"] == "2345.7");
    CHECK(fields["latency_us.max"] == "4000.0");
    CHECK(fields["client_cpu_s"] == "1.235");
    CHECK(fields["errors.total"] == "3");
    CHECK(fields["rate"] == "0.0");
}

TEST_CASE("bench report: the server's numbers and the compression agreed, when there are any", "[report]") {
    auto r = echo_run();
    r.server_measured = true;
    r.server_cpu_seconds = 2.5;
    r.server_cpu_us_per_message = 55.556;
    r.server_rss_before_kib = 1000;
    r.server_rss_after_kib = 3000;
    r.options.client.compress = DeflateOffer{};
    r.compressed = 7;
    auto fields = fields_of(bench_report_html(r));
    CHECK(fields["server.cpu_s"] == "2.5");
    CHECK(fields["server.cpu_us_per_message"] == "55.56");
    CHECK(fields["server.rss_after_kib"] == "3000");
    CHECK(fields["compression.agreed"] == "7");
    CHECK(fields_of(bench_report_html(echo_run())).count("server.cpu_s") == 0);
}

TEST_CASE("bench report: application traffic, ramps and thresholds, as --json gives them", "[report]") {
    auto r = echo_run();
    auto& o = r.options;
    o.templates = {"{\"id\":{seq}}"};
    o.messages_from = "more.txt";
    o.match = "/id";
    o.first = {"{\"op\":\"login\"}"};
    o.connect_rate = 50;
    o.stages = {{10, 100, 2000}};
    o.fail_if = {{"p99>1ms", "p99", ">", 1e6}, {"errors>100", "errors", ">", 100}};
    r.unmatched = 3;
    r.first_sent = 10;
    r.dropped = 4;
    auto html = bench_report_html(r);
    auto fields = fields_of(html);
    auto j = nlohmann::ordered_json::parse(bench_json(r));
    for (const auto& [name, text] : fields) {
        INFO(name);
        CHECK(text == json_text(j, name));
    }
    CHECK(fields["unmatched"] == "3");
    CHECK(fields["first_sent"] == "10");
    CHECK(fields["dropped"] == "4");
    CHECK(fields["connect_rate"] == "50.0");
    CHECK(fields["match"] == "/id");
    CHECK(fields["messages_from"] == "more.txt");
    CHECK(fields["thresholds.0.condition"] == "p99>1ms");
    CHECK_THAT(html, Catch::Matchers::Contains("p99&gt;1ms"));  // escaped, as every user text
    CHECK(fields["thresholds.0.held"] == "true");
    CHECK(fields["thresholds.1.held"] == "false");
    CHECK_THAT(html, Catch::Matchers::Contains("<tr><th>replies</th>"));
    // --first messages are counted, never shown: a login often holds a password.
    CHECK_THAT(html, !Catch::Matchers::Contains("login"));
    CHECK_THAT(html, Catch::Matchers::Contains("1 message"));
}

TEST_CASE("bench report: URLs, errors, templates and close reasons are escaped", "[report]") {
    auto r = echo_run();
    r.options.client.url = parse_url("ws://127.0.0.1:9000/<script>alert(1)</script>?next=http://x/\"'&");
    r.errors.first_message = "bad frame: <script>alert(2)</script>";
    r.errors.first_close_reason = "<img src=x onerror=alert(3)>";
    r.errors.first_close_code = 1011;
    r.errors.first_opening = ConnectFailure{ExitCode::handshake, "HTTP 400 <b>bad</b>"};
    r.options.templates = {"<script>alert(4)</script>"};
    r.options.first = {"</code><script>alert(5)</script>"};
    r.options.match = "/id\"><script>";
    auto html = bench_report_html(r);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("<img") == std::string::npos);
    CHECK(html.find("<b>bad") == std::string::npos);
    std::string shown = "ws://127.0.0.1:9000/&lt;script&gt;alert(1)&lt;/script&gt;?next=http://x/&quot;&#39;&amp;";
    CHECK_THAT(html, Catch::Matchers::Contains("<code data-field=\"url\">" + shown + "</code>"));
    CHECK_THAT(html, Catch::Matchers::Contains("bad frame: &lt;script&gt;alert(2)&lt;/script&gt;"));
    CHECK_THAT(html, Catch::Matchers::Contains("&lt;img src=x onerror=alert(3)&gt;"));
    CHECK_THAT(html, Catch::Matchers::Contains("&lt;script&gt;alert(4)&lt;/script&gt;"));
    // "http://" only inside the URL's escaped text.
    std::string rest = html;
    for (auto at = rest.find(shown); at != std::string::npos; at = rest.find(shown)) rest.erase(at, shown.size());
    CHECK(rest.find("http://") == std::string::npos);
    CHECK(rest.find("https://") == std::string::npos);
}

TEST_CASE("bench report: a token in the URL is hidden", "[report]") {
    auto r = echo_run();
    r.options.client.url = parse_url("ws://127.0.0.1:9000/feed?token=s3cret&x=1");
    auto html = bench_report_html(r);
    CHECK(html.find("s3cret") == std::string::npos);
    CHECK_THAT(html, Catch::Matchers::Contains("/feed?token=[hidden]&amp;x=1"));
}

TEST_CASE("bench report: an empty run gives sentences, not charts", "[report]") {
    BenchResult r;
    r.options.client.url = parse_url("ws://127.0.0.1:9000/");
    auto html = bench_report_html(r);
    CHECK(html.find("<svg") == std::string::npos);
    CHECK_THAT(html, Catch::Matchers::Contains("No latency was measured."));
    CHECK_THAT(html, Catch::Matchers::Contains("nothing to plot by percentile"));
    CHECK_THAT(html, Catch::Matchers::Contains("No per-second series was recorded."));
    CHECK_THAT(html, Catch::Matchers::Contains("start time unknown"));
    CHECK(html.substr(html.size() - 8) == "</html>\n");
    auto fields = fields_of(html);
    CHECK(fields["per_second"] == "0");
    CHECK(fields["errors.total"] == "0");
}

TEST_CASE("bench report: a run of one second, and seconds of nothing, draw finite charts", "[report]") {
    auto r = echo_run();
    r.intervals = {{0, 1, 100, 100, 0, 10, 100, 500000, 900000, 1000000, ""}};
    auto html = bench_report_html(r);
    CHECK(svgs_of(html).size() == 4);  // percentiles, throughput, latency, open
    CHECK_THAT(html, Catch::Matchers::Contains("<circle"));  // one point is a dot
    check_svg_numbers(html);

    // All zeros, a second of no length, no latency at all: gaps and a flat axis.
    r.intervals = {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ""}, {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, ""}};
    r.histogram.reset();
    r.histogram.record(0);
    html = bench_report_html(r);
    check_svg_numbers(html);
    CHECK(html.find("chart-errors") == std::string::npos);  // no errors, no errors chart
}

TEST_CASE("bench report: every number of every chart is finite", "[report]") {
    check_svg_numbers(bench_report_html(echo_run()));
    CHECK_THAT(bench_report_html(echo_run()), Catch::Matchers::Contains("id=\"chart-errors\""));
}

TEST_CASE("bench report: the percentile plot climbs from 0 % to the maximum, on nines", "[report]") {
    auto html = bench_report_html(echo_run());
    auto points = points_of(html, "chart-percentiles");
    REQUIRE(points.size() == 100);
    for (std::size_t i = 1; i < points.size(); ++i) {
        INFO(i);
        CHECK(points[i].first > points[i - 1].first);    // x: further along the percentiles
        CHECK(points[i].second <= points[i - 1].second);  // y grows downwards: latency never falls
    }
    CHECK(points.back().second < points.front().second);
    // 9,998 latencies: the axis ends at 99.99 %, the first of the nines
    // whose rank is the count itself, where the line reaches the maximum.
    for (const char* tick : {">0%<", ">90%<", ">99%<", ">99.9%<", ">99.99%<"}) {
        CHECK_THAT(html, Catch::Matchers::Contains(tick));
    }
    CHECK(html.find(">99.999%<") == std::string::npos);
    CHECK_THAT(html, Catch::Matchers::Contains("latency (ms)"));
}

TEST_CASE("bench report: what the latency of a closed or an open loop means", "[report]") {
    auto r = echo_run();
    CHECK_THAT(bench_report_html(r), Catch::Matchers::Contains("closed-loop latency hides stalls"));
    r.options.rate = 5000;
    auto open = bench_report_html(r);
    CHECK_THAT(open, Catch::Matchers::Contains("measured from each message's intended send time"));
    CHECK(open.find("closed-loop latency hides stalls") == std::string::npos);
    r.options.rate = 0;
    r.options.stages = {{10, 100, 2000}, {10, 100, -1}};
    auto staged = bench_report_html(r);
    CHECK_THAT(staged, Catch::Matchers::Contains("intended send time"));
    CHECK_THAT(staged, Catch::Matchers::Contains("stages without a rate ran closed loop"));
    CHECK_THAT(staged, Catch::Matchers::Contains("<li>over 10 s to 100 connections, 2000 msg/s</li>"));
}

TEST_CASE("bench report: chart numbers are tenths, never nan or inf", "[report]") {
    using detail::svg_number;
    CHECK(svg_number(12.0) == "12");
    CHECK(svg_number(12.34) == "12.3");
    CHECK(svg_number(-0.04) == "0");
    CHECK(svg_number(std::numeric_limits<double>::quiet_NaN()) == "0");
    CHECK(svg_number(std::numeric_limits<double>::infinity()) == "0");
    CHECK(svg_number(1e300).find("inf") == std::string::npos);

    detail::LineChart chart;
    chart.id = "c";
    chart.lines = {{"flat", {{5, 0}, {5, 0}}}, {"none", {}}, {"odd", {{-1, std::nan("")}, {2, 1e300}, {3, std::numeric_limits<double>::max()}}}};
    check_svg_numbers(detail::svg_line_chart(chart));
    chart.log_x = true;
    check_svg_numbers(detail::svg_line_chart(chart));
    chart.lines.clear();
    check_svg_numbers(detail::svg_line_chart(chart));
}
