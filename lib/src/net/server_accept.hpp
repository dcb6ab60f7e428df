// The server's accept loop. websocketpp's own (start_accept) retries at once
// after any error: out of descriptors, the pending connection stays in the
// backlog and every retry fails again, at 100 % CPU. This loop is the same
// but waits accept_pause after EMFILE/ENFILE, so that connections closing
// meanwhile free descriptors and the backlog is served then (hook 31 in
// net/wspp/README.md). On a Unix socket, the UnixListener accepts instead of
// websocketpp's TCP acceptor (hook 37 in net/wspp/README.md).
#pragma once

#include "net/descriptors.hpp"
#include "net/unix_socket.hpp"
#include "net/wspp/wspp.hpp"

#include <wskit/loop.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace wskit::detail {

template <class Endpoint>
class Acceptor {
    using connection_ptr = typename Endpoint::connection_ptr;
    using MessageManager = typename Endpoint::connection_type::con_msg_manager_type;
    using Clock = std::chrono::steady_clock;

public:
    static constexpr std::chrono::milliseconds accept_pause{250};

    // warn: a one-line warning (out of descriptors), without prefix.
    Acceptor(EventLoop& loop, Endpoint& endpoint, std::function<void(const std::string&)> warn)
        : loop_(loop), endpoint_(endpoint), warn_(std::move(warn)) {}
    ~Acceptor() { stop(); }
    Acceptor(const Acceptor&) = delete;
    Acceptor& operator=(const Acceptor&) = delete;

    // Once the endpoint listens, or `unix` does; descriptor_limit (0:
    // unknown) is named in the warning.
    void start(std::size_t descriptor_limit, UnixListener* unix = nullptr) {
        descriptor_limit_ = descriptor_limit;
        unix_ = unix;
        do_accept();
    }

    // The endpoint stopped listening: no retry after a pause either.
    void stop() {
        if (timer_) loop_.cancel(timer_);
        timer_ = 0;
    }

private:
    void do_accept() {
        namespace wpp = websocketpp;
        timer_ = 0;
        if (unix_ ? !unix_->is_open() : !endpoint_.is_listening()) return;
        connection_ptr con = endpoint_.get_connection();
        if (!con) return;
        con->error_close = &MessageManager::handoff().take();  // hook 12 in net/wspp/README.md
        if (unix_) {
            unix_->async_accept(con->get_raw_socket(), [this, con](const std::error_code& accept_ec) {
                if (!accept_ec) con->unix_peer = unix_peer(con->get_raw_socket().native_handle());
                on_accept(con, accept_ec);
            });
            return;
        }
        wpp::lib::error_code ec;
        endpoint_.async_accept(con, [this, con](const wpp::lib::error_code& accept_ec) { on_accept(con, accept_ec); },
                               ec);
        if (ec) con->terminate(wpp::lib::error_code());
    }

    void on_accept(const connection_ptr& con, const websocketpp::lib::error_code& ec) {
        if (!ec) {
            con->start();
            return do_accept();
        }
        con->terminate(ec);
        if (ec == websocketpp::error::operation_canceled || ec == asio::error::operation_aborted)
            return;  // stopped listening
        if (out_of_descriptors(ec)) {
            warn_out_of_descriptors();
            timer_ = loop_.after(accept_pause, [this] { do_accept(); });
            return;
        }
        do_accept();  // a client that gave up while queued, for example
    }

    // Asio reports accept errors in its own category, which does not compare
    // equal to std::errc values.
    static bool out_of_descriptors(const std::error_code& ec) {
        bool system = ec.category() == asio::error::get_system_category() || ec.category() == std::system_category();
        return system && (ec.value() == EMFILE || ec.value() == ENFILE);
    }

    // Once a minute at most, so that a server kept at its limit does not
    // flood its own stderr.
    void warn_out_of_descriptors() {
        auto now = Clock::now();
        if (last_warning_ && now - *last_warning_ < std::chrono::minutes(1)) return;
        last_warning_ = now;
        std::string limit = descriptor_limit_ ? fmt::format(" of {}", descriptor_limit_) : "";
        warn_(fmt::format("out of file descriptors ({}{} open); pausing accepts for {} ms at a time until clients "
                          "leave (the hard limit is raised with ulimit -Hn, as root)",
                          open_descriptor_count(), limit, accept_pause.count()));
    }

    EventLoop& loop_;
    Endpoint& endpoint_;
    std::function<void(const std::string&)> warn_;
    UnixListener* unix_ = nullptr;
    EventLoop::TimerId timer_ = 0;  // the retry after a pause
    std::size_t descriptor_limit_ = 0;
    std::optional<Clock::time_point> last_warning_;
};

}  // namespace wskit::detail
