#include "proto/numbers.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace wskit::detail {

std::optional<std::uint64_t> parse_whole_number(std::string_view text, std::size_t max_digits) {
    if (text.empty() || text.size() > std::min<std::size_t>(max_digits, 19)) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return value;
}

std::optional<double> parse_decimal(std::string_view text) {
    if (text.empty() || text.size() > 15) return std::nullopt;
    auto dots = std::count(text.begin(), text.end(), '.');
    if (dots > 1 || static_cast<std::size_t>(dots) == text.size() ||
        text.find_first_not_of("0123456789.") != std::string_view::npos)
        return std::nullopt;
    return std::strtod(std::string(text).c_str(), nullptr);
}

}  // namespace wskit::detail
