// What the proxy sends on one leg of a pair, on its way: held until the
// leg is open, delayed and throttled by the faults, every Nth data message
// dropped. Order is kept: a message never overtakes the one before it.
#pragma once

#include <wskit/loop.hpp>
#include <wskit/message.hpp>
#include <wskit/tool/proxy.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <random>

namespace wskit::detail {

class Outbox {
public:
    using Clock = std::chrono::steady_clock;
    struct Handlers {
        std::function<void(Message&)> deliver;       // sends it on the leg
        std::function<void(const Message&)> dropped; // --drop-every took it
        std::function<void()> emptied;               // what was held has all gone out
    };

    // `faulty`: the faults apply to this leg.
    Outbox(EventLoop& loop, const ProxyFaults& faults, bool faulty, Handlers handlers);
    ~Outbox();
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;

    // Until opened, everything is held (the leg's handshake is in flight).
    void open();
    void push(Message m);
    // Bytes of payload held here: part of the leg's backlog.
    std::size_t held_bytes() const { return held_bytes_; }
    // Data messages delivered so far (for --close-after N).
    std::size_t delivered() const { return delivered_; }

private:
    struct Waiting {
        Clock::time_point due;
        Message message;
    };
    void pump();

    EventLoop& loop_;
    const ProxyFaults& faults_;
    bool faulty_;
    Handlers handlers_;
    bool open_ = false;
    std::deque<Waiting> queue_;
    std::size_t held_bytes_ = 0;
    std::size_t data_seen_ = 0;  // for --drop-every
    std::size_t delivered_ = 0;
    Clock::time_point last_due_{};
    Clock::time_point throttle_free_{};  // --throttle: when the next message may go
    EventLoop::TimerId timer_ = 0;
    std::minstd_rand jitter_{std::random_device{}()};
};

}  // namespace wskit::detail
