#include "proto/headers.hpp"
#include "inspect/text.hpp"

#include <wskit/encoding.hpp>
#include <wskit/tool/inspect.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace wskit {
namespace detail {

Style style(bool color) {
    if (!color) return {};
    return {"\033[1m", "\033[2m", "\033[31m", "\033[32m", "\033[33m", "\033[0m"};
}

std::string check_line(const CheckResult& c, const Style& s) {
    const char* color = c.verdict == Verdict::pass ? s.green : c.verdict == Verdict::warn ? s.yellow : s.red;
    std::string label = verdict_name(c.verdict);
    std::transform(label.begin(), label.end(), label.begin(), ::toupper);
    std::string out = fmt::format("  {}{:<4}{}  {}", color, label, s.reset, c.name);
    if (c.verdict == Verdict::pass) {
        out += fmt::format(": {}  {}({}){}\n", escape_controls(c.actual), s.dim, c.rfc, s.reset);
    } else {
        out += fmt::format("  {}({}){}\n", s.dim, c.rfc, s.reset);
        out += fmt::format("        expected: {}\n", escape_controls(c.expected));
        out += fmt::format("        actual:   {}\n", escape_controls(c.actual));
    }
    if (!c.detail.empty()) out += fmt::format("        {}\n", escape_controls(c.detail));
    return out;
}

std::string verdict_line(const std::vector<CheckResult>& checks, ExitCode exit, const std::string& error,
                         const Style& s) {
    auto warnings = std::count_if(checks.begin(), checks.end(), [](const auto& c) { return c.verdict == Verdict::warn; });
    if (exit == ExitCode::ok)
        return fmt::format("  {}PASS{}: every check passed{}\n", s.green, s.reset,
                           warnings ? fmt::format(" ({} warning{})", warnings, warnings > 1 ? "s" : "") : "");
    const auto* failed = first_failure(checks);
    return fmt::format("  {}FAIL{} (exit {}): {}\n", s.red, s.reset, to_int(exit),
                       escape_controls(failed && error.empty() ? failed->name : error));
}

std::optional<PingSummary> ping_summary(std::vector<double> rtt) {
    if (rtt.empty()) return std::nullopt;
    std::sort(rtt.begin(), rtt.end());
    auto n = rtt.size();
    double median = n % 2 ? rtt[n / 2] : (rtt[n / 2 - 1] + rtt[n / 2]) / 2;
    return PingSummary{rtt.front(), median, rtt.back()};
}

}  // namespace detail

}  // namespace wskit
