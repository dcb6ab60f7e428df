// Writing to Redis no faster than it answers, and knowing that it does.
//
// Every event sent weighs on the publishing connection until Redis answers
// it. Above high_mark bytes unanswered (a slow or stalled Redis, a client
// flooding), new events wait here, in order, and the clients who said them
// are not read any more (TCP then slows them down, as the server does for
// a client that does not read its own messages); once Redis is down to
// low_mark they go, and the clients are read again. What waits is bounded
// too: past waiting_limit Redis is taken for one that cannot keep up, and
// given up like a lost one (degraded: the outbox's bounds apply).
//
// A Redis that answers nothing is found by the connection's reply deadline
// (Connection::Limits): the heartbeat below keeps a command in flight on
// the publishing connection at all times. The subscriber connection sends
// nothing once subscribed, so the heartbeat is also published to a channel
// only this process listens to: one Redis took (its PUBLISH answered, with
// a receiver) that has not come back, with nothing at all read on the
// subscriber connection for the reply deadline, means that connection is
// dead, and it is given up. (A subscriber connection still reading a
// backlog is behind, not dead.)
#include "chat/redis/bus.hpp"

#include <fmt/format.h>

namespace wskit::redis {
namespace {

// A few dozen of the largest chat messages in flight (each weighs twice:
// PUBLISH and the history list): plenty for Redis to be kept busy, little
// to hold for one that stopped.
constexpr std::size_t high_mark = 4u << 20, low_mark = 1u << 20;
// What may wait here on top: messages that the paused clients had already
// sent when they were paused.
constexpr std::size_t waiting_limit = 8u << 20;

std::size_t weight(const Envelope& e) { return e.event.text.size() + e.event.from.size() + e.event.room.size() + 64; }

}  // namespace

bool RedisBus::congested() const { return pub_.unanswered_bytes() > high_mark; }

void RedisBus::wait_for_redis(const Envelope& e) {
    waiting_.push_back(e);
    waiting_bytes_ += weight(e);
    auto author = e.event.origin_conn;
    if (e.event.said() && paused_.insert(author).second && pause_) pause_(author, true);
    if (waiting_bytes_ > waiting_limit)
        pub_.give_up(fmt::format("not keeping up: more than {} MiB of messages waiting for it", waiting_limit >> 20));
}

// After each answer on the publishing connection: below the low mark,
// what waits goes, up to the high mark again.
void RedisBus::drain() {
    if (waiting_.empty() || pub_.unanswered_bytes() > low_mark) return;
    while (!waiting_.empty() && !congested() && sharing()) {
        auto e = std::move(waiting_.front());
        waiting_.pop_front();
        waiting_bytes_ -= weight(e);
        send(e);
    }
    if (waiting_.empty()) resume_clients();
}

void RedisBus::resume_clients() {
    auto paused = std::move(paused_);
    paused_.clear();
    if (pause_)
        for (auto conn : paused) pause_(conn, false);
}

void RedisBus::heartbeat() {
    auto period = std::max(options_.reply_timeout / 3, std::chrono::milliseconds(10));
    heartbeat_timer_ = loop_.after(period, [this] {
        heartbeat_timer_ = 0;
        auto now = std::chrono::steady_clock::now();
        if (sub_.ready() && !unechoed_.empty() &&
            now - std::max(unechoed_.front().second, sub_.last_read()) > options_.reply_timeout) {
            ++deaf_subscribers_;
            sub_.give_up(fmt::format("no message within {:g} s", options_.reply_timeout.count() / 1000.0));
        }
        if (pub_.ready()) {
            auto seq = ++heartbeat_seq_;
            pub_.command({"PUBLISH", node_channel(), std::to_string(seq)}, [this, seq](const Reply& r) {
                // 0 receivers: not subscribed yet (or any more), nothing to wait for.
                if (r.type == Reply::Type::integer && r.integer > 0 && sub_.ready())
                    unechoed_.push_back({seq, std::chrono::steady_clock::now()});
            });
        }
        heartbeat();
    });
}

// ["message", channel, SEQ], or the confirmation ["subscribe", channel, count].
void RedisBus::on_heartbeat(const Reply& push) {
    if (push.type != Reply::Type::array || push.elements.size() < 3 || push.elements[0].str != "message") return;
    std::uint64_t seq = 0;
    try {
        seq = std::stoull(push.elements[2].str);
    } catch (const std::exception&) {
        return;
    }
    while (!unechoed_.empty() && unechoed_.front().first <= seq) unechoed_.pop_front();
}

}  // namespace wskit::redis
