// Client's Impl: what a client connection does, whatever carries it.
// websocketpp's connection over TCP or TLS (net/client_impl.hpp) is one;
// an HTTP/2 stream (net/h2_client.cpp, RFC 8441), which websocketpp cannot
// carry, is the other. Without websocketpp.
#pragma once

#include <wskit/client.hpp>

#include <string>
#include <vector>

namespace wskit {

struct Client::Impl {
    virtual ~Impl() = default;
    virtual void connect() = 0;
    virtual void send(Message message) = 0;
    virtual bool close(int code, const std::string& reason) = 0;
    virtual bool is_open() const = 0;
    virtual void abort() = 0;
    virtual std::size_t backlog() const = 0;
    virtual std::vector<Message> take_unsent() = 0;
    virtual void pause_reading() = 0;
    virtual void resume_reading() = 0;

    HandshakeTrace trace;
    ExitCode exit = ExitCode::ok;
    std::string error;
    bool finished = false;  // the connection's failure or close has been handled

    // The one place a failure is recorded: the first explanation wins, so a
    // consequence (the reset after a refused TLS handshake, a timer firing
    // while the socket is being torn down) never replaces its cause.
    bool record_failure(ExitCode code, std::string why) {
        if (exit != ExitCode::ok) return false;
        exit = code;
        error = std::move(why);
        return true;
    }
};

}  // namespace wskit
