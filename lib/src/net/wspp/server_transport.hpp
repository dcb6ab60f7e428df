// The server's transport: websocketpp's Asio transport with the byte counts
// and read holding that backpressure needs.
// Part of the websocketpp layer: included through wspp.hpp only.
#pragma once

#include "net/unix_socket.hpp"
#include "net/wspp/transport_members.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace wskit::detail {

// The server's transport connection: websocketpp's Asio connection, plus what
// backpressure needs and websocketpp does not offer. websocketpp calls
// transport_con_type::async_write and async_read_at_least by name, so these
// overrides see every batch of frames and every read:
// - Unsent bytes. websocketpp's get_buffered_amount() counts only the payloads
//   still queued: a batch handed to the socket leaves the count at once though
//   it stays in memory until the peer reads it, and empty frames count nothing.
//   The batch in flight is counted here, and its completion is the
//   write-complete signal websocketpp lacks (a polling timer would only guess
//   when to resume).
// - Holding reads. websocketpp's pause_reading() takes effect one posted
//   handler later (after the read loop has already asked for more), and its
//   resume_reading() starts a read even when one is still pending, which would
//   run two reads into one buffer. Here a held read is kept, not issued, and
//   issued when reads are released: never two at once.
template <class config>
class ServerTransportConnection : public websocketpp::transport::asio::connection<config> {
    using base = websocketpp::transport::asio::connection<config>;
    using Upstream = TransportConnectionMembers<config>;

public:
    using base::base;

    // Hook 21 in net/wspp/README.md.
    static_assert(Upstream::same_write_buffers, "websocketpp's async_write changed: see hook 21 in net/wspp/README.md");
    void async_write(std::vector<websocketpp::transport::buffer> const& bufs,
                     websocketpp::transport::write_handler handler) {
        in_flight_frames = bufs.size() / 2;  // a header and a payload each
        queued_frames -= std::min(queued_frames, in_flight_frames);
        in_flight_bytes = 0;
        for (const auto& b : bufs) in_flight_bytes += b.len;
        // base binds the connection's shared_ptr into the completion, so
        // `this` outlives it.
        base::async_write(bufs, [this, handler = std::move(handler)](const std::error_code& ec) {
            in_flight_bytes = 0;
            in_flight_frames = 0;
            handler(ec);
            if (on_write_done) on_write_done();
        });
    }

    // Hook 22 in net/wspp/README.md.
    static_assert(Upstream::same_read_at_least,
                  "websocketpp's async_read_at_least changed: see hook 22 in net/wspp/README.md");
    void async_read_at_least(size_t num_bytes, char* buf, size_t len, websocketpp::transport::read_handler handler) {
        if (reads_held_) {
            held_read_ = HeldRead{base::get_shared(), num_bytes, buf, len, std::move(handler)};
            return;
        }
        base::async_read_at_least(num_bytes, buf, len, std::move(handler));
    }

    // websocketpp writes the answer to the request (write_http_response: a
    // handshake's 101 or refusal, a page) with this overload, and frames
    // with the one above: the first call here carries the answer exactly
    // as it goes out, for on_answer_written (hook 23 in net/wspp/README.md).
    // Its completion is reported to on_write_done too (a refusal or a page
    // is the last write).
    static_assert(Upstream::same_write_bytes, "websocketpp's async_write changed: see hook 23 in net/wspp/README.md");
    void async_write(char const* buf, size_t len, websocketpp::transport::write_handler handler) {
        if (on_answer_written) {
            auto report = std::move(on_answer_written);
            on_answer_written = nullptr;
            report(std::string_view(buf, len));
        }
        base::async_write(buf, len, [this, handler = std::move(handler)](const std::error_code& ec) {
            handler(ec);
            if (on_write_done) on_write_done();
        });
    }

    // The peer's bytes then wait in the kernel, and TCP slows the sender.
    void hold_reads() { reads_held_ = true; }
    void release_reads() {
        reads_held_ = false;
        if (!held_read_) return;
        auto read = std::move(*held_read_);
        held_read_.reset();
        base::async_read_at_least(read.num_bytes, read.buf, read.len, std::move(read.handler));
    }

    // Completes the held read with no bytes, from the loop: websocketpp then
    // asks the request whether it is ready again, which a released upgrade
    // is (hook 36 in net/wspp/README.md).
    void deliver_empty_read() {
        reads_held_ = false;
        if (!held_read_) return;
        auto read = std::make_shared<HeldRead>(std::move(*held_read_));
        held_read_.reset();
        asio::post(this->get_raw_socket().get_executor(), [read] { read->handler(std::error_code(), 0); });
    }

    // After the close handshake, a TLS connection's teardown waits for the
    // peer's close_notify, which asio's shutdown does not get while
    // websocketpp still has a read pending on the stream: it sat out the
    // whole 5 s shutdown timeout, and the connection (and a --max-clients
    // slot) stayed taken that long. Cancelling the pending read first lets
    // the shutdown read the peer's answer (or its EOF) itself (hook 24 in
    // net/wspp/README.md).
    static_assert(Upstream::same_shutdown, "websocketpp's async_shutdown changed: see hook 24 in net/wspp/README.md");
    void async_shutdown(websocketpp::transport::shutdown_handler callback) {
        held_read_.reset();
        if constexpr (std::is_same_v<typename config::socket_type, websocketpp::transport::asio::tls_socket::endpoint>) {
            std::error_code ignored;
            this->get_raw_socket().cancel(ignored);
        }
        base::async_shutdown(std::move(callback));
    }

    std::size_t queued_frames = 0;    // counted by the server as it queues them
    std::size_t in_flight_frames = 0;
    std::size_t in_flight_bytes = 0;  // headers and payloads
    std::function<void()> on_write_done;
    // Called once with the answer to the request as written (see async_write).
    std::function<void(std::string_view answer)> on_answer_written;
    // Set for a client of a Unix socket, whose address means nothing.
    std::optional<UnixPeer> unix_peer;

private:
    // websocketpp's read handler binds the connection as a raw pointer: only
    // Asio's pending operations keep it alive. A held read is no operation,
    // so it keeps the connection itself (a cycle that release_reads or
    // async_shutdown breaks); without it, a connection held with nothing to
    // write was destroyed at once, its socket closed without a close event.
    struct HeldRead {
        typename base::ptr self;
        size_t num_bytes;
        char* buf;
        size_t len;
        websocketpp::transport::read_handler handler;
    };
    bool reads_held_ = false;
    std::optional<HeldRead> held_read_;
};

template <class config>
struct ServerTransport : websocketpp::transport::asio::endpoint<config> {
    using base = websocketpp::transport::asio::endpoint<config>;
    using transport_con_type = ServerTransportConnection<config>;

    // websocketpp calls this right after constructing a connection, whose
    // message manager has just handed itself over (hook 15 in
    // net/wspp/README.md).
    static_assert(TransportEndpointMembers<config>::same_init,
                  "websocketpp's transport init changed: see hook 15 in net/wspp/README.md");
    std::error_code init(typename base::transport_con_ptr tcon) {
        DeflateSetting::handoff().take().policy = deflate_policy;
        return base::init(tcon);
    }

    std::optional<DeflatePolicy> deflate_policy;  // --compress
};

}  // namespace wskit::detail
