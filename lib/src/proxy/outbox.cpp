#include "proxy/outbox.hpp"

#include <algorithm>

namespace wskit::detail {
namespace {

bool is_data(const Message& m) { return m.opcode == Opcode::text || m.opcode == Opcode::binary; }

}  // namespace

Outbox::Outbox(EventLoop& loop, const ProxyFaults& faults, bool faulty, Handlers handlers)
    : loop_(loop), faults_(faults), faulty_(faulty), handlers_(std::move(handlers)) {}

Outbox::~Outbox() {
    if (timer_) loop_.cancel(timer_);
}

void Outbox::open() {
    open_ = true;
    pump();
}

void Outbox::push(Message m) {
    if (faulty_ && faults_.drop_every && is_data(m) && ++data_seen_ % faults_.drop_every == 0) {
        handlers_.dropped(m);
        return;
    }
    auto now = Clock::now();
    auto due = now;
    if (faulty_ && faults_.delay.count() > 0) {
        auto jitter = faults_.jitter.count();
        auto offset = jitter ? std::uniform_int_distribution<long long>(-jitter, jitter)(jitter_) : 0;
        due += faults_.delay + std::chrono::milliseconds(offset);
    }
    // Never before the one ahead of it: a jitter must not reorder messages.
    due = std::max(due, last_due_);
    last_due_ = due;
    if (open_ && queue_.empty() && due <= now && (!faulty_ || !faults_.throttle)) {
        if (is_data(m)) ++delivered_;
        handlers_.deliver(m);
        return;
    }
    held_bytes_ += m.payload.size();
    queue_.push_back({due, std::move(m)});
    pump();
}

void Outbox::pump() {
    if (!open_ || timer_) return;
    bool sent = false;
    while (!queue_.empty()) {
        auto now = Clock::now();
        auto ready = std::max(queue_.front().due, throttle_free_);
        if (ready > now) {
            auto wait = std::chrono::ceil<std::chrono::milliseconds>(ready - now);
            timer_ = loop_.after(wait, [this] {
                timer_ = 0;
                pump();
            });
            break;
        }
        auto m = std::move(queue_.front().message);
        queue_.pop_front();
        held_bytes_ -= m.payload.size();
        if (faulty_ && faults_.throttle) {
            auto cost = std::chrono::microseconds(m.payload.size() * 1000000 / faults_.throttle);
            throttle_free_ = std::max(throttle_free_, now) + std::chrono::duration_cast<Clock::duration>(cost);
        }
        if (is_data(m)) ++delivered_;
        handlers_.deliver(m);
        sent = true;
    }
    if (sent && queue_.empty() && handlers_.emptied) handlers_.emptied();
}

}  // namespace wskit::detail
