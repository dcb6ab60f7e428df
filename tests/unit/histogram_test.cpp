#include <wskit/histogram.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using wskit::LatencyHistogram;

namespace {

// The exact percentile of sorted values, by the same rank rule.
std::uint64_t exact(const std::vector<std::uint64_t>& sorted, double percent) {
    auto rank = static_cast<std::size_t>(std::ceil(percent / 100.0 * static_cast<double>(sorted.size())));
    return sorted[std::max<std::size_t>(rank, 1) - 1];
}

void check_within_one_percent(const std::vector<std::uint64_t>& values) {
    LatencyHistogram h;
    for (auto v : values) h.record(v);
    auto sorted = values;
    std::sort(sorted.begin(), sorted.end());
    for (double p : {50.0, 90.0, 99.0, 99.9, 100.0}) {
        auto want = static_cast<double>(exact(sorted, p));
        auto got = static_cast<double>(h.percentile(p));
        INFO("p" << p << " want " << want << " got " << got);
        CHECK(std::abs(got - want) <= want * 0.01);
    }
    CHECK(h.max() == sorted.back());
    CHECK(h.min() == sorted.front());
    CHECK(h.count() == values.size());
}

}  // namespace

TEST_CASE("histogram: every bucket is narrow enough for 1 % error at its midpoint") {
    for (std::size_t i = 0; i + 1 < LatencyHistogram::bucket_count(); ++i) {
        auto low = LatencyHistogram::lowest_in(i);
        auto high = LatencyHistogram::highest_in(i);
        REQUIRE(LatencyHistogram::index_of(low) == i);
        REQUIRE(LatencyHistogram::index_of(high) == i);
        REQUIRE(LatencyHistogram::index_of(high + 1) == i + 1);
        if (low > 0) REQUIRE(static_cast<double>(high - low) / 2 / static_cast<double>(low) <= 1.0 / 256);
    }
    // Bounded memory: the whole 64-bit range in a fixed number of counters.
    CHECK(LatencyHistogram::bucket_count() < 8000);
    CHECK(LatencyHistogram::index_of(UINT64_MAX) == LatencyHistogram::bucket_count() - 1);
}

TEST_CASE("histogram: a uniform distribution") {
    std::vector<std::uint64_t> values;
    for (std::uint64_t v = 1; v <= 1000000; v += 7) values.push_back(v);
    check_within_one_percent(values);
    LatencyHistogram h;
    for (auto v : values) h.record(v);
    CHECK(h.percentile(50) == Approx(500000).epsilon(0.01));
    CHECK(h.percentile(99) == Approx(990000).epsilon(0.01));
    CHECK(h.mean() == Approx(500000).epsilon(0.001));
}

TEST_CASE("histogram: exponential and log-normal latencies") {
    std::mt19937_64 rng(42);
    std::exponential_distribution<double> expo(1.0 / 250000);  // mean 250 us in ns
    std::lognormal_distribution<double> lognormal(12.0, 1.5);
    std::vector<std::uint64_t> e, l;
    for (int i = 0; i < 200000; ++i) {
        e.push_back(static_cast<std::uint64_t>(expo(rng)) + 1);
        l.push_back(static_cast<std::uint64_t>(lognormal(rng)) + 1);
    }
    check_within_one_percent(e);
    check_within_one_percent(l);
}

TEST_CASE("histogram: a stall shows in the tail only") {
    // 99 % at 1 ms, 1 % at 1 s: p50 and p99 are 1 ms, p99.9 is the stall.
    LatencyHistogram h;
    for (int i = 0; i < 99000; ++i) h.record(1000000);
    for (int i = 0; i < 1000; ++i) h.record(1000000000);
    CHECK(h.percentile(50) == Approx(1e6).epsilon(0.005));
    CHECK(h.percentile(99) == Approx(1e6).epsilon(0.005));
    CHECK(h.percentile(99.9) == Approx(1e9).epsilon(0.005));
    CHECK(h.max() == 1000000000);
}

TEST_CASE("histogram: small values are exact, a constant is itself, empty is zero") {
    LatencyHistogram h;
    CHECK(h.percentile(50) == 0);
    CHECK(h.count() == 0);
    CHECK(h.min() == 0);
    for (std::uint64_t v = 0; v < 100; ++v) h.record(v);
    CHECK(h.percentile(50) == 49);
    CHECK(h.percentile(100) == 99);
    LatencyHistogram c;
    for (int i = 0; i < 1000; ++i) c.record(123456789);
    CHECK(c.percentile(0.1) == 123456789);  // clamped to min and max
    CHECK(c.percentile(99.9) == 123456789);
}

TEST_CASE("histogram: merging equals recording everything in one") {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::uint64_t> d(1, 50000000);
    LatencyHistogram a, b, all;
    for (int i = 0; i < 50000; ++i) {
        auto v = d(rng);
        (i % 3 ? a : b).record(v);
        all.record(v);
    }
    a.merge(b);
    CHECK(a.count() == all.count());
    CHECK(a.max() == all.max());
    CHECK(a.min() == all.min());
    for (double p : {50.0, 90.0, 99.0, 99.9}) CHECK(a.percentile(p) == all.percentile(p));
    a.reset();
    CHECK(a.count() == 0);
    CHECK(a.percentile(99) == 0);
}
