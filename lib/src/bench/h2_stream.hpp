// wskit bench --http2: each WebSocket is a stream (RFC 8441) of one of a few
// HTTP/2 connections per worker, --streams-per-connection on each at most, as
// a browser multiplexes a page's WebSockets. H2Stream gives bench's
// Connection a stream's operations with a socket's names (Asio's
// async_read_some and async_write_some), so that one traffic code serves
// TCP, TLS and HTTP/2 streams alike.
#pragma once

#include "net/h2_connection.hpp"

#include <wskit/client.hpp>
#include <wskit/connect_failure.hpp>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/buffer.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace wskit::detail::bench {

// One stream's state, shared by its H2Stream and the callbacks of its
// connection, which may outlive it. The pool owns the connection: when it
// closes them at the end of the run, no stream keeps one open.
struct H2StreamState {
    using Completion = std::function<void(const std::error_code&, std::size_t)>;
    std::weak_ptr<Http2Connection> connection;
    // The stream's connection while it is there.
    std::shared_ptr<Http2Connection> live() const { return over ? nullptr : connection.lock(); }
    std::int32_t id = 0;
    bool answered = false, over = false;
    std::uint32_t reset_code = 0;         // the stream's RST_STREAM code, once over
    std::string inbox;                    // data that came while no read was waiting
    asio::mutable_buffer read_into;
    Completion on_read, on_written;       // the operations waiting, at most one each
    std::function<void(std::vector<Header> fields)> on_answer;
    std::function<void(const ConnectFailure& failure)> on_failed;
};

// The worker's HTTP/2 connections to its servers: a stream goes to the first
// one with room, which opens it once the server's SETTINGS are in; a
// connection that fails fails its streams, and the next opening makes another.
class H2Pool {
public:
    H2Pool(asio::io_context& io, std::size_t streams_per_connection);
    void open(const ClientOptions& client, std::vector<Header> fields, std::shared_ptr<H2StreamState> stream);
    // The end of the run: every connection closes at once (its streams with it).
    void close() { entries_.clear(); }

private:
    struct Entry;
    void start_stream(const std::shared_ptr<Entry>& entry, const std::shared_ptr<H2StreamState>& stream,
                      std::vector<Header> fields);
    asio::io_context& io_;
    std::size_t per_connection_;
    std::vector<std::shared_ptr<Entry>> entries_;
};

class H2Stream {
public:
    using executor_type = asio::io_context::executor_type;
    explicit H2Stream(asio::io_context& io) : io_(io), state_(std::make_shared<H2StreamState>()) {}
    executor_type get_executor() { return io_.get_executor(); }

    // Opens the stream on one of `pool`'s connections: `on_answer` gets the
    // answer's fields, `on_failed` why it could not be opened.
    void open(H2Pool& pool, const ClientOptions& client, std::function<void(std::vector<Header>)> on_answer,
              std::function<void(const ConnectFailure&)> on_failed);
    // Ends the stream (END_STREAM; a CONNECT not yet answered is reset with
    // CANCEL): nothing more is read or written.
    void close();

    // Completes with what came (at most the first buffer's size), eof once the
    // server ended the stream, connection_reset when it reset it.
    template <class Buffers, class Handler>
    void async_read_some(const Buffers& buffers, Handler&& handler) {
        auto h = std::make_shared<std::decay_t<Handler>>(std::forward<Handler>(handler));
        read(*asio::buffer_sequence_begin(buffers), [h](const std::error_code& ec, std::size_t n) { (*h)(ec, n); });
    }
    // Takes every byte at once; completes once the stream has written them
    // to the socket, which paces the sender as a socket's send buffer does.
    template <class Buffers, class Handler>
    void async_write_some(const Buffers& buffers, Handler&& handler) {
        std::string bytes;
        for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it)
            bytes.append(static_cast<const char*>(asio::const_buffer(*it).data()), asio::const_buffer(*it).size());
        auto h = std::make_shared<std::decay_t<Handler>>(std::forward<Handler>(handler));
        write(std::move(bytes), [h](const std::error_code& ec, std::size_t n) { (*h)(ec, n); });
    }

private:
    void read(asio::mutable_buffer into, H2StreamState::Completion done);
    void write(std::string bytes, H2StreamState::Completion done);
    asio::io_context& io_;
    std::shared_ptr<H2StreamState> state_;
};

}  // namespace wskit::detail::bench
