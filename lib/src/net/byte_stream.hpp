// A plain byte connection, TCP or a Unix socket, on the event loop: what a
// bridge relays a WebSocket client to (listen --to). Asio behind a plain
// interface, as Descriptor is. Loop thread only.
#pragma once

#include <wskit/loop.hpp>
#include <wskit/stream_target.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace wskit::detail {

class ByteStream {
public:
    struct Handlers {
        std::function<void()> on_connected;
        std::function<void(std::string_view bytes)> on_data;
        std::function<void()> on_end;                          // the peer finished sending (EOF)
        std::function<void(const std::string& why)> on_error;  // connect failed, reset...: the stream is over
        std::function<void()> on_drained;                      // all that was written has gone
    };

    ByteStream(EventLoop& loop, Handlers handlers);
    // Closes at once: nothing more is written or called back.
    ~ByteStream();
    ByteStream(const ByteStream&) = delete;
    ByteStream& operator=(const ByteStream&) = delete;

    void connect(const StreamTarget& target);
    // Queued, written in order once connected.
    void write(std::string bytes);
    std::size_t unsent() const;
    // Reading stops after the read in flight, until resumed.
    void pause_reading();
    void resume_reading();
    // Once what is queued is written, the connection is closed (the peer
    // reads EOF), and no handler is called any more.
    void finish();
    // Closes at once with a TCP reset (RST, not FIN), so that the peer
    // learns the stream broke: what is queued is dropped, no handler is
    // called any more. A Unix socket has no reset: its peer reads EOF.
    void reset();

    struct Impl;
    // A stream whose connection is there already (ByteListener's).
    ByteStream(std::shared_ptr<Impl> connected, Handlers handlers);

private:
    std::shared_ptr<Impl> impl_;  // shared with its pending operations
};

// Accepts TCP connections on the loop, each given as a connected ByteStream
// whose handlers the owner sets (start() begins its reading).
class ByteListener {
public:
    using Accepted = std::function<void(std::shared_ptr<ByteStream::Impl> connection, const std::string& peer)>;
    explicit ByteListener(EventLoop& loop);
    ~ByteListener();
    ByteListener(const ByteListener&) = delete;
    ByteListener& operator=(const ByteListener&) = delete;

    // Binds and starts accepting. Throws Error(ExitCode::runtime) naming the
    // address when it cannot bind.
    void listen(const std::string& host, std::uint16_t port, Accepted on_accept);
    std::uint16_t port() const;
    void stop();

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace wskit::detail
