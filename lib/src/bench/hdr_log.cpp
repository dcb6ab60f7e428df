// HdrHistogram's interval log (.hlog), as HistogramLogWriter writes it and
// HistogramLogReader (Java, hdr-histogram-js) reads it:
//
//   #[Histogram log format version 1.3]
//   #[StartTime: 1733534400.000 (seconds since epoch), Sat Dec 07 01:20:00 UTC 2024]
//   #[BaseTime: 1733534400.000 (seconds since epoch)]
//   "StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
//   0.000,1.000,12.345,HISTFAAAA...
//
// Readers add #[BaseTime] to the start column (without one, and with start
// times more than a year before #[StartTime], they add StartTime). Format
// 1.3 lets a line start with "Tag=NAME," to keep several series in one log.
#include <wskit/tool/bench_hdr.hpp>

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <ctime>

namespace wskit {
namespace {

// Java's Date.toString(), in UTC: "Sat Dec 07 01:20:00 UTC 2024".
std::string date_text(double unix_seconds) {
    auto t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char text[64];
    std::size_t n = std::strftime(text, sizeof text, "%a %b %d %H:%M:%S UTC %Y", &tm);
    return std::string(text, n);
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> fields_of(std::string_view line) {
    std::vector<std::string_view> fields;
    for (std::size_t start = 0;;) {
        auto comma = line.find(',', start);
        fields.push_back(trimmed(line.substr(start, comma == std::string_view::npos ? comma : comma - start)));
        if (comma == std::string_view::npos) return fields;
        start = comma + 1;
    }
}

// A number of seconds or milliseconds as the column has it ("12.345").
double number(std::string_view field, const char* column) {
    std::string text(field);
    char* end = nullptr;
    double value = text.empty() ? NAN : std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(value)) {
        throw Error(ExitCode::usage,
                    fmt::format("the {} is not a number: '{}'", column, escape_controls(text.substr(0, 40))));
    }
    return value;
}

HdrInterval interval_of(std::string_view line) {
    auto fields = fields_of(line);
    if (fields.front().substr(0, 4) == "Tag=") fields.erase(fields.begin());
    if (fields.size() != 4) {
        throw Error(ExitCode::usage, fmt::format("expected START,LENGTH,MAX,HISTOGRAM, found {} field{}",
                                                 fields.size(), fields.size() == 1 ? "" : "s"));
    }
    HdrInterval interval;
    interval.start = number(fields[0], "start time");
    interval.length = number(fields[1], "interval length");
    number(fields[2], "interval max");
    interval.histogram = hdr_decode_base64(fields[3]);
    return interval;
}

// Neither a comment, the legend (any line starting with a quote: older
// logs' legend starts "Timestamp") nor blank.
bool is_interval_line(std::string_view line) { return !line.empty() && line.front() != '#' && line.front() != '"'; }

}  // namespace

std::string hdr_interval_log(const std::vector<HdrLogLine>& lines, double start_unix_seconds,
                             std::string_view comment) {
    std::string out;
    for (std::size_t start = 0; start < comment.size();) {
        auto newline = comment.find('\n', start);
        out += "#" + std::string(comment.substr(start, newline == std::string_view::npos ? newline : newline - start)) +
               "\n";
        start = newline == std::string_view::npos ? comment.size() : newline + 1;
    }
    out += "#[Histogram log format version 1.3]\n";
    out += fmt::format("#[StartTime: {:.3f} (seconds since epoch), {}]\n", start_unix_seconds,
                       date_text(start_unix_seconds));
    out += fmt::format("#[BaseTime: {:.3f} (seconds since epoch)]\n", start_unix_seconds);
    out += "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n";
    for (const auto& l : lines) {
        out += fmt::format("{:.3f},{:.3f},{:.3f},{}\n", l.start, l.length, static_cast<double>(l.max) / 1e6, l.histogram);
    }
    return out;
}

std::string hdr_interval_log(const std::vector<HdrInterval>& intervals, double start_unix_seconds,
                             std::string_view comment) {
    std::vector<HdrLogLine> lines;
    for (const auto& i : intervals)
        lines.push_back({i.start, i.length, i.histogram.max(), hdr_compressed_base64(i.histogram)});
    return hdr_interval_log(lines, start_unix_seconds, comment);
}

void for_each_hdr_interval(std::string_view text, const std::function<void(const HdrInterval&)>& on_interval) {
    std::size_t line_number = 0;
    for (std::size_t start = 0; start < text.size();) {
        auto newline = text.find('\n', start);
        auto line = trimmed(text.substr(start, newline == std::string_view::npos ? newline : newline - start));
        start = newline == std::string_view::npos ? text.size() : newline + 1;
        ++line_number;
        if (!is_interval_line(line)) continue;
        HdrInterval interval;
        try {
            interval = interval_of(line);
        } catch (const Error& e) {
            throw Error(e.code(), fmt::format("line {}: {}", line_number, e.what()));
        }
        on_interval(interval);
    }
}

std::vector<HdrInterval> read_hdr_interval_log(std::string_view text) {
    std::vector<HdrInterval> intervals;
    for_each_hdr_interval(text, [&](const HdrInterval& i) { intervals.push_back(i); });
    return intervals;
}

}  // namespace wskit
