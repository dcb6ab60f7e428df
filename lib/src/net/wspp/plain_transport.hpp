// A plain (not TLS) server connection's transport, written for wskit in place
// of websocketpp's Asio connection, which websocketpp's connection derives
// from: every connection object carried that class's two handler allocators
// (1 KiB of storage each, inline), its proxy, strand and per-write state, and
// its socket in an allocation of its own. An idle `wskit echo` connection
// held 7.2 KiB, 2 KiB of them in those allocators (hook 41 in
// net/wspp/README.md).
//
// It offers what websocketpp's connection calls on its transport (by name,
// as transport_con_type::...) with websocketpp's Asio semantics: the same
// error translation (the end of the stream becomes transport::error::eof,
// any other Asio error passes through as it is, writes fail as
// pass_through), timers that report a cancel as operation_aborted, dispatch
// and interrupt posted to the loop. What a plain server does not use is left
// out: proxies, strands, a post-init timer for a TLS handshake that never
// happens.
// Part of the websocketpp layer: included through wspp.hpp only.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace wskit::detail {

template <class config>
class PlainTransportConnection : public std::enable_shared_from_this<PlainTransportConnection<config>> {
public:
    using type = PlainTransportConnection;
    using ptr = std::shared_ptr<type>;
    using alog_type = typename config::alog_type;
    using elog_type = typename config::elog_type;
    using timer_ptr = std::shared_ptr<asio::steady_timer>;
    using io_service_ptr = asio::io_context*;

    PlainTransportConnection(bool, const std::shared_ptr<alog_type>&, const std::shared_ptr<elog_type>& elog)
        : elog_(elog) {}

    ptr get_shared() { return this->shared_from_this(); }
    bool is_secure() const { return false; }
    asio::ip::tcp::socket& get_raw_socket() { return *socket_; }

    // "127.0.0.1:50312", as websocketpp writes it; "Unknown" once the socket
    // cannot say.
    std::string get_remote_endpoint() const {
        asio::error_code ec;
        auto endpoint = socket_->remote_endpoint(ec);
        if (ec) {
            elog_->write(websocketpp::log::elevel::info,
                         "Error getting remote endpoint: " + ec.message());
            return "Unknown";
        }
        std::ostringstream s;
        s << endpoint;
        return s.str();
    }

    timer_ptr set_timer(long duration_ms, websocketpp::transport::timer_handler callback) {
        auto timer = std::make_shared<asio::steady_timer>(*io_, std::chrono::milliseconds(duration_ms));
        namespace error = websocketpp::transport::error;
        timer->async_wait([self = get_shared(), timer, callback = std::move(callback)](const asio::error_code& ec) {
            if (ec == asio::error::operation_aborted)
                callback(error::make_error_code(error::operation_aborted));
            else if (ec)
                callback(error::make_error_code(error::pass_through));
            else
                callback(std::error_code());
        });
        return timer;
    }

    void set_tcp_pre_init_handler(websocketpp::transport::asio::tcp_init_handler handler) {
        pre_init_ = std::move(handler);
    }

    // By the endpoint, once the connection exists.
    std::error_code init_asio(io_service_ptr io) {
        io_ = io;
        socket_.emplace(*io);
        return {};
    }

protected:

    // By websocketpp's connection as it starts: the socket is connected.
    void init(websocketpp::transport::init_handler callback) {
        if (pre_init_) pre_init_(hdl_);
        callback(std::error_code());
    }

    void set_handle(websocketpp::connection_hdl hdl) { hdl_ = std::move(hdl); }

    void async_read_at_least(size_t num_bytes, char* buf, size_t len, websocketpp::transport::read_handler handler) {
        asio::async_read(*socket_, asio::buffer(buf, len), asio::transfer_at_least(num_bytes),
                         [self = get_shared(), handler = std::move(handler)](const asio::error_code& ec, size_t n) {
                             self->handle_async_read(handler, ec, n);
                         });
    }

    void handle_async_read(const websocketpp::transport::read_handler& handler, const asio::error_code& ec,
                           size_t bytes) {
        if (ec == asio::error::eof)
            return handler(websocketpp::transport::error::make_error_code(websocketpp::transport::error::eof), bytes);
        handler(ec, bytes);
    }

