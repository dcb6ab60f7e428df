// `wskit broadcast-chat`: chat rooms (chat_room.hpp) on a Server, with the
// browser page, /healthz, /metrics, the transcript and the handshake checks.
#pragma once

#include <wskit/access.hpp>
#include <wskit/chat_room.hpp>
#include <wskit/export.hpp>
#include <wskit/printer.hpp>
#include <wskit/server.hpp>

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
};

// Serves until SIGINT/SIGTERM; returns 130/143, or throws Error when it
// cannot listen.
WSKIT_API int run_chat(const ChatOptions& options);

}  // namespace wskit
