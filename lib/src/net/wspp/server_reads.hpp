// How a server connection reads: its transport connection (websocketpp's
// Asio one on TLS, wskit's on plain sockets), with reads that can be held
// (backpressure) and, on plain sockets, one shared buffer that the socket is
// read into.
// Part of the websocketpp layer: included through wspp.hpp only.
#pragma once

#include "net/wspp/transport_members.hpp"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace wskit::detail {

// The buffer a plain server's sockets are read into, one per endpoint (one
// loop thread), so that a connection's own read buffer can be small: the
// buffer inside websocketpp's connection object is a member that stays
// resident for the connection's life, and at 64 KiB it made an idle
// connection touch three pages of it (hook 39 in net/wspp/README.md).
struct ReadStaging {
    std::array<char, 65536> bytes;
};

// Whether Base is websocketpp's own transport connection: the members that
// hide its members have their signatures checked then (hooks 21 to 24).
template <class config, class Base>
inline constexpr bool on_websocketpp_transport =
    std::is_same_v<Base, websocketpp::transport::asio::connection<config>>;

// websocketpp reads through transport_con_type::async_read_at_least, by name,
// into its connection's buffer, and processes what the read brought before it
// asks for the next read from inside the same handler. This hides it:
// - Holding reads. websocketpp's pause_reading() takes effect one posted
//   handler later (after the read loop has already asked for more), and its
//   resume_reading() starts a read even when one is still pending, which would
//   run two reads into one buffer. Here a held read is kept, not issued, and
//   issued when reads are released: never two at once (hook 22).
// - Staged reads, on plain sockets (hook 39). The socket is read into the
//   endpoint's ReadStaging with recv(), and websocketpp is handed its bytes a
//   buffer at a time, each next read it asks for served at once by a loop
//   here (not by recursion) until the staged bytes are gone; what the socket
//   holds beyond them is read by a read through the loop's queue, so that
//   every connection gets its turn. Only when a read came back short, so
//   that the socket is known empty, does the connection wait for it to be
//   readable (async_wait: an epoll_ctl that re-arms the descriptor, in place
//   of the recv that Asio's async_read tries first and that would find
//   nothing). Bytes staged for a connection that stops asking (held, or
//   closing) move to a buffer of its own. A read that starts anew (the
//   first, or after a hold or a full staging buffer) goes through
//   the transport's async_read, which tries the socket before it waits.
//
// Base is the transport underneath: websocketpp's Asio connection (TLS), or
// wskit's PlainTransportConnection.
template <class config, class Base>
class ServerReads : public Base {
    using base = Base;
    using ReadHandler = websocketpp::transport::read_handler;

public:
    using base::base;

    static_assert(!on_websocketpp_transport<config, Base> || TransportConnectionMembers<config>::same_read_at_least,
                  "websocketpp's async_read_at_least changed: see hooks 22 and 39 in net/wspp/README.md");
    void async_read_at_least(size_t num_bytes, char* buf, size_t len, ReadHandler handler) {
        asked_.emplace(Asked{buf, len, std::move(handler)});
        static_cast<void>(num_bytes);  // websocketpp asks for at least 1, which any read brings
        if (!delivering_) start();
    }

    // The peer's bytes then wait in the kernel, and TCP slows the sender.
    void hold_reads() { reads_held_ = true; }
    void release_reads() {
        reads_held_ = false;
        auto self = std::move(held_self_);  // may be the last owner: kept until the read is issued
        if (asked_ && !reading_ && !delivering_) start();
    }

    // Completes the held read with no bytes, from the loop: websocketpp then
    // asks the request whether it is ready again, which a released upgrade
    // is (hook 36 in net/wspp/README.md).
    void deliver_empty_read() {
        reads_held_ = false;
        auto self = std::move(held_self_);  // as in release_reads
        if (!asked_ || reading_) return;
        reading_ = true;
        asio::post(this->get_raw_socket().get_executor(), [self = base::get_shared(), this] {
            reading_ = false;
            take_asked().handler(std::error_code(), 0);
        });
    }

    // Set by the endpoint on plain sockets: staged reads (see above).
    std::shared_ptr<ReadStaging> staging;

protected:
    // A shutdown ends reading: a read not issued is forgotten (it kept the
    // connection alive while held).
    void forget_unissued_read() {
        auto self = std::move(held_self_);  // as in release_reads
        if (!reading_) asked_.reset();
    }

private:
    struct Asked {
        char* buf;
        size_t len;
        ReadHandler handler;
    };

