#include "support.hpp"

#include "proto/control_frames.hpp"
#include "proto/ping_answers.hpp"

using wskit::BackpressureAction;
using wskit::frame_overhead;
using wskit::detail::PingAnswers;
using Clock = std::chrono::steady_clock;

TEST_CASE("PingAnswers: one pong at a time, the latest ping answered next", "[pings]") {
    PingAnswers a;
    CHECK(a.on_ping("a") == "a");
    CHECK(a.pong_unwritten());
    CHECK(a.on_ping("b") == std::nullopt);
    CHECK(a.on_ping("c") == std::nullopt);
    CHECK(a.owed() == 2 * (frame_overhead + 1));
    CHECK(a.on_pong_written() == "c");  // b needs no answer of its own (RFC 6455 5.5.3)
    CHECK(a.pong_unwritten());
    CHECK(a.owed() == 0);
    CHECK(a.on_pong_written() == std::nullopt);
    CHECK_FALSE(a.pong_unwritten());
    CHECK(a.on_ping("d") == "d");
}

TEST_CASE("PingAnswers: many pings owed stop reading until the pong is written", "[pings]") {
    PingAnswers a;
    auto now = Clock::now();
    a.on_ping("");
    CHECK(a.check(now) == BackpressureAction::none);
    std::size_t below = a.limits().high_mark / frame_overhead;
    for (std::size_t i = 0; i < below; ++i) a.on_ping("");
    CHECK(a.check(now) == BackpressureAction::none);
    a.on_ping("");
    CHECK(a.check(now) == BackpressureAction::pause_reading);
    CHECK(a.check(now) == BackpressureAction::none);  // already paused
    a.on_pong_written();
    CHECK(a.check(now) == BackpressureAction::resume_reading);
}

TEST_CASE("PingAnswers: owing past the cap for the grace period closes", "[pings]") {
    PingAnswers a;
    auto t0 = Clock::now();
    a.on_ping("");
    while (a.owed() <= a.limits().max_backlog) a.on_ping("");
    CHECK(a.check(t0) == BackpressureAction::pause_reading);
    REQUIRE(a.over_since());
    CHECK(a.check(t0 + a.limits().grace - std::chrono::milliseconds(1)) == BackpressureAction::none);
    CHECK(a.check(t0 + a.limits().grace) == BackpressureAction::close);
    CHECK_FALSE(a.over_hard_cap());

    // A pong written in time starts the clock over.
    PingAnswers b;
    b.on_ping("");
    while (b.owed() <= b.limits().max_backlog) b.on_ping("");
    b.check(t0);
    b.on_pong_written();
    CHECK(b.check(t0 + b.limits().grace) == BackpressureAction::resume_reading);
    CHECK_FALSE(b.over_since());
}

TEST_CASE("PingAnswers: a flood past the hard cap closes at once", "[pings]") {
    PingAnswers a;
    a.on_ping("");
    while (a.owed() <= a.limits().hard_cap) a.on_ping("");
    CHECK(a.check(Clock::now()) == BackpressureAction::close);
    CHECK(a.over_hard_cap());
}

TEST_CASE("control frames: masked as a client sends them", "[pings]") {
    using namespace std::string_literals;
    auto pong = wskit::detail::masked_control_frame(wskit::detail::pong_opcode, "abc", 0x01020304);
    CHECK(pong.header == "\x8a\x83\x01\x02\x03\x04"s);
    CHECK(pong.payload == std::string{'a' ^ 1, 'b' ^ 2, 'c' ^ 3});
    auto close = wskit::detail::masked_close_frame(1000, "bye", 0);
    CHECK(close.header == "\x88\x85\x00\x00\x00\x00"s);
    CHECK(close.payload == "\x03\xe8" "bye"s);
    CHECK(wskit::detail::masked_control_frame(wskit::detail::pong_opcode, "", 7).header.size() == 6);
}
