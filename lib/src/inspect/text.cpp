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

std::string mask_secret(std::string_view name, std::string_view value) {
    using detail::same_header_name;
    if (same_header_name(name, "Authorization") || same_header_name(name, "Proxy-Authorization")) {
        auto space = value.find(' ');
        return space == std::string_view::npos ? "[hidden]" : std::string(value.substr(0, space)) + " [hidden]";
    }
    if (same_header_name(name, "Cookie") || same_header_name(name, "Set-Cookie")) {
        // Names are kept (which cookies were sent), values are not.
        std::string out;
        std::size_t start = 0;
        bool first_pair = true;
        while (start <= value.size()) {
            auto end = value.find(';', start);
            if (end == std::string_view::npos) end = value.size();
            auto pair = value.substr(start, end - start);
            auto b = pair.find_first_not_of(' ');
            if (b != std::string_view::npos) {
                pair.remove_prefix(b);
                auto eq = pair.find('=');
                // Set-Cookie's attributes (Path, HttpOnly) follow the first pair.
                bool secret = first_pair || !same_header_name(name, "Set-Cookie");
                out += fmt::format("{}{}", out.empty() ? "" : "; ",
                                   secret && eq != std::string_view::npos
                                       ? std::string(pair.substr(0, eq)) + "=[hidden]"
                                       : std::string(pair));
                first_pair = false;
            }
            start = end + 1;
        }
        return out;
    }
    return std::string(value);
}

std::string mask_secrets(std::string_view head) {
    std::string out;
    std::size_t start = 0;
    while (start < head.size()) {
        auto end = head.find('\n', start);
        auto line = head.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start + 1);
        start = end == std::string_view::npos ? head.size() : end + 1;
        auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0 || line.find(' ') < colon) {
            out += line;
            continue;
        }
        auto name = line.substr(0, colon);
        auto rest = line.substr(colon + 1);
        std::string_view eol = rest.size() >= 2 && rest.substr(rest.size() - 2) == "\r\n" ? "\r\n"
                               : !rest.empty() && rest.back() == '\n'                  ? "\n"
                                                                                       : "";
        rest.remove_suffix(eol.size());
        auto b = rest.find_first_not_of(" \t");
        auto value = b == std::string_view::npos ? std::string_view() : rest.substr(b);
        auto masked = mask_secret(name, value);
        out += masked == value ? std::string(line) : fmt::format("{}: {}{}", name, masked, eol);
    }
    return out;
}

}  // namespace wskit
