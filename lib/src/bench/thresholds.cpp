// --fail-if: conditions on a run's results that fail it.
#include "bench/text.hpp"
#include "proto/numbers.hpp"

#include <wskit/tool/bench.hpp>
#include <wskit/encoding.hpp>

#include <fmt/format.h>

#include <cmath>

namespace wskit {
namespace {

constexpr const char* latency_metrics[] = {"p50", "p90", "p99", "p99.9", "max", "mean"};

bool is_latency(std::string_view metric) {
    for (auto m : latency_metrics) {
        if (metric == m) return true;
    }
    return false;
}

bool is_count(std::string_view metric) {
    return metric == "rate" || metric == "errors" || metric == "unmatched" || metric == "unanswered" ||
           metric == "lost";
}

// "50ms", "200us", "1.5s", "800ns", or a bare number of milliseconds: nanoseconds.
std::optional<double> read_duration_ns(std::string_view text) {
    double scale = 1e6;
    for (auto [suffix, factor] : {std::pair<const char*, double>{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}}) {
        std::string_view s(suffix);
        if (text.size() > s.size() && text.substr(text.size() - s.size()) == s) {
            scale = factor;
            text.remove_suffix(s.size());
            break;
        }
    }
    auto value = detail::parse_decimal(text);
    if (!value) return std::nullopt;
    return *value * scale;
}

double latency_of(const BenchResult& r, std::string_view metric) {
    const auto& l = r.latency;
    if (metric == "p50") return static_cast<double>(l.p50);
    if (metric == "p90") return static_cast<double>(l.p90);
    if (metric == "p99") return static_cast<double>(l.p99);
    if (metric == "p99.9") return static_cast<double>(l.p999);
    if (metric == "max") return static_cast<double>(l.max);
    return l.mean;
}

double count_of(const BenchResult& r, std::string_view metric) {
    if (metric == "rate") return std::round(r.per_second);  // as --json and the summary show it
    if (metric == "errors") return static_cast<double>(r.errors.total());
    if (metric == "unmatched") return static_cast<double>(r.unmatched);
    if (metric == "unanswered") return static_cast<double>(r.unanswered);
    return static_cast<double>(r.lost);
}

bool holds(double value, const std::string& op, double bound) {
    if (op == ">") return value > bound;
    if (op == ">=") return value >= bound;
    if (op == "<") return value < bound;
    if (op == "<=") return value <= bound;
    return value == bound;
}

}  // namespace

BenchThreshold parse_bench_threshold(std::string_view text) {
    auto bad = [&text](const std::string& why) {
        return Error(ExitCode::usage, fmt::format("--fail-if '{}': {}; conditions look like p99>50ms, errors>0, "
                                                  "rate<10000",
                                                  escape_controls(text), why));
    };
    std::string compact;
    for (char c : text) {
        if (c != ' ') compact += c;
    }
    auto at = compact.find_first_of("<>=");
    if (at == std::string::npos) throw bad("no comparison (> >= < <= ==)");
    BenchThreshold t;
    t.text = std::string(text);
    t.metric = compact.substr(0, at);
    std::size_t op_len = at + 1 < compact.size() && compact[at + 1] == '=' ? 2 : 1;
    t.op = compact.substr(at, op_len);
    if (t.op == "=") throw bad("= compares nothing: write ==");
    auto value = std::string_view(compact).substr(at + op_len);
    if (is_latency(t.metric)) {
        auto ns = read_duration_ns(value);
        if (!ns) throw bad("a latency compares with a duration like 50ms, 200us or 1s");
        t.value = *ns;
    } else if (is_count(t.metric)) {
        auto number = detail::parse_decimal(value);
        if (!number) throw bad("'" + escape_controls(value) + "' is not a number");
        t.value = *number;
    } else {
        throw bad("unknown metric '" + escape_controls(t.metric) +
                  "' (p50, p90, p99, p99.9, max, mean, rate, errors, unmatched, unanswered, lost)");
    }
    return t;
}

std::optional<std::string> bench_threshold_failure(const BenchResult& r, const BenchThreshold& t) {
    bool latency = is_latency(t.metric);
    // A latency nobody measured cannot pass a bound: say so rather than compare with 0.
    if (latency && r.latency.count == 0) return fmt::format("{}: no latency was measured", escape_controls(t.text));
    double value = latency ? latency_of(r, t.metric) : count_of(r, t.metric);
    if (!holds(value, t.op, t.value)) return std::nullopt;
    return fmt::format("{}: {} was {}", escape_controls(t.text), t.metric,
                       latency ? detail::duration_text(static_cast<std::uint64_t>(value)) : fmt::format("{:g}", value));
}

std::vector<std::string> bench_threshold_failures(const BenchResult& r, const std::vector<BenchThreshold>& thresholds) {
    std::vector<std::string> failures;
    for (const auto& t : thresholds) {
        if (auto failure = bench_threshold_failure(r, t)) failures.push_back(std::move(*failure));
    }
    return failures;
}

}  // namespace wskit