    Asked take_asked() {
        Asked asked = std::move(*asked_);
        asked_.reset();
        return asked;
    }

    // Serves the read websocketpp asked for outside a delivery.
    void start() {
        if (reads_held_) {
            // websocketpp's read handler binds the connection as a raw
            // pointer: only Asio's pending operations keep it alive. A held
            // read is no operation, so it keeps the connection itself (a
            // cycle that release_reads or the shutdown breaks); without it, a
            // connection held with nothing to write was destroyed at once,
            // its socket closed without a close event.
            held_self_ = base::get_shared();
            return;
        }
        if (!staging) {
            auto asked = take_asked();
            base::async_read_at_least(1, asked.buf, asked.len, std::move(asked.handler));
            return;
        }
        reading_ = true;
        if (!staged_.empty()) {
            // Bytes kept from before a hold: handed over from the loop, not
            // from inside websocketpp's call.
            asio::post(this->get_raw_socket().get_executor(), [self = base::get_shared(), this] {
                reading_ = false;
                deliver_staged(false);
            });
            return;
        }
        // The handler stays in asked_: what websocketpp binds stays small.
        base::async_read_at_least(1, asked_->buf, asked_->len, [this](const std::error_code& ec, size_t n) {
            reading_ = false;
            auto asked = take_asked();
            bool drained = !ec && n < asked.len;
            delivering_ = true;
            asked.handler(ec, n);
            deliver_staged(drained);
        });
    }

    // Hands staged bytes, then what the socket holds, to each read that
    // websocketpp asks for while it processes the previous one.
    void deliver_staged(bool drained) {
        delivering_ = true;
        // One recv() per turn: a peer that never stops sending must not keep
        // the loop from everyone else (a chat flooder kept others' messages
        // from being read at all). More waiting is read by a read that goes
        // through the loop's queue.
        bool may_read = true;
        while (asked_ && !reads_held_) {
            if (!staged_.empty()) {
                auto n = std::min(staged_.size(), asked_->len);
                std::memcpy(asked_->buf, staged_.data(), n);
                staged_.remove_prefix(n);
                take_asked().handler(std::error_code(), n);
                continue;
            }
            if (drained || !may_read) break;
            may_read = false;
            auto got = ::recv(this->get_raw_socket().native_handle(), staging->bytes.data(), staging->bytes.size(),
                              MSG_DONTWAIT);
            if (got > 0) {
                staged_ = std::string_view(staging->bytes.data(), static_cast<size_t>(got));
                drained = static_cast<size_t>(got) < staging->bytes.size();
            } else if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                drained = true;
            } else if (got < 0 && errno == EINTR) {
                continue;
            } else {
                // The end of the stream or an error, translated as
                // websocketpp translates a read's.
                auto ec = got == 0 ? asio::error_code(asio::error::eof) : std::error_code(errno, std::system_category());
                base::handle_async_read(take_asked().handler, ec, 0);
                break;
            }
        }
        delivering_ = false;
        keep_staged();
        if (!asked_) return;
        if (reads_held_ || !drained) return start();
        wait_readable();
    }

    // The socket is known empty: wait until it is not.
    void wait_readable() {
        reading_ = true;
        this->get_raw_socket().async_wait(asio::socket_base::wait_read,
                                          [self = base::get_shared(), this](const asio::error_code& ec) {
                                              reading_ = false;
                                              if (!asked_) return;
                                              if (ec) return base::handle_async_read(take_asked().handler, ec, 0);
                                              deliver_staged(false);
                                          });
    }

    // Staged bytes nobody asked for move from the shared buffer to the
    // connection's own, which is freed once they are delivered.
    void keep_staged() {
        if (staged_.empty()) {
            if (spill_.capacity()) std::string().swap(spill_);
            return;
        }
        spill_.assign(staged_.data(), staged_.size());  // may point into spill_: assign copes
        staged_ = spill_;
    }

    std::optional<Asked> asked_;  // the read websocketpp waits for
    std::string_view staged_;     // read from the socket, not yet handed over
    std::string spill_;           // what staged_ points to when not in staging
    typename base::ptr held_self_;
    bool reads_held_ = false;
    bool reading_ = false;     // a socket read, a wait or a post will serve asked_
    bool delivering_ = false;  // inside deliver_staged: it serves asked_
};

}  // namespace wskit::detail
