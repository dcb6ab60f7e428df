// The files a wskit bench run can leave behind: --series (CSV or NDJSON by
// the name's ending), --hdr (an HdrHistogram interval log) and --report
// (the HTML page). Each is written whole at the end of the run (SIGINT
// included), and checked before it starts: a run of an hour must not end
// in "cannot write".
#pragma once

#include <wskit/export.hpp>
#include <wskit/tool/bench.hpp>

#include <string>

namespace wskit {

struct BenchFiles {
    std::string series, hdr, report;  // empty: not asked for
};

// Throws Error(usage) for a --series name that ends neither in .csv nor in
// .ndjson/.jsonl, and Error(runtime) for a place that cannot be written.
WSKIT_API void check_bench_files(const BenchFiles& files);
// Throws Error(runtime) naming the file that could not be written.
WSKIT_API void write_bench_files(const BenchResult& result, const BenchFiles& files);

}  // namespace wskit
