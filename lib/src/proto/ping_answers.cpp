#include "proto/ping_answers.hpp"

namespace wskit::detail {

std::optional<std::string> PingAnswers::on_ping(std::string payload) {
    if (!unwritten_) {
        unwritten_ = true;
        return payload;
    }
    owed_ += frame_overhead + payload.size();
    due_ = std::move(payload);
    return std::nullopt;
}

std::optional<std::string> PingAnswers::on_pong_written() {
    unwritten_ = false;
    owed_ = 0;
    if (!due_) return std::nullopt;
    unwritten_ = true;
    auto next = std::move(due_);
    due_.reset();
    return next;
}

BackpressureAction PingAnswers::check(std::chrono::steady_clock::time_point now) {
    auto step = backpressure_step(limits_, state_, owed_, now);
    state_ = step.next;
    return step.action;
}

}  // namespace wskit::detail
