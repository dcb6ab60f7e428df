// The per-second series of a run: each worker cuts its counters and its
// latency histogram at every whole second since the start (and once more
// when it stops); the calling thread adds the workers' cuts of each second
// into one BenchInterval as soon as every worker has given it, so that a
// long run keeps a few histograms, not one per second.
#pragma once

#include <wskit/histogram.hpp>
#include <wskit/tool/bench.hpp>

#include <cstdint>
#include <map>
#include <vector>

namespace wskit::detail::bench {

struct IntervalSample {
    std::uint64_t index = 0;  // whole seconds since the run started
    std::uint64_t end_ns = 0;
    std::uint64_t sent = 0, received = 0, errors = 0;
    std::size_t open = 0;
    LatencyHistogram histogram;
};

// One thread's seconds: each cut takes what its counters gained since the
// last cut and the latencies recorded since (the histogram is emptied).
class IntervalCutter {
public:
    IntervalSample cut(std::uint64_t now_ns, std::uint64_t sent, std::uint64_t received, std::uint64_t errors,
                       std::size_t open, LatencyHistogram& latencies);
    std::uint64_t next_index() const { return index_; }

private:
    std::uint64_t index_ = 0, sent_ = 0, received_ = 0, errors_ = 0;
};

class IntervalCollector {
public:
    IntervalCollector(std::size_t workers, std::uint64_t start_ns) : workers_(workers), start_ns_(start_ns) {}
    void add(IntervalSample&& sample);
    // Every second given so far, complete or not (the run is over).
    std::vector<BenchInterval> finish();

private:
    struct Pending {
        std::size_t given = 0;
        IntervalSample sum;
    };
    void close(std::uint64_t index, Pending& pending);

    std::size_t workers_;
    std::uint64_t start_ns_;
    std::map<std::uint64_t, Pending> pending_;
    std::vector<BenchInterval> done_;
};

}  // namespace wskit::detail::bench
