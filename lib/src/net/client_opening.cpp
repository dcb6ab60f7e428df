// ClientImpl: the opening (its key and route), its handshake as -v and
// inspection show it, its deadlines, and the facts of a failed opening for
// the classifier (proto/client_failure.hpp).
#include "net/client_impl.hpp"

namespace wskit::detail {

template <class Endpoint>
std::string ClientImpl<Endpoint>::new_key() {
    std::array<unsigned char, 16> nonce;
    for (std::size_t i = 0; i < nonce.size(); i += 4) {
        std::uint32_t r = mask_keys_();
        std::memcpy(nonce.data() + i, &r, 4);
    }
    return websocket_key(nonce);
}

template <class Endpoint>
std::string ClientImpl<Endpoint>::use_proxy(Route& route) {
    try {
        route.proxy = parse_proxy_url(options_.proxy);
    } catch (const Error& e) {
        return e.what();
    }
    proxy_ = route.proxy->authority();
    return {};
}

template <class Endpoint>
void ClientImpl<Endpoint>::capture_handshake() {
    const auto& res = con_->get_response();
    ResponseSeen seen;
    seen.status = res.get_status_code();
    if (seen.status != 0) {
        seen.head = res.raw_head().empty() ? res.raw() : res.raw_head();
        seen.body = res.get_body();
        seen.location = res.get_header("Location");
        seen.head_done = res.head_done();
    }
    const auto& outcome = endpoint_.connect_outcome();
    detail::capture_handshake(trace, con_->get_request().raw(), seen, tcp_connected_ ? &outcome : nullptr);
    if (!options_.inspection) return;
    InspectionFacts facts;
    facts.post_init_at = post_init_at_;
    facts.answered = trace.status != 0;
    facts.ssl = ssl();
    facts.insecure = options_.tls.insecure;
    if (verify_) facts.verify_failure = verify_->reason;
    detail::fill_inspection(*options_.inspection, outcome, facts);
}

template <class Endpoint>
void ClientImpl<Endpoint>::on_fail() {
    mark_finished();
    loop_.cancel(connect_timer_);
    capture_handshake();
    const auto ec = con_->get_ec();
    auto outcome = opening_outcome();
    outcome.tunnel_failed = ec == wpp::transport::asio::error::proxy_failed;
    if (outcome.tunnel_failed) trace.connected = false;  // only the proxy answered
    outcome.tunnel_error = endpoint_.connect_outcome().tunnel_error;
    outcome.upgrade_error = ec.message();
    // Before TCP is up, websocketpp's code is the real one (the
    // transport's is left over from tearing the socket down); after,
    // its codes are generic and the transport's says more.
    const auto tec = con_->get_transport_ec();
    const auto& cause = phase_ == ConnectPhase::connect || !tec ? ec : tec;
    outcome.transport_cause = cause_of(cause);
    outcome.transport_error = cause.message();
    outcome.tls_error = last_openssl_error();
    if (record_failure_of(outcome)) emit_error();
}

template <class Endpoint>
OpeningOutcome ClientImpl<Endpoint>::opening_outcome() const {
    OpeningOutcome o;
    auto& f = o.facts;
    f.phase = phase_;
    // The connector opens the tunnel before websocketpp's handlers run:
    // TCP up to the proxy but not beyond means the tunnel was pending.
    if (phase_ == ConnectPhase::connect && !proxy_.empty() && !endpoint_.connect_outcome().remote.empty())
        f.phase = ConnectPhase::proxy;
    f.target = options_.url.str();
    f.host = options_.url.host;
    f.authority = options_.url.connection_target();
    f.proxy = proxy_;
    f.secure = tls;
    f.answer = con_->get_response().first_bytes();
    f.verbose = options_.verbosity > 0;
    f.timeout = options_.open_timeout;
    f.tls_min_version = options_.tls.min_version;
    o.status = trace.status;
    o.response_complete = trace.response_complete;
    o.status_text = con_->get_response().get_status_msg();
    o.location = trace.location;
    if (verify_) o.verify_failure = verify_->reason;
    return o;
}

template <class Endpoint>
FailureCause ClientImpl<Endpoint>::cause_of(const std::error_code& ec) {
    if (ec == wpp::transport::error::timeout || ec == wpp::error::open_handshake_timeout)
        return FailureCause::timed_out;
    if (ec == wpp::transport::error::eof) return FailureCause::closed;
    if (ec.category() == wpp::transport::asio::socket::get_socket_category() ||
        ec == wpp::transport::error::tls_error)
        return FailureCause::tls_protocol;
    return transport_failure_cause(ec);
}

template <class Endpoint>
bool ClientImpl<Endpoint>::record_failure_of(const OpeningOutcome& outcome) {
    auto failure = classify_opening(outcome);
    return record_failure(failure.code, std::move(failure.message));
}

template <class Endpoint>
void ClientImpl<Endpoint>::on_connect_timeout() {
    if (open_ || finished) return;
    capture_handshake();
    trace.timed_out = true;
    auto outcome = opening_outcome();
    outcome.timed_out = true;
    if (record_failure_of(outcome)) emit_error();
    abort_socket();
}

template <class Endpoint>
void ClientImpl<Endpoint>::abort_socket() {
    if (finished) return;
    asio::error_code ignored;
    con_->get_raw_socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    // A connect still in progress moves on to the next address: keep
    // shutting down until websocketpp gives up.
    abort_timer_ = loop_.after(std::chrono::milliseconds(20), [this] { abort_socket(); });
}

template <class Endpoint>
void ClientImpl<Endpoint>::wait_for_body_end() {
    using Response = typename Endpoint::connection_type::response_type;
    body_timer_ = loop_.after(Response::close_delimited_wait, [this] {
        if (finished || open_) return;
        asio::error_code ignored;
        con_->get_raw_socket().shutdown(asio::ip::tcp::socket::shutdown_receive, ignored);
    });
}

template <class Endpoint>
void ClientImpl<Endpoint>::fail(ExitCode code, std::string why) {
    record_failure(code, std::move(why));
    // From the loop, not from inside connect(); the finished event follows.
    finished_timer_ = loop_.after(std::chrono::milliseconds(0), [this] {
        finished_timer_ = 0;
        emit_error();
        mark_finished();
    });
}

// This file's members, for both endpoints (see client_impl.hpp).
template std::string ClientImpl<PlainClient>::new_key();
template std::string ClientImpl<PlainClient>::use_proxy(Route& route);
template void ClientImpl<PlainClient>::capture_handshake();
template void ClientImpl<PlainClient>::on_fail();
template OpeningOutcome ClientImpl<PlainClient>::opening_outcome() const;
template FailureCause ClientImpl<PlainClient>::cause_of(const std::error_code& ec);
template bool ClientImpl<PlainClient>::record_failure_of(const OpeningOutcome& outcome);
template void ClientImpl<PlainClient>::on_connect_timeout();
template void ClientImpl<PlainClient>::abort_socket();
template void ClientImpl<PlainClient>::wait_for_body_end();
template void ClientImpl<PlainClient>::fail(ExitCode code, std::string why);
template std::string ClientImpl<TlsClient>::new_key();
template std::string ClientImpl<TlsClient>::use_proxy(Route& route);
template void ClientImpl<TlsClient>::capture_handshake();
template void ClientImpl<TlsClient>::on_fail();
template OpeningOutcome ClientImpl<TlsClient>::opening_outcome() const;
template FailureCause ClientImpl<TlsClient>::cause_of(const std::error_code& ec);
template bool ClientImpl<TlsClient>::record_failure_of(const OpeningOutcome& outcome);
template void ClientImpl<TlsClient>::on_connect_timeout();
template void ClientImpl<TlsClient>::abort_socket();
template void ClientImpl<TlsClient>::wait_for_body_end();
template void ClientImpl<TlsClient>::fail(ExitCode code, std::string why);

}  // namespace wskit::detail