    // The answer to the request: always completed from the loop.
    // websocketpp's handshake code goes on after its call returns.
    void async_write(const char* buf, size_t len, websocketpp::transport::write_handler handler) {
        buffers_.push_back(asio::buffer(buf, len));
        write_buffers(std::move(handler));
    }

    // Frames. Most batches fit in the socket's buffer: they are sent here,
    // and the write completes at once, where Asio's write (which tries the
    // socket the same way) would queue its completion for the loop's next
    // turn, a wakeup of the reactor per batch. websocketpp's write_frame
    // ends with this call, so its completion handler may run inside it.
    // What the socket does not take, and errors, go through Asio's write.
    void async_write(const std::vector<websocketpp::transport::buffer>& bufs,
                     websocketpp::transport::write_handler handler) {
        for (const auto& b : bufs) buffers_.push_back(asio::buffer(b.buf, b.len));
        if (send_now()) {
            buffers_.clear();
            return handler(std::error_code());
        }
        write_buffers(std::move(handler));
    }

    // Shuts the socket both ways, at once, as websocketpp's plain socket does;
    // a socket the peer already closed is no error.
    void async_shutdown(websocketpp::transport::shutdown_handler callback) {
        asio::error_code ec;
        socket_->shutdown(asio::ip::tcp::socket::shutdown_both, ec);
        if (ec == asio::error::not_connected) ec.clear();
        if (ec) log_error("asio async_shutdown", ec);
        callback(ec);
    }

    std::error_code interrupt(websocketpp::transport::interrupt_handler handler) {
        asio::post(*io_, std::move(handler));
        return {};
    }

    std::error_code dispatch(websocketpp::transport::dispatch_handler handler) {
        asio::post(*io_, std::move(handler));
        return {};
    }

private:
    // The buffers stay in the member until the write completes: Asio keeps
    // a view of them, not a copy (a vector would be copied into each write).
    struct BufferView {
        const asio::const_buffer* first;
        const asio::const_buffer* last;
        const asio::const_buffer* begin() const { return first; }
        const asio::const_buffer* end() const { return last; }
    };

    // Sends what the socket takes without waiting; true when that was
    // everything. What was sent is taken off buffers_.
    bool send_now() {
        constexpr std::size_t max_iov = 64;  // as Asio's writes
        std::array<iovec, max_iov> iov;
        std::size_t count = std::min(buffers_.size(), max_iov), total = 0;
        for (std::size_t i = 0; i < count; ++i) {
            iov[i] = {const_cast<void*>(buffers_[i].data()), buffers_[i].size()};
            total += buffers_[i].size();
        }
        msghdr msg{};
        msg.msg_iov = iov.data();
        msg.msg_iovlen = count;
        ssize_t sent = ::sendmsg(socket_->native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (sent <= 0) return false;
        if (static_cast<std::size_t>(sent) == total && count == buffers_.size()) return true;
        auto done = static_cast<std::size_t>(sent);
        std::size_t i = 0;
        for (; i < buffers_.size() && done >= buffers_[i].size(); ++i) done -= buffers_[i].size();
        if (i == buffers_.size()) return true;
        buffers_[i] += done;
        buffers_.erase(buffers_.begin(), buffers_.begin() + static_cast<std::ptrdiff_t>(i));
        return false;
    }

    void write_buffers(websocketpp::transport::write_handler handler) {
        BufferView view{buffers_.data(), buffers_.data() + buffers_.size()};
        asio::async_write(*socket_, view,
                          [self = get_shared(), handler = std::move(handler)](const asio::error_code& ec, size_t) {
                              self->buffers_.clear();
                              std::error_code translated;
                              if (ec) {
                                  self->log_error("asio async_write", ec);
                                  translated = websocketpp::transport::error::make_error_code(
                                      websocketpp::transport::error::pass_through);
                              }
                              handler(translated);
                          });
    }

    void log_error(const char* what, const asio::error_code& ec) {
        elog_->write(websocketpp::log::elevel::info, std::string(what) + " error: " + ec.message());
    }

    std::shared_ptr<elog_type> elog_;
    io_service_ptr io_ = nullptr;
    std::optional<asio::ip::tcp::socket> socket_;
    websocketpp::connection_hdl hdl_;
    websocketpp::transport::asio::tcp_init_handler pre_init_;
    std::vector<asio::const_buffer> buffers_;  // of the write in progress
};

}  // namespace wskit::detail
