// The event loop: one thread runs it, everything on a connection happens on
// that thread, and post() is the only way in from other threads.
#pragma once

#include <wskit/export.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace wskit {

class WSKIT_API EventLoop {
public:
    using TimerId = std::uint64_t;

    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Runs handlers on the calling thread until stop() or until no work is left.
    void run();
    // Makes run() return soon; safe from any thread.
    void stop();
    // Queues fn to run on the loop thread; safe from any thread.
    void post(std::function<void()> fn);

    // Calls fn once on the loop thread after `delay`. Loop thread only.
    TimerId after(std::chrono::milliseconds delay, std::function<void()> fn);
    // Cancels a timer that has not fired yet; unknown ids are ignored.
    void cancel(TimerId id);

    // Calls fn(signo) on the loop thread for each SIGINT or SIGTERM, from now
    // until the loop is destroyed. Loop thread only.
    void on_signals(std::function<void(int)> fn);

    struct Impl;
    Impl& impl() { return *impl_; }

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace wskit
