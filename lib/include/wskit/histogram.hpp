// A latency histogram with bounded memory and bounded relative error, after
// HdrHistogram's idea: values below 128 get a bucket each, and every power of
// two above is split into 128 buckets, so a bucket is never wider than 1/128
// of its lowest value. Percentiles report a bucket's midpoint: at most 1/256
// (0.4 %) from the true value. The whole uint64 range fits in ~7,400 counters
// (60 KiB), whatever is recorded.
#pragma once

#include <wskit/export.hpp>

#include <cstdint>
#include <vector>

namespace wskit {

class WSKIT_API LatencyHistogram {
public:
    static constexpr unsigned sub_bucket_bits = 7;
    static constexpr std::uint64_t sub_buckets = std::uint64_t{1} << sub_bucket_bits;

    LatencyHistogram();

    // Hot path: a few instructions, no allocation.
    void record(std::uint64_t value) {
        ++counts_[index_of(value)];
        ++total_;
        if (value > max_) max_ = value;
        if (value < min_) min_ = value;
        sum_ += value;
    }
    // Adds another histogram's counts (one per --threads worker).
    void merge(const LatencyHistogram& other);
    void reset();

    std::uint64_t count() const { return total_; }
    std::uint64_t min() const { return total_ ? min_ : 0; }
    std::uint64_t max() const { return max_; }
    double mean() const { return total_ ? static_cast<double>(sum_) / static_cast<double>(total_) : 0; }
    // The value at or below which `percent` (0-100) of the recorded values
    // lie; 0 when empty. Never above max() nor below min().
    std::uint64_t percentile(double percent) const;

    // The bucket a value falls in, and the range of values a bucket holds:
    // exposed for the unit tests of the error bound.
    static std::size_t index_of(std::uint64_t value) {
        if (value < sub_buckets) return static_cast<std::size_t>(value);
        unsigned octave = 63u - static_cast<unsigned>(__builtin_clzll(value));  // >= sub_bucket_bits
        unsigned shift = octave - sub_bucket_bits;
        return static_cast<std::size_t>(sub_buckets + shift * sub_buckets + ((value >> shift) - sub_buckets));
    }
    static std::uint64_t lowest_in(std::size_t index);
    static std::uint64_t highest_in(std::size_t index);
    static std::size_t bucket_count();

    // The buckets one by one, for writing them out (bench_hdr.hpp): the count
    // of bucket `index` (below bucket_count()), and the index of the last
    // bucket with a count (0 when the histogram is empty).
    std::uint64_t count_at(std::size_t index) const { return counts_[index]; }
    std::size_t last_used_index() const;
    // Adds `count` values to bucket `index` (below bucket_count()), as when
    // reading a histogram that was written out: only the bucket of each value
    // is known, so min() and max() become the bounds of the lowest and highest
    // bucket with a count, and the mean counts every value at its bucket's
    // midpoint (within 0.4 %, as the percentiles).
    void add_to_bucket(std::size_t index, std::uint64_t count);

private:
    std::vector<std::uint64_t> counts_;
    std::uint64_t total_ = 0;
    std::uint64_t min_ = UINT64_MAX;
    std::uint64_t max_ = 0;
    std::uint64_t sum_ = 0;  // for the mean; wraps only after 584 years of nanoseconds
};

}  // namespace wskit
