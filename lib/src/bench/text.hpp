// Words shared by wskit bench's summary and verdict.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace wskit::detail {

// "1 sender", "2 senders", "1 reply", "3 replies".
inline std::string counted(std::uint64_t n, std::string_view one, std::string_view many = {}) {
    std::string noun(n == 1 ? one : many.empty() ? std::string(one) + "s" : std::string(many));
    return std::to_string(n) + " " + noun;
}

// "3 ms" below a second, "2.41 s" from there.
inline std::string seconds_text(double seconds) {
    return seconds < 1 ? fmt::format("{:.0f} ms", seconds * 1000) : fmt::format("{:.2f} s", seconds);
}

}  // namespace wskit::detail
