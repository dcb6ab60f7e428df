// wskit bench merge: adds the interval logs of several runs into one
// histogram and prints its percentiles. The reading and the text are in the
// library (wskit/tool/bench_hdr.hpp).
#include "commands.hpp"

#include <wskit/tool/bench_hdr.hpp>

#include <cstdio>
#include <memory>

namespace wskit::cli {
namespace {

struct BenchMergeCommand {
    std::vector<std::string> files;
    bool json = false;
};

int run(const BenchMergeCommand& c) {
    auto merge = hdr_merge_files(c.files);
    if (c.json) {
        std::printf("%s\n", hdr_merge_json(merge).c_str());
    } else {
        std::printf("%s", hdr_merge_summary(merge).c_str());
    }
    std::fflush(stdout);
    return to_int(ExitCode::ok);
}

}  // namespace

void register_bench_merge(CLI::App& bench, Context& ctx) {
    auto c = std::make_shared<BenchMergeCommand>();
    auto* sub = add_command(
        ctx, bench, "merge", "", "Add up interval logs (.hlog) and print their latency percentiles",
        {"wskit bench merge [OPTIONS] FILE...",
         "Reads HdrHistogram interval logs, such as several machines' runs of the same test, adds every interval "
         "of every log into one histogram and prints its count, p50, p90, p99, p99.9, max and mean as wskit "
         "bench prints its own, and how many intervals and latencies each file held. A log is HdrHistogram's "
         "format 1.3 (HistogramLogWriter's, jHiccup's, hdr-histogram-js's): comment lines, the legend, then one "
         "line per interval with its start, length, max and compressed histogram, optionally after a Tag=NAME "
         "field (all tags are added alike). Its histograms must be of nanoseconds with 2 significant digits and "
         "a lowest discernible value of 1, as wskit bench's are: merging other resolutions would mix buckets of "
         "different widths, and is refused with what was found. Percentiles are within 0.4 % of the recorded "
         "values; max and mean are those of the buckets.",
         {{"wskit bench merge a.hlog b.hlog", "the latencies of two runs together"},
          {"wskit bench merge --json runs/*.hlog", "the same as one JSON object"},
          {"ssh host2 cat run.hlog | wskit bench merge run.hlog -", "a local log and a remote one"}},
         {{ExitCode::ok, "the logs were read and added up"},
          {ExitCode::runtime, "a file cannot be read (the message names it and why)"},
          {ExitCode::usage, "a bad option, or a file that is not an interval log wskit reads (the message "
                            "names the file and the line)"}},
         /*reads_input=*/false});
    add_option(ctx, *sub, "file", c->files, "Interval logs to add up; - is standard input",
               "Interval logs (.hlog) to add up, in any number; - reads one from standard input.", Complete::file)
        ->required()
        ->option_text("FILE...");
    add_flag(ctx, *sub, "--json", c->json, "Print one JSON object instead of the table",
             "Print one JSON object on stdout instead of the table: count (latencies in all), latency_us with "
             "p50, p90, p99, p99_9, max and mean (microseconds, to 0.1, as wskit bench --json), and files, one "
             "object per file given with path, intervals and count.");
    sub->callback([c, &ctx] { ctx.run = [c] { return run(*c); }; });
}

}  // namespace wskit::cli
