// `wskit broadcast-chat`: chat rooms (chat_room.hpp) on a Server, with the
// browser page, /healthz, /metrics, the transcript and the handshake checks.
#pragma once

#include <wskit/access.hpp>
#include <wskit/chat/room.hpp>
#include <wskit/export.hpp>
#include <wskit/printer.hpp>
#include <wskit/server.hpp>
#include <wskit/tool/record.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace wskit {

struct ChatOptions {
    ServerOptions server;        // the command sets chat's limits (64 KiB messages, 4 MiB backlog)
    PrinterOptions output;       // the transcript: human lines, or JSON with format json
    chat::HubOptions hub;
    // --origin and --token (the token guards /metrics too); `secure` is set
    // from server.tls.
    AccessPolicy access;
    // A ping this often; a client that has answered nothing since the last
    // one is dropped. 0: no pings.
    std::chrono::milliseconds ping_interval{30000};
    // redis://[:PASSWORD@]HOST:PORT[/DB]: the rooms are shared with every
    // chat process using this Redis. Empty: this process alone.
    std::string redis;
    // With redis: how long a room's history outlives its last message in
    // Redis (a day: a conversation paused overnight is still there, a room
    // used once is gone the next day; 0: for ever), how long a process
    // vouches for its clients' presence (6 s: a killed process's clients
    // leave the others' rooms within 10 s), and how long Redis may
    // leave a command unanswered before it is taken for gone (3 s: Redis
    // answers in microseconds, and clients of this process hear each other
    // again soon). The presence TTL must be over 1.5 times the timeout.
    std::chrono::seconds history_ttl{86400};
    std::chrono::milliseconds presence_ttl{6000};
    std::chrono::milliseconds redis_timeout{3000};
    // --record FILE: every client's events with its handshake, and each
    // message the server sent it (role server; see record.hpp).
    std::optional<RecordOptions> record;
};

// Serves until SIGINT/SIGTERM; returns 130/143, or throws Error when it
// cannot listen.
WSKIT_API int run_chat(const ChatOptions& options);

}  // namespace wskit
