// The tables of wskit bench --report. Their numbers are bench_json's own,
// read back from its object, so that the page and --json never disagree:
// each sits in an element whose data-field names its --json field
// ("per_second", "latency_us.p99", "errors.total") and holds the very text
// --json writes for it ("812.0", not "812"), for a browser test to compare.
#pragma once

#include <wskit/tool/bench.hpp>

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace wskit::detail {

using ReportJson = nlohmann::ordered_json;  // bench_json(result), parsed

// <section>s: the options of the run; what it measured; the --fail-if
// conditions and whether each held ("" without any); failures by class with
// the first of each kind.
std::string parameters_section(const BenchResult& result, const ReportJson& json);
std::string summary_section(const BenchResult& result, const ReportJson& json);
std::string thresholds_section(const BenchResult& result, const ReportJson& json);
std::string errors_section(const BenchResult& result, const ReportJson& json);

// count, min, mean, p50, p90, p99, p99.9, max in µs, one row; a sentence
// when nothing was measured.
std::string latency_table(const BenchResult& result, const ReportJson& json);

}  // namespace wskit::detail
