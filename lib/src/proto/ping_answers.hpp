// How a client answers a server's pings without letting a server that pings
// and never reads grow its memory (pongs queued without bound took 4.9 GB in
// 30 s): one pong at a time, the latest ping's payload answered once the
// pong before it is written (RFC 6455 5.5.3 allows answering only the most
// recent), and the servers' backpressure rule applied to the pings left
// owing. Pure: the client reports pings and writes, and acts on the result.
#pragma once

#include <wskit/backpressure.hpp>
#include <wskit/export.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace wskit::detail {

class WSKIT_API PingAnswers {
public:
    // The pings owed count as the servers count queued frames (a frame's
    // bookkeeping, frame_overhead, plus its payload).
    static BackpressureLimits default_limits() {
        BackpressureLimits l;
        // 64 KiB: some 250 pings unanswered while our last pong waits to
        // be written. A server pinging once a second never gets there;
        // above it the client stops reading, and TCP slows the server.
        l.high_mark = 64u << 10;
        l.low_mark = 16u << 10;
        l.max_backlog = 64u << 10;
        // A server that has read nothing for 5 s while pinging that much
        // is closed with 1008 (the servers allow a slow reader 10 s; a
        // ping flood is no slow reader).
        l.grace = std::chrono::seconds(5);
        // Some 4000 pings within the time one pong takes to be written (one
        // read of 64 KiB holds 32768 empty ones): a flood, closed with 1008
        // at once, whether or not the server reads.
        l.hard_cap = 1u << 20;
        return l;
    }

    explicit PingAnswers(BackpressureLimits limits = default_limits()) : limits_(limits) {}

    // A ping arrived: the payload to answer with now, or none while a pong
    // of ours is still unwritten (the payload is kept; a later ping's
    // replaces it).
    std::optional<std::string> on_ping(std::string payload);
    // Our pong has been written: the payload to answer with now, if a ping
    // came meanwhile.
    std::optional<std::string> on_pong_written();
    bool pong_unwritten() const { return unwritten_; }

    // What the pings owed ask for now: pause or resume reading, or close
    // (1008). Call after each of the above.
    BackpressureAction check(std::chrono::steady_clock::time_point now);
    // Bytes owed: pings received while a pong was unwritten, since it was written.
    std::size_t owed() const { return owed_; }
    // Still owing past max_backlog: check() again at over_since + grace.
    std::optional<std::chrono::steady_clock::time_point> over_since() const { return state_.over_cap_since; }
    const BackpressureLimits& limits() const { return limits_; }
    // What a close asked by check() is for: owing past the hard cap at once,
    // or past max_backlog for the grace period.
    bool over_hard_cap() const { return limits_.hard_cap && owed_ > limits_.hard_cap; }

private:
    BackpressureLimits limits_;
    BackpressureState state_;
    bool unwritten_ = false;           // a pong of ours is queued or being written
    std::optional<std::string> due_;   // the latest ping's payload, to answer next
    std::size_t owed_ = 0;
};

}  // namespace wskit::detail
