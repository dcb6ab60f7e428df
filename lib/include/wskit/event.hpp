// What happens on a connection, as values: the client and server endpoints
// hand these to their owner, and the printers render them. Events never point
// into the library; `conn` identifies a server's connection.
#pragma once

#include <wskit/compression.hpp>
#include <wskit/message.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wskit {

using ConnId = std::uint64_t;  // 1, 2, 3... per server; 0 for a client's only connection

enum class EventType {
    open,       // handshake done; `text` is the URL, `subprotocol` the chosen one (on a server: `resource`,
                // `peer`, `origin`, `user_agent` too)
    message,    // a text or binary message; `message` holds it
    ping,       // a ping frame; `message.payload` is its data
    pong,       // a pong frame
    close,      // the connection closed; `code`, `reason`, `clean`
    error,      // something failed; `text` says what
    listening,  // a server is ready; `text` is its URL
    info,       // a system line for humans (following a redirect, stats...); `text`
    reconnect,  // a client is about to reconnect: `attempt`, `delay_ms`, `text` the URL
    // Flow events, for the owner's bookkeeping and never printed:
    drained,     // a connection's unsent bytes reached zero (all written to its socket); `conn`
    all_closed,  // a server's last connection is gone after shutdown(), or at once when it had none
    finished,    // a client is done with its connection, after its close or error event: it may be destroyed now
};

// Flow events (drained, all_closed, finished) tell the owner when to go on
// instead of polling; printers and logs skip them.
inline bool is_flow_event(EventType type) {
    return type == EventType::drained || type == EventType::all_closed || type == EventType::finished;
}

enum class Direction { in, out };

// The side of a proxy an event happened on: its client's connection or its
// own to the upstream server. none for a plain client's or server's events.
enum class Leg { none, client, upstream };

struct Event {
    EventType type = EventType::info;
    std::chrono::system_clock::time_point ts = std::chrono::system_clock::now();
    ConnId conn = 0;
    Direction direction = Direction::in;
    Leg leg = Leg::none;       // a proxy's events: which leg (direction is then as that leg sees it)
    Message message;           // for message, ping, pong
    int code = 0;              // close code (1006 when none was received)
    std::string reason;        // close reason
    bool clean = false;        // close: a close handshake completed
    std::string text;          // open: URL; error/info: the line; listening: URL
    std::string subprotocol;   // open
    std::string peer;          // open on a server: the client's address
    std::string resource;      // open on a server: the path and query the client asked for
    std::string origin;        // open on a server: the request's Origin header ("" when none)
    std::string user_agent;    // open on a server: its User-Agent header ("" when none)
    std::optional<DeflateParams> compression;  // open: permessage-deflate's agreed parameters, when agreed
    int attempt = 0;           // reconnect: 1 for the first retry
    long delay_ms = 0;         // reconnect: wait before the attempt
};

}  // namespace wskit
