// Opening a wskit bench connection: TCP, TLS, the upgrade request and its
// answer, and the handshake mode's connect-upgrade-close loop.
#include "bench_connection_impl.hpp"
#include "tls_context.hpp"

namespace wskit::detail::bench {

template <class Stream>
void Connection<Stream>::start() {
    started_ns_ = now_ns();
    auto self = this->shared_from_this();
    timer_.expires_after(w_.opt.client.open_timeout);
    timer_.async_wait([self](const asio::error_code& ec) {
        if (ec || self->open_ || self->closed_) return;
        self->timed_out_ = true;
        asio::error_code ignored;
        lowest(self->stream_).close(ignored);
    });
    asio::async_connect(lowest(stream_), target_.addrs, [self](const asio::error_code& ec, const tcp::endpoint&) {
        if (ec) return self->fail_opening(ErrorClass::connect, ec);
        self->secure();
    });
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
            if (ec) return self->fail_opening(ErrorClass::tls, ec);
            self->send_request();
        });
    }
}

template <class Stream>
void Connection<Stream>::send_request() {
    request_ = upgrade_request(target_.client, w_.rng);
    auto self = this->shared_from_this();
    asio::async_write(stream_, asio::buffer(request_), [self](const asio::error_code& ec, std::size_t) {
        if (ec) return self->fail_opening(ErrorClass::handshake, ec);
        self->read_head();
    });
}

template <class Stream>
void Connection<Stream>::read_head() {
    auto self = this->shared_from_this();
    head_.resize(head_len_ + 4096);
    stream_.async_read_some(asio::buffer(&head_[head_len_], 4096), [self](const asio::error_code& ec, std::size_t n) {
        if (ec) return self->fail_opening(ErrorClass::handshake, ec);
        self->head_len_ += n;
        self->on_head();
    });
}

template <class Stream>
void Connection<Stream>::on_head() {
    std::string_view data(head_.data(), head_len_);
    auto end = data.find("\r\n\r\n");
    if (end == std::string_view::npos) {
        if (head_len_ > 64 * 1024) return fail_opening(ErrorClass::handshake, "response head over 64 KiB");
        return read_head();
    }
    auto verdict = read_upgrade_response(data.substr(0, end));
    if (!verdict.switched) return fail_opening(ErrorClass::handshake, "server answered '" + verdict.status_line + "'");
    if (w_.opt.client.compress) {
        auto answer = check_deflate_answer(*w_.opt.client.compress, verdict.extensions);
        if (!answer.problem.empty()) return fail_opening(ErrorClass::handshake, "permessage-deflate: " + answer.problem);
        if (answer.params) use_compression(*answer.params);
    }
    open_ = true;
    timer_.cancel();
    request_.clear();
    request_.shrink_to_fit();
    if (role_ == Role::handshake && w_.measure_from <= now_ns()) {
        w_.histogram.record(now_ns() - started_ns_);
        ++w_.measured;
    }
    w_.on_open();
    std::string rest(data.substr(end + 4));
    head_.clear();
    head_.shrink_to_fit();
    if (!rest.empty()) consume(reinterpret_cast<const unsigned char*>(rest.data()), rest.size());
    if (closed_) return;
    if (role_ == Role::handshake) return send_close();
    pump();
    read();
}

// Replies are inflated as the server agreed; echo messages go out as the
// worker's one compressed payload, within the client window agreed.
template <class Stream>
void Connection<Stream>::use_compression(const DeflateParams& params) {
    reader_.inflate_with(params.server_max_window_bits, params.server_no_context_takeover,
                         w_.opt.client.max_message_size);
    ++w_.compressed;
    if (!w_.agreed) w_.agreed = params;
    if (role_ == Role::echo) {
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
void Connection<Stream>::fail_opening(ErrorClass kind, const asio::error_code& ec) {
    if (timed_out_) return fail_opening(ErrorClass::connect, "timed out");
    if (kind == ErrorClass::tls) {
        auto detail = last_openssl_error();
        return fail_opening(kind, detail.empty() ? ec.message() : detail);
    }
    fail_opening(kind, ec == asio::error::eof ? std::string("the server closed the connection") : ec.message());
}

template <class Stream>
void Connection<Stream>::fail_opening(ErrorClass kind, const std::string& why) {
    if (closed_) return;
    close();
    if (w_.stopping) return;
    w_.fail(kind, why);
    w_.on_settled_failure();
    if (role_ == Role::handshake) finish_failed_loop();
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
    if (t.client.url.secure) c = std::make_shared<Connection<TlsStream>>(worker, role, t);
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
template void Connection<tcp::socket>::send_close();
template void Connection<tcp::socket>::finish_handshake_loop();
template void Connection<tcp::socket>::fail_opening(ErrorClass kind, const asio::error_code& ec);
template void Connection<tcp::socket>::fail_opening(ErrorClass kind, const std::string& why);
template void Connection<tcp::socket>::finish_failed_loop();
template void Connection<TlsStream>::start();
template void Connection<TlsStream>::secure();
template void Connection<TlsStream>::send_request();
template void Connection<TlsStream>::read_head();
template void Connection<TlsStream>::on_head();
template void Connection<TlsStream>::use_compression(const DeflateParams& params);
template void Connection<TlsStream>::send_close();
template void Connection<TlsStream>::finish_handshake_loop();
template void Connection<TlsStream>::fail_opening(ErrorClass kind, const asio::error_code& ec);
template void Connection<TlsStream>::fail_opening(ErrorClass kind, const std::string& why);
template void Connection<TlsStream>::finish_failed_loop();

}  // namespace wskit::detail::bench
