// Numbers as people type them in options, stages, thresholds, templates and
// scripts: digits only (no sign, no exponent, no spaces), read without
// overflow. Pure code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace wskit::detail {

// A whole number of 1 to max_digits digits (at most 19: a uint64 holds them all).
std::optional<std::uint64_t> parse_whole_number(std::string_view text, std::size_t max_digits = 19);

// Digits with at most one '.' and at least one digit, 15 characters at most:
// "1000", "2.5", ".5", "3.".
std::optional<double> parse_decimal(std::string_view text);

}  // namespace wskit::detail
