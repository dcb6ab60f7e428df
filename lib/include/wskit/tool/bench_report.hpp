// wskit bench --report: one self-contained HTML page (no external resource,
// no script) with the run's parameters, the summary, a latency-percentile
// plot and the per-second series as inline SVG charts.
#pragma once

#include <wskit/export.hpp>
#include <wskit/tool/bench.hpp>

#include <string>

namespace wskit {

WSKIT_API std::string bench_report_html(const BenchResult& result);

}  // namespace wskit
