#include "proto/duration.hpp"

#include <cmath>

namespace wskit::detail {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    double scale = 0;
    if (text.size() > 2 && text.substr(text.size() - 2) == "ms") {
        scale = 1;
        text.remove_suffix(2);
    } else if (text.size() > 1 && text.back() == 's') {
        scale = 1000;
        text.remove_suffix(1);
    } else {
        return std::nullopt;
    }
    double value = 0, fraction = 0;
    bool dot = false, digits = false;
    for (char c : text) {
        if (c == '.' && !dot) {
            dot = true;
            fraction = 1;
            continue;
        }
        if (c < '0' || c > '9') return std::nullopt;
        digits = true;
        if (dot) {
            fraction /= 10;
            value += (c - '0') * fraction;
        } else {
            value = value * 10 + (c - '0');
        }
        if (value > 1e7) return std::nullopt;
    }
    if (!digits) return std::nullopt;
    return std::chrono::milliseconds(std::llround(value * scale));
}

}  // namespace wskit::detail
