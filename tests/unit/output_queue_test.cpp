// The policy of the console output's buffer: whole records or nothing for a
// server, everything for a client with high and low marks.
#include "term/output_queue.hpp"

#include <catch2/catch.hpp>

#include <string>

using wskit::detail::Overflow;
using wskit::detail::OutputQueue;

namespace {

std::string take(OutputQueue& q, std::size_t n) {
    std::string out(q.front().substr(0, n));
    q.consume(out.size());
    return out;
}

}  // namespace

TEST_CASE("output queue: a server drops whole records that do not fit, and counts them") {
    OutputQueue q(Overflow::drop, 10);
    CHECK(q.push("abcd\n"));
    CHECK(q.push("efgh\n"));
    CHECK_FALSE(q.push("x\n"));     // 12 > 10
    CHECK_FALSE(q.push("yyyy\n"));
    CHECK(q.size() == 10);
    auto d = q.take_dropped();
    CHECK(d.records == 2);
    CHECK(d.bytes == 7);
    CHECK(q.take_dropped().records == 0);  // reported once
    CHECK(q.total_dropped().records == 2);
    CHECK(take(q, 100) == "abcd\nefgh\n");
    CHECK(q.empty());
}

TEST_CASE("output queue: a partly written record is finished before anything else") {
    OutputQueue q(Overflow::drop, 10);
    REQUIRE(q.push("0123456789"));
    CHECK(take(q, 3) == "012");
    CHECK_FALSE(q.push("abcd"));  // 7 + 4 > 10: no room yet
    CHECK(q.push("abc"));         // 7 + 3 fits
    CHECK(take(q, 100) == "3456789abc");
}

TEST_CASE("output queue: a record bigger than the capacity goes out when nothing waits") {
    OutputQueue q(Overflow::drop, 4);
    CHECK(q.push("a big record\n"));
    CHECK_FALSE(q.push("b\n"));
    CHECK(take(q, 100) == "a big record\n");
    CHECK(q.push("c\n"));
}

TEST_CASE("output queue: a client keeps everything, with high and low marks") {
    OutputQueue q(Overflow::keep, 100);
    for (int i = 0; i < 30; ++i) CHECK(q.push("0123456789"));
    CHECK(q.size() == 300);
    CHECK(q.above_high_mark());
    CHECK_FALSE(q.below_low_mark());
    take(q, 201);
    CHECK_FALSE(q.above_high_mark());
    CHECK_FALSE(q.below_low_mark());  // 99 > 25
    take(q, 74);
    CHECK(q.below_low_mark());
    CHECK(q.total_dropped().records == 0);
    CHECK(take(q, 100) == "5678901234567890123456789");
}

TEST_CASE("output queue: bytes come out in order across compactions") {
    OutputQueue q(Overflow::keep, 1 << 20);
    std::string all, out;
    for (int i = 0; i < 20000; ++i) {
        std::string record = std::to_string(i) + "\n";
        all += record;
        q.push(record);
        if (i % 3 == 0) out += take(q, 7);
    }
    while (!q.empty()) out += take(q, 4096);
    CHECK(out == all);
}

TEST_CASE("output queue: clear forgets what waits") {
    OutputQueue q(Overflow::drop, 10);
    q.push("abc");
    q.clear();
    CHECK(q.empty());
    CHECK(q.front().empty());
}
