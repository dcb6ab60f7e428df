// The charts of wskit bench --report, as inline SVG: latency by percentile
// from the run's histogram, and the per-second series.
#pragma once

#include <wskit/histogram.hpp>
#include <wskit/tool/bench.hpp>

#include <string>

namespace wskit::detail {

// HdrHistogram's percentile plot: x is 1/(1-p) on a log axis labelled 0%,
// 90%, 99%, 99.9%... up to the first of those beyond the count (where the
// line reaches the maximum), y the latency. "" for an empty histogram.
std::string percentile_chart(const LatencyHistogram& histogram);

// One <figure> per chart of result.intervals, each point at the end of its
// second: messages received and sent per second, latency p50 and p99, open
// connections, and errors per second when there were any; the warm-up
// shaded. "" without intervals.
std::string series_charts(const BenchResult& result);

}  // namespace wskit::detail
