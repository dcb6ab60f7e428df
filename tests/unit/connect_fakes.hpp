// Fakes for the pieces of `wskit connect` that take their connection and
// time as interfaces (connect/closer.hpp): a connection that records what it
// was asked, and a clock that moves only when the test says.
#pragma once

#include "connect/closer.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace wskit::test {

class FakeConnection : public detail::Closer::Connection {
public:
    bool close(int code, const std::string& reason) override {
        closes.emplace_back(code, reason);
        return open;
    }
    bool is_open() const override { return open; }
    std::size_t backlog() const override { return unsent; }

    bool open = false;
    std::size_t unsent = 0;
    std::vector<std::pair<int, std::string>> closes;  // every close asked for
};

class FakeTimers : public detail::Closer::Timers {
public:
    using Clock = detail::Closer::Clock;

    Clock::time_point now() const override { return now_; }
    void after(std::chrono::milliseconds delay, std::function<void()> fn) override {
        due_.emplace(now_ + delay, std::move(fn));
    }
    // Moves the clock forward, running each timer that comes due, in order.
    void advance(std::chrono::milliseconds by) {
        auto until = now_ + by;
        while (!due_.empty() && due_.begin()->first <= until) {
            auto it = due_.begin();
            now_ = it->first;
            auto fn = std::move(it->second);
            due_.erase(it);
            fn();
        }
        now_ = until;
    }
    std::size_t pending() const { return due_.size(); }

private:
    Clock::time_point now_{};
    std::multimap<Clock::time_point, std::function<void()>> due_;
};

}  // namespace wskit::test
