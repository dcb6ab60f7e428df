#include "bench/stages.hpp"
#include "proto/duration.hpp"
#include "proto/numbers.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace wskit {
namespace {

// A stage's rate: messages per second, "/s" allowed after it.
std::optional<double> read_rate(std::string_view text) {
    if (text.size() > 2 && text.substr(text.size() - 2) == "/s") text.remove_suffix(2);
    auto rate = detail::parse_decimal(text);
    if (!rate || *rate >= 1e9) return std::nullopt;
    return rate;
}

}  // namespace

std::vector<BenchStage> parse_bench_stages(std::string_view text) {
    std::vector<BenchStage> stages;
    std::size_t number = 0;
    while (!text.empty() || stages.empty()) {
        ++number;
        auto comma = text.find(',');
        auto item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        auto bad = [&](const char* what) {
            return Error(ExitCode::usage, fmt::format("--stages: stage {} ('{}') {}; stages look like "
                                                      "10s:100,30s:1000:5000,10s:0 (DURATION:CONNECTIONS[:RATE])",
                                                      number, escape_controls(item), what));
        };
        auto first = item.find(':');
        if (first == std::string_view::npos) throw bad("has no :CONNECTIONS");
        auto second = item.find(':', first + 1);
        auto duration = detail::parse_duration(item.substr(0, first));
        if (!duration || duration->count() <= 0) throw bad("does not start with a duration like 10s or 500ms");
        BenchStage stage;
        stage.seconds = static_cast<double>(duration->count()) / 1000.0;
        auto count = item.substr(first + 1, second == std::string_view::npos ? std::string_view::npos : second - first - 1);
        auto connections = detail::parse_whole_number(count, 9);
        if (!connections) throw bad("needs a number of connections after the duration");
        stage.connections = static_cast<std::size_t>(*connections);
        if (second != std::string_view::npos) {
            auto rate = read_rate(item.substr(second + 1));
            if (!rate) throw bad("ends with a rate that is not a number of messages per second");
            stage.rate = *rate;
        }
        stages.push_back(stage);
        if (comma == std::string_view::npos) break;
        if (text.empty()) throw Error(ExitCode::usage, "--stages ends with a comma: a stage is missing after it");
    }
    if (detail::bench::stages_peak(stages) == 0) throw Error(ExitCode::usage, "--stages never opens a connection");
    return stages;
}

namespace detail::bench {

StagePoint stage_at(const std::vector<BenchStage>& stages, double t, double rate) {
    double from = 0, begin = 0;
    for (const auto& s : stages) {
        if (t < begin + s.seconds) {
            double done = (t - begin) / s.seconds;
            double wanted = from + (static_cast<double>(s.connections) - from) * std::max(0.0, done);
            return {static_cast<std::size_t>(std::llround(wanted)), s.rate >= 0 ? s.rate : rate};
        }
        begin += s.seconds;
        from = static_cast<double>(s.connections);
    }
    if (stages.empty()) return {0, rate};
    const auto& last = stages.back();
    return {last.connections, last.rate >= 0 ? last.rate : rate};
}

double stages_seconds(const std::vector<BenchStage>& stages) {
    double total = 0;
    for (const auto& s : stages) total += s.seconds;
    return total;
}

std::size_t stages_peak(const std::vector<BenchStage>& stages) {
    std::size_t peak = 0;
    for (const auto& s : stages) peak = std::max(peak, s.connections);
    return peak;
}

}  // namespace detail::bench
}  // namespace wskit
