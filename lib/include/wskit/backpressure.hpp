// Backpressure: how a server bounds what it holds for a client that sends but
// does not read (uWS's maxBackpressure, made a policy). The decision is a pure
// function of a connection's unsent bytes, its state and the time; Server
// gathers the inputs and acts on the result.
#pragma once

#include <wskit/export.hpp>

#include <chrono>
#include <cstddef>
#include <optional>

namespace wskit {

// Above this many unsent bytes a connection's feeder is no longer read, so
// that TCP slows the sender down. 1 MiB: dozens of typical messages in
// flight, so a peer that reads at all never meets it, and a few of them cost
// little. The servers' default, and the mark of the relays between a
// connection and something else (a process, a TCP stream, another leg).
constexpr std::size_t default_high_mark = 1u << 20;

struct BackpressureLimits {
    // Above this many unsent bytes the server stops reading from the
    // connection (see default_high_mark).
    std::size_t high_mark = default_high_mark;
    // Reading resumes once the backlog is down to this. A quarter of the high
    // mark, so that a client reading at the edge does not flip the connection
    // between paused and reading on every frame.
    std::size_t low_mark = 256u << 10;
    // A backlog above this for longer than `grace` closes the connection with
    // 1008. Pausing alone bounds a client that sends; this bounds what the
    // server sends on its own (broadcasts) to one that never reads. 0: the
    // largest message plus 16 MiB (see resolve_backpressure), so that echoing
    // one largest message never counts as abuse.
    std::size_t max_backlog = 0;
    // How long a backlog may stay above max_backlog: 10 s lets a slow reader
    // catch up after a burst or a stall (a mobile network, a GC pause).
    std::chrono::milliseconds grace{10000};
    // A backlog above this closes the connection at once, grace or not. The
    // grace bounds time, not bytes: a server that sends on its own (a chat's
    // broadcasts) could pile up anything for a stalled client meanwhile.
    // 0: no such cap (a server that only answers is bounded by pausing).
    std::size_t hard_cap = 0;
};

// The limits to apply: max_backlog 0 becomes max_message_size + 16 MiB; the
// marks are kept at or below the backlog cap (low at most high / 4 then).
WSKIT_API BackpressureLimits resolve_backpressure(BackpressureLimits limits, std::size_t max_message_size);

// What a queued frame costs besides its bytes: the message object, its
// shared_ptr control block, its header string and its queue slot (about 200
// bytes with libstdc++). Counted so that a flood of empty frames (pings with
// no payload, answered by empty pongs) is bounded like a flood of data.
constexpr std::size_t frame_overhead = 256;

enum class BackpressureAction { none, pause_reading, resume_reading, close };

struct BackpressureState {
    bool paused = false;  // reading stopped by this policy
    // Since when the backlog has been above max_backlog without a break.
    std::optional<std::chrono::steady_clock::time_point> over_cap_since;
};

struct BackpressureStep {
    BackpressureAction action = BackpressureAction::none;
    BackpressureState next;
};

// Pure. Given resolved limits, the connection's state, its unsent bytes and
// the time now: what to do, and the state after doing it. Pause above the high
// mark, resume at or below the low mark, close once the backlog has been above
// max_backlog for `grace` (a backlog that dips below it starts the clock over),
// or at once above a hard_cap.
WSKIT_API BackpressureStep backpressure_step(const BackpressureLimits& limits, const BackpressureState& state,
                                             std::size_t unsent, std::chrono::steady_clock::time_point now);

}  // namespace wskit
