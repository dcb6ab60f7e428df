// wskit bench --report: the run as one self-contained HTML page (inline CSS
// and SVG, no script, nothing fetched): parameters, summary, latency by
// percentile, the per-second series, errors. The tables are report_tables',
// the charts report_charts'; this file puts the page together.
#include <wskit/tool/bench_report.hpp>

#include "bench/html.hpp"
#include "bench/report_charts.hpp"
#include "bench/report_tables.hpp"

#include <wskit/secrets.hpp>
#include <wskit/version.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>

namespace wskit {
namespace {

using detail::html_escape;

// Light, neutral, the reader's own system font; nothing to download. Printed,
// the charts keep their place next to their headings.
constexpr const char* style = R"css(
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#222;
background:#fff;max-width:60rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem;margin:0 0 .3rem}
h2{font-size:1.15rem;margin:2rem 0 .6rem;padding-bottom:.2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.4rem 0}
th,td{padding:.15rem .9rem .15rem 0;text-align:left;vertical-align:top}
th{font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
table.parameters td.num{text-align:left}
table.across th,table.across td{text-align:right;padding:.15rem 0 .15rem .9rem}
.unit,.meta,footer{color:#555}
code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f3f3f3;padding:0 .2em;
word-break:break-all}
ol{margin:0;padding-left:1.2rem}
.note{border-left:3px solid #888;background:#f6f6f6;padding:.4rem .8rem}
.warn{border-left-color:#d55e00}
figure{margin:1rem 0;break-inside:avoid}
svg.chart{display:block;width:100%;max-width:720px;height:auto}
footer{margin-top:2.5rem;font-size:.85rem}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}.note{background:none}}
)css";

// URLs as the page shows them: a token in the query hidden, as in a
// recording, since a report is a file made to be passed around.
std::string shown_url(const Url& url) { return html_escape(mask_query_secrets(url.str())); }

// "2024-05-01T12:00:00Z"; "" when the start time is unknown.
std::string iso_utc(double unix_seconds) {
    if (!std::isfinite(unix_seconds) || unix_seconds <= 0) return "";
    auto seconds = static_cast<std::time_t>(unix_seconds);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

bool open_loop(const BenchOptions& o) {
    return o.rate > 0 || std::any_of(o.stages.begin(), o.stages.end(), [](const auto& s) { return s.rate > 0; });
}

std::string head(const BenchResult& r) {
    return fmt::format("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                       "<title>wskit bench {} {}</title>\n<style>{}</style>\n</head>\n",
                       bench_mode_name(r.options.mode), shown_url(r.options.client.url), style);
}

std::string page_header(const BenchResult& r) {
    auto servers = bench_servers(r.options);
    std::string urls;
    for (std::size_t i = 0; i < servers.size(); ++i) {
        urls += i == 0 ? "<code data-field=\"url\">" : ", <code>";
        urls += shown_url(servers[i]) + "</code>";
    }
    auto date = iso_utc(r.started_at);
    std::string started = date.empty() ? "start time unknown"
                                       : fmt::format("started <time datetime=\"{0}\">{0}</time> (UTC)", date);
    return fmt::format("<header>\n<h1>wskit bench</h1>\n<p class=\"meta\">mode <b data-field=\"mode\">{}</b> "
                       "against {}<br>\n{}, wskit {}</p>\n</header>\n",
                       bench_mode_name(r.options.mode), urls, started, html_escape(version()));
}

// What makes the numbers below mean less than they seem.
std::string warnings(const BenchResult& r, const detail::ReportJson& j) {
    std::string out;
    if (!j["error"].is_null()) {
        out += "<p class=\"note warn\">The run did not measure what it set out to: <span data-field=\"error\">" +
               html_escape(j["error"].get<std::string>()) + "</span></p>\n";
    } else if (r.ended_early) {
        out += fmt::format("<p class=\"note warn\">Every connection was gone {:.1f} s after the start: what was "
                           "measured is not the server's capacity.</p>\n", r.gone_after);
    }
    if (r.client_saturated) {
        out += "<p class=\"note warn\">wskit's threads were busy about 100 % of the time: the client may have been "
               "the bottleneck, not the server (try more --threads, or more client machines).</p>\n";
    }
    return out;
}

// Coordinated omission: whether a stalled server shows in the percentiles
// depends on who sets the pace, the schedule or the replies. Only the modes
// that time messages have a pace to speak of.
std::string loop_note(const BenchOptions& o) {
    if (o.mode != BenchMode::echo && o.mode != BenchMode::fanout) return "";
    if (!open_loop(o)) {
        return fmt::format("<p class=\"note warn\" id=\"loop-note\">Closed loop: each connection sends a message "
                           "only when a reply frees a place in its window ({} in flight). While the server stalls, "
                           "requests wait for replies and nothing new is timed, so closed-loop latency hides stalls "
                           "(coordinated omission). --rate measures open loop.</p>\n",
                           o.window);
    }
    std::string out = "<p class=\"note\" id=\"loop-note\">Open loop: messages leave on a schedule whether or not "
                      "replies have come; latency is measured from each message's intended send time, so a stalled "
                      "server shows in the percentiles.";
    bool some_closed = std::any_of(o.stages.begin(), o.stages.end(),
                                   [&](const auto& s) { return (s.rate < 0 ? o.rate : s.rate) <= 0; });
    if (some_closed) out += " The stages without a rate ran closed loop, where latency hides stalls.";
    return out + "</p>\n";
}

std::string latency_section(const BenchResult& r, const detail::ReportJson& j) {
    std::string out = "<section id=\"latency\">\n<h2>Latency</h2>\n" + detail::latency_table(r, j);
    out += loop_note(r.options);
    auto chart = detail::percentile_chart(r.histogram);
    out += chart.empty() ? "<p>No latency was recorded in the measured window: nothing to plot by percentile.</p>\n"
                         : chart;
    return out + "</section>\n";
}

std::string series_section(const BenchResult& r) {
    auto charts = detail::series_charts(r);
    return "<section id=\"series\">\n<h2>Over time</h2>\n" +
           (charts.empty() ? std::string("<p>No per-second series was recorded.</p>\n") : charts) + "</section>\n";
}

}  // namespace

std::string bench_report_html(const BenchResult& r) {
    const auto j = detail::ReportJson::parse(bench_json(r));
    return head(r) + "<body>\n" + page_header(r) + warnings(r, j) + detail::parameters_section(r, j) +
           detail::summary_section(r, j) + detail::thresholds_section(r, j) + latency_section(r, j) +
           series_section(r) + detail::errors_section(r, j) +
           fmt::format("<footer>Written by wskit {} bench --report.</footer>\n</body>\n</html>\n",
                       html_escape(version()));
}

}  // namespace wskit
