// Pieces of handshake-inspect's output shared by the client and server
// modes, human and JSON.
#pragma once

#include <wskit/error.hpp>
#include <wskit/handshake_check.hpp>

#include <optional>
#include <string>
#include <vector>

namespace wskit::detail {

// ANSI sequences, all empty without color.
struct Style {
    const char* bold = "";
    const char* dim = "";
    const char* red = "";
    const char* green = "";
    const char* yellow = "";
    const char* reset = "";
};
Style style(bool color);

// "  PASS  name: actual  (RFC ...)", then expected/actual/detail lines for a
// failure or a warning. Escaped.
std::string check_line(const CheckResult& check, const Style& s);

// "PASS: every check passed" or "FAIL (exit 5): <first failure>: <error>".
std::string verdict_line(const std::vector<CheckResult>& checks, ExitCode exit, const std::string& error,
                         const Style& s);

struct PingSummary {
    double min = 0, median = 0, max = 0;
};
std::optional<PingSummary> ping_summary(std::vector<double> round_trips);

}  // namespace wskit::detail
