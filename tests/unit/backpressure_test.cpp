#include "support.hpp"

#include <wskit/backpressure.hpp>

#include <chrono>

using namespace std::chrono_literals;
using wskit::BackpressureAction;
using wskit::BackpressureLimits;
using wskit::BackpressureState;
using wskit::backpressure_step;
using wskit::resolve_backpressure;

namespace {

const auto t0 = std::chrono::steady_clock::time_point{} + 1000s;

BackpressureLimits limits() {
    BackpressureLimits l;
    l.high_mark = 1000;
    l.low_mark = 250;
    l.max_backlog = 4000;
    l.grace = 10s;
    return l;
}

BackpressureState paused() {
    BackpressureState s;
    s.paused = true;
    return s;
}

}  // namespace

TEST_CASE("backpressure_step: reading pauses above the high mark", "[backpressure]") {
    CHECK(backpressure_step(limits(), {}, 0, t0).action == BackpressureAction::none);
    CHECK(backpressure_step(limits(), {}, 1000, t0).action == BackpressureAction::none);
    auto step = backpressure_step(limits(), {}, 1001, t0);
    CHECK(step.action == BackpressureAction::pause_reading);
    CHECK(step.next.paused);
    CHECK_FALSE(step.next.over_cap_since);
}

TEST_CASE("backpressure_step: a paused connection resumes only at the low mark", "[backpressure]") {
    auto still = backpressure_step(limits(), paused(), 600, t0);
    CHECK(still.action == BackpressureAction::none);
    CHECK(still.next.paused);
    CHECK(backpressure_step(limits(), paused(), 2000, t0).action == BackpressureAction::none);
    auto resumed = backpressure_step(limits(), paused(), 250, t0);
    CHECK(resumed.action == BackpressureAction::resume_reading);
    CHECK_FALSE(resumed.next.paused);
    CHECK(backpressure_step(limits(), paused(), 0, t0).action == BackpressureAction::resume_reading);
}

TEST_CASE("backpressure_step: above the cap the grace clock starts, and the connection closes when it ends",
          "[backpressure]") {
    auto first = backpressure_step(limits(), {}, 4001, t0);
    CHECK(first.action == BackpressureAction::pause_reading);
    REQUIRE(first.next.over_cap_since);
    CHECK(*first.next.over_cap_since == t0);

    auto later = backpressure_step(limits(), first.next, 5000, t0 + 9999ms);
    CHECK(later.action == BackpressureAction::none);
    CHECK(*later.next.over_cap_since == t0);  // the clock is not restarted

    CHECK(backpressure_step(limits(), first.next, 4001, t0 + 10s).action == BackpressureAction::close);
}

TEST_CASE("backpressure_step: a backlog that dips to the cap starts the grace over", "[backpressure]") {
    auto over = backpressure_step(limits(), {}, 5000, t0).next;
    auto dipped = backpressure_step(limits(), over, 4000, t0 + 5s);
    CHECK(dipped.action == BackpressureAction::none);
    CHECK_FALSE(dipped.next.over_cap_since);
    auto again = backpressure_step(limits(), dipped.next, 5000, t0 + 6s);
    CHECK(*again.next.over_cap_since == t0 + 6s);
    CHECK(backpressure_step(limits(), again.next, 5000, t0 + 15s).action == BackpressureAction::none);
    CHECK(backpressure_step(limits(), again.next, 5000, t0 + 16s).action == BackpressureAction::close);
}

TEST_CASE("resolve_backpressure: the default cap leaves room for one largest message", "[backpressure]") {
    auto l = resolve_backpressure({}, 16u << 20);
    CHECK(l.max_backlog == (32u << 20));
    CHECK(l.high_mark == (1u << 20));
    CHECK(l.low_mark == (256u << 10));
    CHECK(resolve_backpressure({}, 64u << 10).max_backlog == (16u << 20) + (64u << 10));
    CHECK(resolve_backpressure({}, SIZE_MAX).max_backlog == SIZE_MAX);
}

TEST_CASE("resolve_backpressure: a cap below the high mark lowers both marks", "[backpressure]") {
    BackpressureLimits asked;
    asked.max_backlog = 100000;
    auto l = resolve_backpressure(asked, 16u << 20);
    CHECK(l.max_backlog == 100000);
    CHECK(l.high_mark == 100000);
    CHECK(l.low_mark == 25000);
    // An explicit cap above the high mark keeps the marks.
    asked.max_backlog = 8u << 20;
    l = resolve_backpressure(asked, 16u << 20);
    CHECK(l.high_mark == (1u << 20));
    CHECK(l.low_mark == (256u << 10));
}

TEST_CASE("backpressure_step: a backlog over the hard cap closes at once", "[backpressure]") {
    auto l = limits();
    l.hard_cap = 8000;
    CHECK(backpressure_step(l, {}, 8000, t0).action == BackpressureAction::pause_reading);
    CHECK(backpressure_step(l, {}, 8001, t0).action == BackpressureAction::close);
    CHECK(backpressure_step(l, paused(), 8001, t0).action == BackpressureAction::close);
    l.hard_cap = 0;  // none
    CHECK(backpressure_step(l, {}, 1u << 30, t0).action == BackpressureAction::pause_reading);
}
