#include "record/whole_file.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/tool/bench_files.hpp>
#include <wskit/tool/bench_hdr.hpp>
#include <wskit/tool/bench_report.hpp>

#include <fmt/format.h>

#include <cstring>

namespace wskit {
namespace {

bool ends_with(const std::string& text, std::string_view end) {
    return text.size() >= end.size() && text.compare(text.size() - end.size(), end.size(), end) == 0;
}

bool series_as_csv(const std::string& path) { return ends_with(path, ".csv"); }

Error cannot_write(const char* option, const std::string& path, int error) {
    return Error(ExitCode::runtime, fmt::format("{}: cannot write {}: {}", option, escape_controls(path), std::strerror(error)));
}

void write(const char* option, const std::string& path, std::string_view text) {
    if (int error = detail::write_whole_file(path, text)) throw cannot_write(option, path, error);
}

std::string hdr_log(const BenchResult& r) {
    std::vector<HdrLogLine> intervals;
    for (const auto& i : r.intervals) intervals.push_back({i.start, i.length, i.max, i.hdr});
    auto comment = fmt::format("wskit bench --mode {} {}: latencies in nanoseconds", bench_mode_name(r.options.mode),
                               r.options.client.url.str());
    return hdr_interval_log(intervals, r.started_at, comment);
}

}  // namespace

void check_bench_files(const BenchFiles& f) {
    if (!f.series.empty() && !series_as_csv(f.series) && !ends_with(f.series, ".ndjson") && !ends_with(f.series, ".jsonl"))
        throw Error(ExitCode::usage, fmt::format("--series {}: name it .csv for CSV, or .ndjson for JSON lines",
                                                 escape_controls(f.series)));
    for (auto [option, path] : {std::pair<const char*, const std::string*>{"--series", &f.series},
                                {"--hdr", &f.hdr},
                                {"--report", &f.report}}) {
        if (path->empty()) continue;
        if (int error = detail::check_whole_file(*path)) throw cannot_write(option, *path, error);
    }
}

void write_bench_files(const BenchResult& r, const BenchFiles& f) {
    if (!f.series.empty()) write("--series", f.series, series_as_csv(f.series) ? bench_series_csv(r) : bench_series_ndjson(r));
    if (!f.hdr.empty()) write("--hdr", f.hdr, hdr_log(r));
    if (!f.report.empty()) write("--report", f.report, bench_report_html(r));
}

}  // namespace wskit
