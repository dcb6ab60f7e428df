// Opening a wskit bench connection: TCP, TLS, the upgrade request and its
// answer, and the handshake mode's connect-upgrade-close loop.
#include "bench/connection.hpp"
#include "net/descriptors.hpp"
#include "net/tls_context.hpp"
#include "net/transport_failure.hpp"
#include "net/unix_socket.hpp"

#include <wskit/compression.hpp>
#include <wskit/extended_connect.hpp>

#include <fmt/format.h>

namespace wskit::detail::bench {

template <class Stream>
void Connection<Stream>::start() {
    started_ns_ = now_ns();
    auto self = this->shared_from_this();
    timer_.expires_after(w_.opt.client.open_timeout);
    timer_.async_wait([self](const asio::error_code& ec) {
        if (ec || self->open_ || self->closed_) return;
        self->timed_out_ = true;
        if constexpr (h2) {
            self->fail_opening(self->facts(FailureCause::timed_out));
        } else {
            self->close_stream();
        }
    });
    if constexpr (h2) {
        open_stream();
    } else {
        auto connected = [self](const asio::error_code& ec) {
            if (ec) return self->fail_opening(ec);
            self->phase_ = plain ? ConnectPhase::upgrade : ConnectPhase::tls;
            self->secure();
        };
        if (const auto& path = target_.client.url.unix_socket; !path.empty())
            return async_connect_unix(lowest(stream_), path, connected);
        // Asio's range connect reports a socket it could not open (EMFILE) as
        // "operation aborted": opening one first names the real cause. The
        // range connect closes it and opens its own per address.
        asio::error_code open_ec;
        lowest(stream_).open(target_.addrs.begin()->endpoint().protocol(), open_ec);
        if (open_ec) return asio::post(w_.io, [self, open_ec] { self->fail_opening(open_ec); });
        asio::async_connect(lowest(stream_), target_.addrs,
                            [connected](const asio::error_code& ec, const tcp::endpoint&) { connected(ec); });
    }
}

template <class Stream>
void Connection<Stream>::secure() {
    if constexpr (plain) {
        send_request();
    } else {
        const auto& host = target_.client.url.host;
        asio::error_code not_ip;
        asio::ip::make_address(host, not_ip);
        if (not_ip) {  // SNI names a host, never an address (RFC 6066 3)
            SSL_ctrl(stream_.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                     const_cast<char*>(host.c_str()));
        }
        if (!w_.opt.client.tls.insecure) set_expected_host(stream_.native_handle(), host);
        auto self = this->shared_from_this();
        stream_.async_handshake(asio::ssl::stream_base::client, [self](const asio::error_code& ec) {
            if (ec) return self->fail_opening(ec);
            self->phase_ = ConnectPhase::upgrade;
            self->send_request();
        });
    }
}

template <class Stream>
void Connection<Stream>::send_request() {
    request_ = upgrade_request(target_.client, w_.rng);
    auto self = this->shared_from_this();
    asio::async_write(stream_, asio::buffer(request_), [self](const asio::error_code& ec, std::size_t) {
        if (ec) return self->fail_opening(ec);
        self->read_head();
    });
}

template <class Stream>
void Connection<Stream>::read_head() {
    auto self = this->shared_from_this();
    head_.resize(head_len_ + 4096);
    stream_.async_read_some(asio::buffer(&head_[head_len_], 4096), [self](const asio::error_code& ec, std::size_t n) {
        if (ec) return self->fail_opening(ec);
        self->head_len_ += n;
        self->on_head();
    });
}

template <class Stream>
void Connection<Stream>::on_head() {
    std::string_view data(head_.data(), head_len_);
    auto end = data.find("\r\n\r\n");
    if (end == std::string_view::npos) {
        // Bytes that are not HTTP (a TLS record) will never end a head.
        if (classify_answer(data) != AnswerKind::http) return fail_opening(facts(FailureCause::other));
        if (head_len_ > 64 * 1024) return fail_opening(facts(FailureCause::other, "response head over 64 KiB"));
        return read_head();
    }
    auto verdict = read_upgrade_response(data.substr(0, end));
    if (!verdict.switched) {
        auto f = facts(verdict.status ? FailureCause::http_status : FailureCause::other);
        f.status = verdict.status;
        f.status_text = verdict.reason;
        f.location = verdict.location;
        f.verbose = true;  // bench has no -v: the status is all it says
        return fail_opening(f);
    }
    if (!agree_compression(verdict.extensions)) return;
    std::string rest(data.substr(end + 4));
    head_.clear();
    head_.shrink_to_fit();
    opened(rest);
}

template <class Stream>
bool Connection<Stream>::agree_compression(std::string_view extensions) {
    if (!w_.opt.client.compress) return true;
    auto answer = check_deflate_answer(*w_.opt.client.compress, extensions);
    if (!answer.problem.empty()) {
        fail_opening(facts(FailureCause::bad_negotiation, "permessage-deflate: " + answer.problem));
        return false;
    }
    if (answer.params) use_compression(*answer.params);
    return true;
}

template <class Stream>
void Connection<Stream>::opened(std::string_view rest) {
    open_ = true;
    timer_.cancel();
    request_.clear();
    request_.shrink_to_fit();
    if (role_ == Role::handshake && w_.measure_from <= now_ns()) {
        w_.histogram.record(now_ns() - started_ns_);
        ++w_.measured;
    }
    if (role_ == Role::receiver) {
        w_.on_open(role_, false);
        awaiting_ready_ = true;
        timer_.expires_after(ready_wait);
        timer_.async_wait([self = this->shared_from_this()](const asio::error_code& ec) {
            if (!ec) self->ready();
        });
    } else {
        w_.on_open(role_);
    }
    if (!rest.empty()) consume(reinterpret_cast<const unsigned char*>(rest.data()), rest.size());
    if (closed_) return;
    if (role_ == Role::handshake) return send_close();
    pump();
    read();
}

template <class Stream>
void Connection<Stream>::open_stream() {
    if constexpr (h2) {
        phase_ = ConnectPhase::upgrade;
        auto self = this->shared_from_this();
        stream_.open(
            w_.h2_pool(), target_.client, [self](std::vector<Header> fields) { self->on_answer(std::move(fields)); },
            [self](const ConnectFailure& failure) { self->fail_opening(failure); });
    }
}

// The answer to the extended CONNECT, judged as connect --http2 judges it.
template <class Stream>
void Connection<Stream>::on_answer(std::vector<Header> fields) {
    const auto& client = target_.client;
    auto offer = client.compress ? format_offer(*client.compress) : std::string();
    if (auto failure = connect_answer_failure(fields, client.subprotocols, offer)) return fail_opening(*failure);
    if (!agree_compression(http2_response_head(fields).header("sec-websocket-extensions"))) return;
    opened({});
}

// Replies are inflated as the server agreed; echo messages go out as the
// worker's one compressed payload, within the client window agreed.
template <class Stream>
void Connection<Stream>::use_compression(const DeflateParams& params) {
    reader_.inflate_with(params.server_max_window_bits, params.server_no_context_takeover,
                         w_.opt.client.max_message_size);
    ++w_.compressed;
    if (!w_.agreed) w_.agreed = params;
    if (role_ == Role::echo && w_.traffic.pairs_replies()) {
        deflate_bits_ = params.client_max_window_bits;
    }
    if (role_ == Role::echo && !w_.traffic.templated()) {
        compressed_payload_ = &w_.compressed_payload(params.client_max_window_bits);
        out_.resize(w_.opt.window * (SharedPayloadFrame::max_header + compressed_payload_->size()));
    }
}

template <class Stream>
void Connection<Stream>::send_close() {
    request_ = close_frame(w_.rng);
    close_sent_ = true;
    auto self = this->shared_from_this();
    // A server that never answers the close does not stall the loop: the
    // connection is dropped after the connect timeout and the loop goes on.
    timer_.expires_after(w_.opt.client.open_timeout);
    timer_.async_wait([self](const asio::error_code& ec) {
        if (!ec) self->finish_handshake_loop();
    });
    asio::async_write(stream_, asio::buffer(request_), [self](const asio::error_code& ec, std::size_t) {
        if (ec) return self->finish_handshake_loop();
        self->read();
    });
}

// A ramp down's close: the frame, then the server's answer (consume(), on_read_error())
// or, from a server that does not answer, a second's wait.
template <class Stream>
void Connection<Stream>::say_goodbye() {
    if (closed_ || close_sent_) return;
    request_ = close_frame(w_.rng);
    close_sent_ = true;
    writing_ = true;
    auto self = this->shared_from_this();
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([self](const asio::error_code& ec) {
        if (!ec) self->close();
    });
    asio::async_write(stream_, asio::buffer(request_), [self](const asio::error_code& ec, std::size_t) {
        self->writing_ = false;
        if (ec) self->close();
    });
}

template <class Stream>
void Connection<Stream>::finish_handshake_loop() {
    if (closed_) return;
    close();
    --w_.open_now;
    if (w_.stopping) return;
    auto next = make_connection(w_, Role::handshake);
    for (auto& c : w_.conns) {
        if (c.get() == this) c = next;  // keeps this one alive until its handlers return
    }
    next->start();
}

template <class Stream>
FailureFacts Connection<Stream>::facts(FailureCause cause, std::string detail) const {
    FailureFacts f;
    f.phase = phase_;
    f.cause = cause;
    const auto& client = target_.client;
    f.target = client.url.str();
    f.host = client.url.host;
    f.authority = client.url.connection_target();
    f.secure = client.url.secure;
    f.detail = std::move(detail);
    f.answer.assign(head_.data(), std::min<std::size_t>(head_len_, 256));
    f.timeout = client.open_timeout;
    f.tls_min_version = client.tls.min_version;
    return f;
}

template <class Stream>
void Connection<Stream>::fail_opening(const asio::error_code& ec) {
    auto cause = timed_out_ ? FailureCause::timed_out : transport_failure_cause(ec);
    std::string detail = ec.message();
    if (cause == FailureCause::no_descriptors) {
        detail = fmt::format("{} of {} open", open_descriptor_count(), descriptor_limit());
    } else if (phase_ == ConnectPhase::tls && cause != FailureCause::timed_out) {
        if (auto why = last_openssl_error(); !why.empty()) detail = why;
        if constexpr (tls) {
            auto result = SSL_get_verify_result(stream_.native_handle());
            if (result != X509_V_OK) {
                cause = FailureCause::tls_verify;
                // The callback's words name the certificate; the code's are the fallback.
                detail = !w_.verified->reason.empty() ? w_.verified->reason : X509_verify_cert_error_string(result);
            }
        }
    }
    fail_opening(facts(cause, detail));
}

template <class Stream>
void Connection<Stream>::fail_opening(const FailureFacts& f) {
    fail_opening(classify_connect_failure(f));
}

template <class Stream>
void Connection<Stream>::fail_opening(const ConnectFailure& failure) {
    if (closed_) return;
    close();
    if (w_.stopping) return;
    w_.fail_opening(failure);
    w_.on_settled_failure();
    if (role_ == Role::handshake) finish_failed_loop();
}

// Still opening when the run ends: it timed out, against the run's time
// rather than --connect-timeout. A handshake loop between two handshakes is
// not a failure, unless none ever opened.
template <class Stream>
void Connection<Stream>::give_up() {
    if (role_ == Role::handshake && w_.opened > 0) return;
    auto f = facts(FailureCause::timed_out);
    auto elapsed_ms = (now_ns() - started_ns_) / 1000000;
    f.timeout = std::chrono::milliseconds((elapsed_ms + 50) / 100 * 100);  // as it reads: 2 s, not 2.003 s
    f.timeout_option = "-d, the length of the run";
    w_.fail_opening(classify_connect_failure(f));
}

// A failed handshake loop starts over, unless nothing ever opened: a
// server that refuses everything is reported at once, not hammered.
template <class Stream>
void Connection<Stream>::finish_failed_loop() {
    if (w_.opened == 0) return w_.check_done();
    auto next = make_connection(w_, Role::handshake);
    for (auto& c : w_.conns) {
        if (c.get() == this) c = next;
    }
    next->start();
}

std::shared_ptr<ConnectionBase> make_connection(Worker& worker, Role role, std::size_t target) {
    const auto& t = worker.targets[target];
    std::shared_ptr<ConnectionBase> c;
    if (t.client.http2) c = std::make_shared<Connection<H2Stream>>(worker, role, t);
    else if (t.client.url.secure) c = std::make_shared<Connection<TlsStream>>(worker, role, t);
    else c = std::make_shared<Connection<tcp::socket>>(worker, role, t);
    c->target = target;
    return c;
}

template void Connection<tcp::socket>::start();
template void Connection<tcp::socket>::secure();
template void Connection<tcp::socket>::send_request();
template void Connection<tcp::socket>::read_head();
template void Connection<tcp::socket>::on_head();
template void Connection<tcp::socket>::use_compression(const DeflateParams& params);
template bool Connection<tcp::socket>::agree_compression(std::string_view extensions);
template void Connection<tcp::socket>::opened(std::string_view rest);
template void Connection<tcp::socket>::send_close();
template void Connection<tcp::socket>::say_goodbye();
template void Connection<tcp::socket>::finish_handshake_loop();
template FailureFacts Connection<tcp::socket>::facts(FailureCause cause, std::string detail) const;
template void Connection<tcp::socket>::fail_opening(const asio::error_code& ec);
template void Connection<tcp::socket>::fail_opening(const FailureFacts& facts);
template void Connection<tcp::socket>::fail_opening(const ConnectFailure& failure);
template void Connection<tcp::socket>::give_up();
template void Connection<tcp::socket>::finish_failed_loop();
template void Connection<TlsStream>::start();
template void Connection<TlsStream>::secure();
template void Connection<TlsStream>::send_request();
template void Connection<TlsStream>::read_head();
template void Connection<TlsStream>::on_head();
template void Connection<TlsStream>::use_compression(const DeflateParams& params);
template bool Connection<TlsStream>::agree_compression(std::string_view extensions);
template void Connection<TlsStream>::opened(std::string_view rest);
template void Connection<TlsStream>::send_close();
template void Connection<TlsStream>::say_goodbye();
template void Connection<TlsStream>::finish_handshake_loop();
template FailureFacts Connection<TlsStream>::facts(FailureCause cause, std::string detail) const;
template void Connection<TlsStream>::fail_opening(const asio::error_code& ec);
template void Connection<TlsStream>::fail_opening(const FailureFacts& facts);
template void Connection<TlsStream>::fail_opening(const ConnectFailure& failure);
template void Connection<TlsStream>::give_up();
template void Connection<TlsStream>::finish_failed_loop();
template void Connection<H2Stream>::start();
template void Connection<H2Stream>::use_compression(const DeflateParams& params);
template bool Connection<H2Stream>::agree_compression(std::string_view extensions);
template void Connection<H2Stream>::opened(std::string_view rest);
template void Connection<H2Stream>::open_stream();
template void Connection<H2Stream>::on_answer(std::vector<Header> fields);
template void Connection<H2Stream>::send_close();
template void Connection<H2Stream>::say_goodbye();
template void Connection<H2Stream>::finish_handshake_loop();
template FailureFacts Connection<H2Stream>::facts(FailureCause cause, std::string detail) const;
template void Connection<H2Stream>::fail_opening(const asio::error_code& ec);
template void Connection<H2Stream>::fail_opening(const FailureFacts& facts);
template void Connection<H2Stream>::fail_opening(const ConnectFailure& failure);
template void Connection<H2Stream>::give_up();
template void Connection<H2Stream>::finish_failed_loop();

}  // namespace wskit::detail::bench
