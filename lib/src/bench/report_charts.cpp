// The charts of wskit bench --report: what each one plots, built on the SVG
// line-chart writer.
#include "bench/report_charts.hpp"

#include "bench/html.hpp"
#include "bench/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace wskit::detail {
namespace {

// Enough points for a smooth line on a 720-unit-wide plot, few enough to
// keep the page small.
constexpr int percentile_points = 100;
// Beyond 12 nines a double no longer tells the percentiles apart.
constexpr int most_nines = 12;

constexpr double gap = std::numeric_limits<double>::quiet_NaN();

// Latencies are drawn in the unit that keeps their numbers short.
struct LatencyUnit {
    const char* name;
    double ns;
};
LatencyUnit unit_for(std::uint64_t largest_ns) {
    if (largest_ns < 1000000) return {"µs", 1e3};
    if (largest_ns < 10000000000) return {"ms", 1e6};
    return {"s", 1e9};
}

// "0%", "90%", "99%", "99.9%", "99.99%": the percentile of 1 - 10^-nines.
std::string nines_label(int nines) {
    if (nines == 0) return "0%";
    if (nines == 1) return "90%";
    if (nines == 2) return "99%";
    return "99." + std::string(static_cast<std::size_t>(nines - 2), '9') + "%";
}

// The first power of ten above the count: at its percentile, 1 - 1/10^n,
// the rank is the count itself, so the line ends at the maximum.
int nines_for(std::uint64_t count) {
    int nines = 1;
    for (double reach = 10; reach <= static_cast<double>(count) && nines < most_nines; reach *= 10) ++nines;
    return nines;
}

std::vector<ChartTick> nines_ticks(int nines) {
    std::vector<ChartTick> ticks;
    for (int k = 0; k <= nines; ++k) ticks.push_back({std::pow(10.0, k), nines_label(k)});
    return ticks;
}

ChartBand warmup_band(const BenchOptions& o) { return {0, o.warmup, "warm-up"}; }

LineChart series_chart(const BenchResult& r, std::string id, std::string title, std::string y_label) {
    LineChart chart;
    chart.id = std::move(id);
    chart.title = std::move(title);
    chart.x_label = "seconds since the start";
    chart.y_label = std::move(y_label);
    if (r.options.warmup > 0) chart.bands.push_back(warmup_band(r.options));
    return chart;
}

double end_of(const BenchInterval& i) { return i.start + i.length; }

// A count over an interval as a rate; a gap for an interval of no length.
double per_second(std::uint64_t count, const BenchInterval& i) {
    return i.length > 0 ? static_cast<double>(count) / i.length : gap;
}

// The chart and, visible above it, its title.
std::string figure(const LineChart& chart) {
    return "<figure><figcaption>" + html_escape(chart.title) + "</figcaption>" + svg_line_chart(chart) + "</figure>\n";
}

std::string throughput_chart(const BenchResult& r) {
    auto chart = series_chart(r, "chart-throughput", "Messages per second", "per second");
    ChartLine received{"received", {}}, sent{"sent", {}};
    for (const auto& i : r.intervals) {
        received.points.push_back({end_of(i), per_second(i.received, i)});
        sent.points.push_back({end_of(i), per_second(i.sent, i)});
    }
    chart.lines = {std::move(received), std::move(sent)};
    return figure(chart);
}

std::string latency_chart(const BenchResult& r) {
    std::uint64_t largest = 0;
    for (const auto& i : r.intervals) largest = std::max(largest, i.p99);
    LatencyUnit unit = unit_for(largest);
    auto chart = series_chart(r, "chart-latency", "Latency per second", std::string("latency (") + unit.name + ")");
    ChartLine p50{"p50", {}}, p99{"p99", {}};
    for (const auto& i : r.intervals) {
        // A second without replies has no latency: a gap, not a zero.
        bool measured = i.count > 0;
        p50.points.push_back({end_of(i), measured ? static_cast<double>(i.p50) / unit.ns : gap});
        p99.points.push_back({end_of(i), measured ? static_cast<double>(i.p99) / unit.ns : gap});
    }
    chart.lines = {std::move(p50), std::move(p99)};
    return figure(chart);
}

std::string open_chart(const BenchResult& r) {
    auto chart = series_chart(r, "chart-open", "Open connections", "connections");
    ChartLine open{"open", {}};
    for (const auto& i : r.intervals) open.points.push_back({end_of(i), static_cast<double>(i.open)});
    chart.lines = {std::move(open)};
    return figure(chart);
}

std::string errors_chart(const BenchResult& r) {
    auto chart = series_chart(r, "chart-errors", "Errors per second", "errors per second");
    ChartLine errors{"errors", {}};
    for (const auto& i : r.intervals) errors.points.push_back({end_of(i), per_second(i.errors, i)});
    chart.lines = {std::move(errors)};
    return figure(chart);
}

}  // namespace

std::string percentile_chart(const LatencyHistogram& histogram) {
    if (histogram.count() == 0) return "";
    const int nines = nines_for(histogram.count());
    LatencyUnit unit = unit_for(histogram.max());
    LineChart chart;
    chart.id = "chart-percentiles";
    chart.title = "Latency by percentile";
    chart.x_label = "percentile (log scale of 1/(1 − p))";
    chart.y_label = std::string("latency (") + unit.name + ")";
    chart.log_x = true;
    chart.x_ticks = nines_ticks(nines);
    ChartLine line{"latency", {}};
    for (int k = 0; k < percentile_points; ++k) {
        // Evenly spaced on the log axis, from 0 % to the last tick.
        double x = std::pow(10.0, nines * static_cast<double>(k) / (percentile_points - 1));
        double percent = k == percentile_points - 1 ? 100 : 100 * (1 - 1 / x);
        line.points.push_back({x, static_cast<double>(histogram.percentile(percent)) / unit.ns});
    }
    chart.lines = {std::move(line)};
    return figure(chart);
}

std::string series_charts(const BenchResult& r) {
    if (r.intervals.empty()) return "";
    std::string out = throughput_chart(r) + latency_chart(r) + open_chart(r);
    bool any_errors = std::any_of(r.intervals.begin(), r.intervals.end(), [](const auto& i) { return i.errors > 0; });
    if (any_errors) out += errors_chart(r);
    return out;
}

}  // namespace wskit::detail
