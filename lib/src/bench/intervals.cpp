#include "bench/intervals.hpp"

#include <wskit/tool/bench_hdr.hpp>

#include <algorithm>

namespace wskit::detail::bench {

IntervalSample IntervalCutter::cut(std::uint64_t now_ns, std::uint64_t sent, std::uint64_t received,
                                   std::uint64_t errors, std::size_t open, LatencyHistogram& latencies) {
    IntervalSample s;
    s.index = index_++;
    s.end_ns = now_ns;
    s.sent = sent - sent_;
    s.received = received - received_;
    s.errors = errors - errors_;
    s.open = open;
    s.histogram = latencies;
    latencies.reset();
    sent_ = sent;
    received_ = received;
    errors_ = errors;
    return s;
}

void IntervalCollector::add(IntervalSample&& s) {
    auto& p = pending_[s.index];
    auto& sum = p.sum;
    sum.index = s.index;
    sum.end_ns = std::max(sum.end_ns, s.end_ns);
    sum.sent += s.sent;
    sum.received += s.received;
    sum.errors += s.errors;
    sum.open += s.open;
    sum.histogram.merge(s.histogram);
    if (++p.given == workers_) {
        close(s.index, p);
        pending_.erase(s.index);
    }
}

void IntervalCollector::close(std::uint64_t index, Pending& p) {
    const auto& s = p.sum;
    BenchInterval i;
    i.start = static_cast<double>(index);
    double end = s.end_ns > start_ns_ ? static_cast<double>(s.end_ns - start_ns_) / 1e9 : i.start;
    i.length = std::clamp(end - i.start, 0.0, 1.0);
    i.sent = s.sent;
    i.received = s.received;
    i.errors = s.errors;
    i.open = s.open;
    i.count = s.histogram.count();
    i.p50 = s.histogram.percentile(50);
    i.p99 = s.histogram.percentile(99);
    i.max = s.histogram.max();
    i.hdr = hdr_compressed_base64(s.histogram);
    done_.push_back(std::move(i));
}

std::vector<BenchInterval> IntervalCollector::finish() {
    for (auto& [index, p] : pending_) close(index, p);
    pending_.clear();
    std::sort(done_.begin(), done_.end(), [](const BenchInterval& a, const BenchInterval& b) { return a.start < b.start; });
    return std::move(done_);
}

}  // namespace wskit::detail::bench
