// EventLoop's timers: what cancel() promises.
#include <wskit/loop.hpp>

#include <catch2/catch.hpp>

#include <chrono>

using namespace std::chrono_literals;

TEST_CASE("EventLoop: a timer cancelled after it expired does not fire", "[loop]") {
    // Both expire at once: when the first runs, Asio has queued the second's
    // handler already, and cancelling the timer cannot take it back.
    wskit::EventLoop loop;
    bool second_fired = false;
    wskit::EventLoop::TimerId second = 0;
    loop.after(0ms, [&] { loop.cancel(second); });
    second = loop.after(0ms, [&] { second_fired = true; });
    loop.after(50ms, [&] { loop.stop(); });
    loop.run();
    CHECK_FALSE(second_fired);
}

TEST_CASE("EventLoop: a timer not cancelled fires once", "[loop]") {
    wskit::EventLoop loop;
    int fired = 0;
    loop.after(0ms, [&] { ++fired; });
    loop.after(20ms, [&] { loop.stop(); });
    loop.run();
    CHECK(fired == 1);
}
