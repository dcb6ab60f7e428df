// SendFlow: one server connection's send backlog under --backpressure.
// proto/'s backpressure_step decides (hold reading over the high mark,
// release it under the low one, close a client that stops reading); this
// applies its steps to a websocketpp connection, and keeps the owner's own
// hold on reading (Server::hold_reading) apart, so that neither releases
// what the other holds.
// Part of net/: the connection's transport members are wskit's (see
// net/wspp/server_transport.hpp).
#pragma once

#include "net/wspp/wspp.hpp"

#include <wskit/backpressure.hpp>
#include <wskit/loop.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <utility>

namespace wskit::detail {

template <class Connection>
class SendFlow {
public:
    using Clock = std::chrono::steady_clock;
    using CloseReason = std::pair<int, std::string>;

    SendFlow(EventLoop& loop, const BackpressureLimits& limits) : loop_(loop), limits_(limits) {}
    SendFlow(const SendFlow&) = delete;
    SendFlow& operator=(const SendFlow&) = delete;
    ~SendFlow() {
        if (timer_) loop_.cancel(timer_);
    }

    // What websocketpp still holds, and what its transport is writing (hook
    // 21 in net/wspp/README.md).
    static std::size_t unsent(const Connection& con) {
        return con.get_buffered_amount() + con.in_flight_bytes +
               frame_overhead * (con.queued_frames + con.in_flight_frames);
    }

    // Server::hold_reading (held by the transport: hook 22 in
    // net/wspp/README.md).
    void hold_for_owner(Connection& con, bool hold) {
        if (held_by_owner_ == hold) return;
        held_by_owner_ = hold;
        if (hold)
            con.hold_reads();
        else if (!state_.paused)
            con.release_reads();
    }

    // After the server has queued a frame on the connection.
    void queued(Connection& con) {
        ++con.queued_frames;
        check(con);
    }

    // Whenever the unsent bytes may have changed: after queueing, and after
    // each completed write. Returns them, as unsent() would.
    std::size_t check(Connection& con) {
        std::size_t bytes = unsent(con);
        // The common case, once per echoed message: nothing to do, and no
        // need to read the clock.
        if (!state_.paused && !state_.over_cap_since && bytes <= limits_.high_mark) return bytes;
        auto now = Clock::now();
        auto step = backpressure_step(limits_, state_, bytes, now);
        // A connection already closing is left to its close handshake timeout.
        if (step.action == BackpressureAction::close && con.get_state() != websocketpp::session::state::open)
            return bytes;
        state_ = step.next;
        switch (step.action) {
            case BackpressureAction::pause_reading: con.hold_reads(); break;
            case BackpressureAction::resume_reading:
                if (!held_by_owner_) con.release_reads();
                break;
            case BackpressureAction::close: close(con, bytes); return bytes;
            case BackpressureAction::none: break;
        }
        if (state_.over_cap_since && !timer_) {
            auto due = std::chrono::ceil<std::chrono::milliseconds>(*state_.over_cap_since + limits_.grace - now);
            timer_ = loop_.after(std::max(due, std::chrono::milliseconds(1)), [this, &con] {
                timer_ = 0;
                check(con);
            });
        }
        return bytes;
    }

    // Set when this closed the connection: its close event reports that,
    // not how the unanswered close handshake ended.
    std::optional<CloseReason> take_close() { return std::move(close_); }

private:
    // The close frame waits behind the backlog; if the peer never reads it,
    // the close handshake timeout drops the connection.
    void close(Connection& con, std::size_t bytes) {
        auto reason = limits_.hard_cap && bytes > limits_.hard_cap
                          ? fmt::format("send backlog over {} bytes: the client is not reading", limits_.hard_cap)
                          : fmt::format("send backlog over {} bytes for {} s: the client is not reading",
                                        limits_.max_backlog, limits_.grace.count() / 1000.0);
        close_.emplace(websocketpp::close::status::policy_violation, reason);
        websocketpp::lib::error_code ec;
        con.close(websocketpp::close::status::policy_violation, reason, ec);
    }

    EventLoop& loop_;
    const BackpressureLimits& limits_;
    BackpressureState state_;
    EventLoop::TimerId timer_ = 0;  // re-checks a backlog over the cap when its grace ends
    std::optional<CloseReason> close_;
    bool held_by_owner_ = false;
};

}  // namespace wskit::detail
