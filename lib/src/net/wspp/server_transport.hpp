// The server's transport: websocketpp's Asio endpoint, and connections with
// the byte counts that backpressure needs and reads as ServerReads does them.
// Part of the websocketpp layer: included through wspp.hpp only.
#pragma once

#include "net/unix_socket.hpp"
#include "net/wspp/message_pool.hpp"
#include "net/wspp/plain_transport.hpp"
#include "net/wspp/server_reads.hpp"
#include "net/wspp/transport_members.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>
#include <vector>

namespace wskit::detail {

// The server's transport connection: Base (websocketpp's Asio connection on
// TLS, PlainTransportConnection on plain sockets), with reads as ServerReads
// does them, plus what backpressure needs and websocketpp does not offer.
// websocketpp calls transport_con_type::async_write by name, so these
// overrides see every batch of frames:
// - Unsent bytes. websocketpp's get_buffered_amount() counts only the payloads
//   still queued: a batch handed to the socket leaves the count at once though
//   it stays in memory until the peer reads it, and empty frames count nothing.
//   The batch in flight is counted here, and its completion is the
//   write-complete signal websocketpp lacks (a polling timer would only guess
//   when to resume).
template <class config, class Base>
class ServerTransportConnection : public ServerReads<config, Base> {
    using base = Base;
    static constexpr bool on_websocketpp = on_websocketpp_transport<config, Base>;
    using Upstream = TransportConnectionMembers<config>;

public:
    using ServerReads<config, Base>::ServerReads;

    // Hook 21 in net/wspp/README.md.
    static_assert(!on_websocketpp || Upstream::same_write_buffers,
                  "websocketpp's async_write changed: see hook 21 in net/wspp/README.md");
    void async_write(std::vector<websocketpp::transport::buffer> const& bufs,
                     websocketpp::transport::write_handler handler) {
        in_flight_frames = bufs.size() / 2;  // a header and a payload each
        queued_frames -= std::min(queued_frames, in_flight_frames);
        in_flight_bytes = 0;
        for (const auto& b : bufs) in_flight_bytes += b.len;
        // base binds the connection's shared_ptr into the completion, so
        // `this` outlives it. websocketpp's handler waits in a member (one
        // write at a time): a completion that captured it would not fit in
        // std::function's own storage, and each write would allocate it.
        frames_written_ = std::move(handler);
        base::async_write(bufs, [this](const std::error_code& ec) {
            in_flight_bytes = 0;
            in_flight_frames = 0;
            auto written = std::move(frames_written_);
            written(ec);
            if (on_write_done) on_write_done();
        });
    }

    // websocketpp writes the answer to the request (write_http_response: a
    // handshake's 101 or refusal, a page) with this overload, and frames
    // with the one above: the first call here carries the answer exactly
    // as it goes out, for on_answer_written (hook 23 in net/wspp/README.md).
    // Its completion is reported to on_write_done too (a refusal or a page
    // is the last write).
    static_assert(!on_websocketpp || Upstream::same_write_bytes,
                  "websocketpp's async_write changed: see hook 23 in net/wspp/README.md");
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

    // After the close handshake, a TLS connection's teardown waits for the
    // peer's close_notify, which asio's shutdown does not get while
    // websocketpp still has a read pending on the stream: it sat out the
    // whole 5 s shutdown timeout, and the connection (and a --max-clients
    // slot) stayed taken that long. Cancelling the pending read first lets
    // the shutdown read the peer's answer (or its EOF) itself (hook 24 in
    // net/wspp/README.md).
    static_assert(!on_websocketpp || Upstream::same_shutdown,
                  "websocketpp's async_shutdown changed: see hook 24 in net/wspp/README.md");
    void async_shutdown(websocketpp::transport::shutdown_handler callback) {
        this->forget_unissued_read();
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
    websocketpp::transport::write_handler frames_written_;
};

// The server's endpoint transport: websocketpp's Asio endpoint, which
// listens; a plain server's connections are wskit's PlainTransportConnection
// (hook 41 in net/wspp/README.md), a TLS server's websocketpp's.
template <class config>
struct ServerTransport : websocketpp::transport::asio::endpoint<config> {
    using base = websocketpp::transport::asio::endpoint<config>;
    static constexpr bool plain =
        !std::is_same_v<typename config::socket_type, websocketpp::transport::asio::tls_socket::endpoint>;
    using transport_con_type =
        ServerTransportConnection<config, std::conditional_t<plain, PlainTransportConnection<config>,
                                                             websocketpp::transport::asio::connection<config>>>;
    using transport_con_ptr = std::shared_ptr<transport_con_type>;

    ServerTransport() {
        // websocketpp's acceptor, for accepting into wskit's connections.
        if constexpr (plain)
            base::set_tcp_pre_bind_handler([this](typename base::acceptor_ptr acceptor) {
                acceptor_ = std::move(acceptor);
                return std::error_code();
            });
    }

    // websocketpp calls this right after constructing a connection, whose
    // message manager has just handed itself over (hook 15 in
    // net/wspp/README.md).
    static_assert(TransportEndpointMembers<config>::same_init,
                  "websocketpp's transport init changed: see hook 15 in net/wspp/README.md");
    std::error_code init(transport_con_ptr tcon) {
        auto& manager = static_cast<typename config::message_manager_type&>(DeflateSetting::handoff().take());
        manager.policy = deflate_policy;
        manager.pool = pool_.get();  // hook 40
        if constexpr (plain) {
            if (!staging_) staging_ = std::make_shared<ReadStaging>();
            tcon->staging = staging_;  // hook 39
            tcon->set_tcp_pre_init_handler(pre_init_);
            return tcon->init_asio(&base::get_io_service());
        } else {
            return base::init(tcon);
        }
    }

    void set_tcp_pre_init_handler(websocketpp::transport::asio::tcp_init_handler handler) {
        if constexpr (plain)
            pre_init_ = std::move(handler);
        else
            base::set_tcp_pre_init_handler(std::move(handler));
    }

    // As websocketpp's: a cancel (the server stopped listening) is
    // operation_canceled, any other error passes through as it is (the
    // accept loop tells EMFILE from the rest).
    void async_accept(transport_con_ptr tcon, websocketpp::transport::accept_handler callback, std::error_code& ec) {
        if constexpr (plain) {
            if (!base::is_listening() || !acceptor_) {
                ec = websocketpp::error::make_error_code(websocketpp::error::async_accept_not_listening);
                return;
            }
            auto accepted = [callback = std::move(callback)](const asio::error_code& aec) {
                if (aec == std::errc::operation_canceled)
                    callback(websocketpp::error::make_error_code(websocketpp::error::operation_canceled));
                else
                    callback(aec);
            };
            acceptor_->async_accept(tcon->get_raw_socket(), std::move(accepted));
        } else {
            base::async_accept(tcon, std::move(callback), ec);
        }
    }

    std::optional<DeflatePolicy> deflate_policy;  // --compress

private:
    struct ReleasePool {
        void operator()(ServerMessagePool* pool) const { ServerMessagePool::release(pool); }
    };
    std::unique_ptr<ServerMessagePool, ReleasePool> pool_{new ServerMessagePool};  // hook 40
    std::shared_ptr<ReadStaging> staging_;  // plain sockets' (hook 39)
    typename base::acceptor_ptr acceptor_;   // plain sockets'
    websocketpp::transport::asio::tcp_init_handler pre_init_;
};

}  // namespace wskit::detail
