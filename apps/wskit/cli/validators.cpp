// Validators of option values whose messages say what is expected.
#include "cli.hpp"
#include "cli/shared.hpp"

#include <wskit/error.hpp>
#include <wskit/encoding.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>

namespace wskit::cli {

std::string in_quotes(const std::string& value) { return "'" + escape_controls(value) + "'"; }

namespace {

std::optional<double> parse_seconds(const std::string& text) {
    if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    double value = std::strtod(text.c_str(), &end);
    if (*end != '\0' || errno == ERANGE || !std::isfinite(value)) return std::nullopt;
    return value;
}

bool is_whole_number(const std::string& text) {
    if (text.empty() || text.size() > 19) return false;  // anything longer overflows 64 bits anyway
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

const CLI::Validator& seconds_validator() {
    static const CLI::Validator v(
        [](std::string& text) -> std::string {
            auto value = parse_seconds(text);
            if (value && *value >= 0) return {};
            return "expects a number of seconds, 0 or more (like 0.5), not " + in_quotes(text);
        },
        "");
    return v;
}

const CLI::Validator& positive_seconds_validator() {
    static const CLI::Validator v(
        [](std::string& text) -> std::string {
            auto value = parse_seconds(text);
            if (value && *value > 0) return {};
            return "expects a number of seconds above 0 (like 2.5), not " + in_quotes(text);
        },
        "");
    return v;
}

const CLI::Validator& count_validator() {
    static const CLI::Validator v(
        [](std::string& text) -> std::string {
            if (is_whole_number(text)) return {};
            return "expects a whole number, 0 or more, not " + in_quotes(text);
        },
        "");
    return v;
}

const CLI::Validator& close_code_validator() {
    static const CLI::Validator v(
        [](std::string& text) -> std::string {
            if (!is_whole_number(text) || text.size() > 6) {
                return "expects a close code (" + std::string(sendable_close_codes()) + "), not " + in_quotes(text);
            }
            auto problem = close_code_problem(std::stoi(text));
            if (problem.empty()) return {};
            return problem + "; use " + sendable_close_codes();
        },
        "");
    return v;
}

const CLI::Validator& close_reason_validator() {
    static const CLI::Validator v(
        [](std::string& text) { return close_reason_problem(text); },
        "");
    return v;
}

}  // namespace wskit::cli
