#include <wskit/histogram.hpp>

#include <algorithm>
#include <cmath>

namespace wskit {
namespace {

// The value a bucket stands for when only its bucket is known.
std::uint64_t midpoint(std::size_t index) {
    std::uint64_t low = LatencyHistogram::lowest_in(index);
    return low + (LatencyHistogram::highest_in(index) - low) / 2;
}

}  // namespace

std::size_t LatencyHistogram::bucket_count() { return index_of(UINT64_MAX) + 1; }

LatencyHistogram::LatencyHistogram() : counts_(bucket_count(), 0) {}

std::uint64_t LatencyHistogram::lowest_in(std::size_t index) {
    if (index < sub_buckets) return index;
    std::uint64_t shift = (index - sub_buckets) / sub_buckets;
    std::uint64_t sub = (index - sub_buckets) % sub_buckets;
    return (sub_buckets + sub) << shift;
}

std::uint64_t LatencyHistogram::highest_in(std::size_t index) {
    if (index < sub_buckets) return index;
    std::uint64_t shift = (index - sub_buckets) / sub_buckets;
    return lowest_in(index) + ((std::uint64_t{1} << shift) - 1);
}

std::size_t LatencyHistogram::last_used_index() const {
    for (std::size_t i = counts_.size(); i-- > 0;) {
        if (counts_[i] != 0) return i;
    }
    return 0;
}

void LatencyHistogram::add_to_bucket(std::size_t index, std::uint64_t count) {
    if (count == 0) return;
    counts_[index] += count;
    total_ += count;
    sum_ += midpoint(index) * count;
    min_ = std::min(min_, lowest_in(index));
    max_ = std::max(max_, highest_in(index));
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    sum_ += other.sum_;
    max_ = std::max(max_, other.max_);
    min_ = std::min(min_, other.min_);
}

void LatencyHistogram::reset() {
    std::fill(counts_.begin(), counts_.end(), 0);
    total_ = 0;
    sum_ = 0;
    max_ = 0;
    min_ = UINT64_MAX;
}

std::uint64_t LatencyHistogram::percentile(double percent) const {
    if (total_ == 0) return 0;
    percent = std::min(100.0, std::max(0.0, percent));
    // The rank of the value asked for, 1-based: p99 of 1000 values is the 990th.
    auto rank = static_cast<std::uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(total_)));
    rank = std::max<std::uint64_t>(rank, 1);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        seen += counts_[i];
        if (seen >= rank) return std::clamp(midpoint(i), min(), max_);
    }
    return max_;
}

}  // namespace wskit
