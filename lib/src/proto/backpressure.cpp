#include <wskit/backpressure.hpp>

#include <algorithm>
#include <cstdint>

namespace wskit {

BackpressureLimits resolve_backpressure(BackpressureLimits limits, std::size_t max_message_size) {
    constexpr std::size_t room = 16u << 20;
    if (limits.max_backlog == 0)
        limits.max_backlog = max_message_size > SIZE_MAX - room ? SIZE_MAX : max_message_size + room;
    if (limits.high_mark > limits.max_backlog) {
        limits.high_mark = limits.max_backlog;
        limits.low_mark = std::min(limits.low_mark, limits.high_mark / 4);
    }
    limits.low_mark = std::min(limits.low_mark, limits.high_mark);
    if (limits.hard_cap) limits.hard_cap = std::max(limits.hard_cap, limits.max_backlog);
    return limits;
}

BackpressureStep backpressure_step(const BackpressureLimits& limits, const BackpressureState& state,
                                   std::size_t unsent, std::chrono::steady_clock::time_point now) {
    BackpressureStep step;
    step.next = state;
    if (limits.hard_cap && unsent > limits.hard_cap) {
        step.action = BackpressureAction::close;
        return step;
    }
    if (unsent > limits.max_backlog) {
        if (!state.over_cap_since) step.next.over_cap_since = now;
        if (now - *step.next.over_cap_since >= limits.grace) {
            step.action = BackpressureAction::close;
            return step;
        }
    } else {
        step.next.over_cap_since.reset();
    }
    if (!state.paused && unsent > limits.high_mark) {
        step.action = BackpressureAction::pause_reading;
        step.next.paused = true;
    } else if (state.paused && unsent <= limits.low_mark) {
        step.action = BackpressureAction::resume_reading;
        step.next.paused = false;
    }
    return step;
}

}  // namespace wskit
