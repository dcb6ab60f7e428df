// --series: what happened in each second of a run, for a spreadsheet or jq.
#include "bench/text.hpp"

#include <wskit/tool/bench.hpp>

#include <fmt/format.h>


namespace wskit {
namespace {

double us(std::uint64_t ns) { return detail::json_us(static_cast<double>(ns)); }

}  // namespace

std::string bench_series_csv(const BenchResult& result) {
    std::string out = "time_s,length_s,open,sent,received,errors,p50_us,p99_us,max_us\n";
    for (const auto& i : result.intervals) {
        out += fmt::format("{:.3f},{:.3f},{},{},{},{},{},{},{}\n", i.start, i.length, i.open, i.sent, i.received,
                           i.errors, us(i.p50), us(i.p99), us(i.max));
    }
    return out;
}

std::string bench_series_ndjson(const BenchResult& result) {
    std::string out;
    for (const auto& i : result.intervals) {
        out += fmt::format(R"({{"time_s":{:.3f},"length_s":{:.3f},"open":{},"sent":{},"received":{},"errors":{},)"
                           R"("p50_us":{},"p99_us":{},"max_us":{}}})"
                           "\n",
                           i.start, i.length, i.open, i.sent, i.received, i.errors, us(i.p50), us(i.p99), us(i.max));
    }
    return out;
}

}  // namespace wskit
