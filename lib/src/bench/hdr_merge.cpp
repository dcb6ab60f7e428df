// wskit bench merge: interval logs added into one histogram, shown as wskit
// bench shows its own latencies.
#include "bench/text.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/tool/bench_hdr.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace wskit {
namespace {

// The whole file, or Error(runtime) with the system's reason ("-": stdin).
std::string read_whole(const std::string& path) {
    int fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    auto fail = [&] { throw Error(ExitCode::runtime, escape_controls(path) + ": " + std::strerror(errno)); };
    if (fd < 0) fail();
    std::string text;
    char buffer[65536];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n == 0) break;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int error = errno;
            if (fd != STDIN_FILENO) ::close(fd);
            errno = error;
            fail();
        }
        text.append(buffer, static_cast<std::size_t>(n));
    }
    if (fd != STDIN_FILENO) ::close(fd);
    return text;
}

}  // namespace

using detail::counted;
using detail::duration_text;
using detail::json_us;
using detail::summary_row;

void hdr_merge_log(HdrMerge& merge, const std::string& path, std::string_view text) {
    merge.files.push_back({path, 0, 0});
    auto& file = merge.files.back();
    try {
        for_each_hdr_interval(text, [&](const HdrInterval& interval) {
            merge.histogram.merge(interval.histogram);
            ++file.intervals;
            file.count += interval.histogram.count();
        });
    } catch (const Error& e) {
        throw Error(e.code(), escape_controls(path) + ": " + e.what());
    }
}

HdrMerge hdr_merge_files(const std::vector<std::string>& paths) {
    HdrMerge merge;
    for (const auto& path : paths) hdr_merge_log(merge, path, read_whole(path));
    return merge;
}

std::string hdr_merge_summary(const HdrMerge& merge) {
    std::size_t intervals = 0;
    for (const auto& f : merge.files) intervals += f.intervals;
    std::string out = fmt::format("wskit bench merge: {}, {}\n", counted(merge.files.size(), "log"),
                                  counted(intervals, "interval"));
    for (std::size_t i = 0; i < merge.files.size(); ++i) {
        const auto& f = merge.files[i];
        summary_row(out, i == 0 ? "files" : "",
                    fmt::format("{}: {}, {}", escape_controls(f.path), counted(f.intervals, "interval"),
                                counted(f.count, "latency", "latencies")));
    }
    const auto& h = merge.histogram;
    summary_row(out, "count", std::to_string(h.count()));
    if (h.count() > 0) {
        summary_row(out, "latency",
                    fmt::format("p50 {}  p90 {}  p99 {}  p99.9 {}  max {}", duration_text(h.percentile(50)),
                                duration_text(h.percentile(90)), duration_text(h.percentile(99)),
                                duration_text(h.percentile(99.9)), duration_text(h.max())));
        summary_row(out, "mean", duration_text(static_cast<std::uint64_t>(h.mean())));
    }
    return out;
}

std::string hdr_merge_json(const HdrMerge& merge) {
    const auto& h = merge.histogram;
    auto us = [](std::uint64_t ns) { return json_us(static_cast<double>(ns)); };
    nlohmann::ordered_json j;
    j["count"] = h.count();
    j["latency_us"] = {{"p50", us(h.percentile(50))}, {"p90", us(h.percentile(90))},
                       {"p99", us(h.percentile(99))}, {"p99_9", us(h.percentile(99.9))},
                       {"max", us(h.max())},          {"mean", json_us(h.mean())}};
    auto files = nlohmann::ordered_json::array();
    for (const auto& f : merge.files) {
        files.push_back({{"path", f.path}, {"intervals", f.intervals}, {"count", f.count}});
    }
    j["files"] = files;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace wskit
