// Durations as people type them in options and scripts: "2s", "500ms",
// "1.5s" (no "m": minutes or a slip for ms?). Pure code.
#pragma once

#include <wskit/export.hpp>

#include <chrono>
#include <optional>
#include <string_view>

namespace wskit::detail {

// Milliseconds (rounded); nullopt for anything else: a bare number, a
// sign, an exponent, more than a few months.
WSKIT_API std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace wskit::detail
