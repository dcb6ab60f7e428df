// The interface behind Server: one implementation per endpoint type (plain,
// TLS) in server.cpp; prepared frames (server_frames.cpp) reach the spare
// message through it.
#pragma once

#include <wskit/server.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace wskit {

struct Server::Impl {
    virtual ~Impl() = default;
    virtual void listen() = 0;
    virtual std::uint16_t port() const = 0;
    virtual void send(ConnId id, Message message) = 0;
    // A Frame is a websocketpp message marked prepared: connections queue it
    // as it is. Plain and TLS servers share the message type.
    virtual void send(ConnId id, const std::shared_ptr<detail::ServerMessage>& frame) = 0;
    virtual void close(ConnId id, int code, const std::string& reason) = 0;
    virtual void abort(ConnId id) = 0;
    virtual void answer_upgrade(ConnId id, UpgradeAnswer answer) = 0;
    virtual void shutdown(int code, const std::string& reason) = 0;
    virtual std::size_t connection_count() const = 0;
    virtual std::size_t buffered_amount(ConnId id) const = 0;
    virtual std::optional<HttpRequest> request(ConnId id) const = 0;
    virtual void hold_reading(ConnId id, bool hold) = 0;

    ServerOptions options;
    ServerStats stats;
    // The message being handed to on_event, its payload moved into the
    // event: prepare() reuses it instead of allocating a new one.
    std::shared_ptr<detail::ServerMessage> spare;
};

namespace detail {
// ws://HOST:PORT/ or wss://...: the URL a server listens on.
std::string server_url(const ServerOptions& options, std::uint16_t port);
}  // namespace detail

}  // namespace wskit
