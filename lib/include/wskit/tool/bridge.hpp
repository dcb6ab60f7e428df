// What `wskit listen` hands its clients to instead of its own stdin and
// stdout: a bridge gives each client something of its own to talk to
// (--exec: a process; --to: a TCP or Unix-socket connection). The session
// attaches it to the server, asks it about each handshake, and passes it
// every event of every client.
#pragma once

#include <wskit/event.hpp>
#include <wskit/http.hpp>
#include <wskit/server.hpp>

#include <optional>

namespace wskit {

class ClientBridge {
public:
    virtual ~ClientBridge() = default;
    // The server the clients come from; before it starts listening.
    virtual void attach(Server& server) = 0;
    // A refusal for a client the bridge cannot take now, or nullopt.
    virtual std::optional<HttpResponse> on_handshake(const HttpRequest& request) = 0;
    // Every event of the server's (open, message, close, drained...).
    virtual void on_event(const Event& e) = 0;
};

}  // namespace wskit
