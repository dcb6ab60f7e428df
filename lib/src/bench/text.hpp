// Words and numbers shared by wskit bench's summary, verdict and JSON, and
// by wskit bench merge's.
#pragma once

#include <wskit/tool/bench.hpp>

#include <fmt/format.h>

#include <cmath>
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

// Nanoseconds in the unit that suits them: "850 ns", "12.5 us", "1.23 ms", "1.002 s".
inline std::string duration_text(std::uint64_t ns) {
    if (ns < 1000) return fmt::format("{} ns", ns);
    if (ns < 1000000) return fmt::format("{:.1f} us", static_cast<double>(ns) / 1e3);
    if (ns < 1000000000) return fmt::format("{:.2f} ms", static_cast<double>(ns) / 1e6);
    return fmt::format("{:.3f} s", static_cast<double>(ns) / 1e9);
}

// One line of a summary table: "  latency               p50 1.23 ms ...".
inline void summary_row(std::string& out, std::string_view name, std::string_view value) {
    out += fmt::format("  {:<22}{}\n", name, value);
}

// JSON numbers as precise as they mean something: a latency to a tenth of a
// microsecond, a rate to a message per second; no 17-digit noise.
inline double rounded(double value, int decimals) {
    const double scale = std::pow(10.0, decimals);
    return std::round(value * scale) / scale;
}

// A latency in JSON: microseconds to 0.1.
inline double json_us(double ns) { return rounded(ns / 1e3, 1); }

// What a run counts, in its summary and its report: expects met (--script),
// replies (templates), or the mode's echoes, deliveries, handshakes or
// connections opened.
inline const char* measured_noun(const BenchOptions& o) {
    if (!o.script.empty()) return "expects met";
    if (o.mode == BenchMode::echo && o.templated()) return "replies";
    switch (o.mode) {
        case BenchMode::echo: return "echoes";
        case BenchMode::fanout: return "deliveries";
        case BenchMode::handshake: return "handshakes";
        case BenchMode::idle: return "connections opened";
    }
    return "";
}

}  // namespace wskit::detail
