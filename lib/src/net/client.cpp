// Client, and the lifecycle of its ClientImpl: connect, send, open, write,
// close and how a connection that was open ended (see client_impl.hpp).
#include "net/client_impl.hpp"
#include "net/h2_client.hpp"

namespace wskit::detail {

template <class Endpoint>
void ClientImpl<Endpoint>::connect() {
    wpp::lib::error_code ec;
    auto uri = std::make_shared<wpp::uri>(options_.url.secure, options_.url.host,
                                          options_.url.port, options_.url.resource);
    con_ = endpoint_.get_connection(uri, ec);
    if (ec) return fail(ExitCode::usage, fmt::format("cannot connect to {}: {}", options_.url.str(), ec.message()));
    messages_ = &MessageManager::handoff().take();  // hook 8 in net/wspp/README.md
    messages_->on_error_close = [this] { on_error_close(); };
    messages_->before_outgoing = [this] { note_first_close(); };

    // The request and response websocketpp offers only as const, as it
    // owns them; neither is in use before connect().
    using Connection = typename Endpoint::connection_type;
    auto& request = const_cast<typename Connection::request_type&>(con_->get_request());
    auto& response = const_cast<typename Connection::response_type&>(con_->get_response());
    response.on_body_until_close([this] { wait_for_body_end(); });
    request.pin(build_upgrade_request(options_, new_key()));
    messages_->offer = options_.compress;  // for the processor's check of the answer
    con_->set_open_handshake_timeout(options_.open_timeout.count());
    Route route;
    route.host = options_.url.host;
    route.port = options_.url.port;
    route.user_agent = options_.user_agent;
    route.timeout = options_.open_timeout;
    route.unix_path = options_.url.unix_socket;
    if (auto problem = route_problem(options_); !problem.empty()) return fail(ExitCode::usage, problem);
    if (!options_.proxy.empty()) {
        if (auto problem = use_proxy(route); !problem.empty()) return fail(ExitCode::usage, problem);
    }
    endpoint_.set_route(std::move(route), trace_);
    if (options_.verbosity >= 2 && trace_) con_->set_frame_trace(trace_);
    set_handlers();
    endpoint_.connect(con_);
    connect_timer_ = loop_.after(options_.open_timeout, [this] { on_connect_timeout(); });
}

template <class Endpoint>
void ClientImpl<Endpoint>::send(Message message) {
    if (!open_) {
        pending_bytes_ += message.payload.size();
        pending_.push_back(std::move(message));
        return;
    }
    write(message);
}

template <class Endpoint>
bool ClientImpl<Endpoint>::close(int code, const std::string& reason) {
    if (!open_ || closing_) return false;
    auto frame = masked_close_frame(static_cast<std::uint16_t>(code), reason.substr(0, 123), mask_keys_());
    auto msg = con_->get_message(wpp::frame::opcode::close, frame.payload.size());
    msg->set_header(frame.header);
    msg->set_payload(frame.payload);
    msg->set_prepared(true);
    if (con_->send(msg)) return false;
    messages_->outgoing_closed = true;
    closing_ = true;
    resume_reading();  // the server's close frame is still to be read
    user_closed_ = true;
    closed_by_us_ = true;
    sent_close_code_ = code;
    // websocketpp did not run this close handshake, so it takes the
    // server's end of the TCP connection for an error; here it is the end
    // (hook 28 in net/wspp/README.md).
    endpoint_.get_elog().expect_eof = true;
    close_timer_ = loop_.after(close_timeout, [this] {
        asio::error_code ignored;
        con_->get_raw_socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    });
    return true;
}

template <class Endpoint>
std::size_t ClientImpl<Endpoint>::backlog() const {
    // websocketpp tells the bytes it holds, not how many messages: count
    // them from the average frame written so far.
    std::size_t wire = con_ ? con_->get_buffered_amount() : 0;
    std::size_t average_frame = frames_sent_ ? std::max<std::size_t>(1, frame_bytes_sent_ / frames_sent_) : 1;
    return pending_bytes_ + pending_.size() * per_message_cost + wire + wire / average_frame * per_message_cost;
}

template <class Endpoint>
std::vector<Message> ClientImpl<Endpoint>::take_unsent() {
    std::vector<Message> out(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
    pending_.clear();
    pending_bytes_ = 0;
    return out;
}

template <class Endpoint>
void ClientImpl<Endpoint>::set_handlers() {
    if (options_.ping_timeout.count() > 0) {
        con_->set_pong_timeout(options_.ping_timeout.count());
        con_->set_pong_timeout_handler([this](wpp::connection_hdl, std::string) { on_pong_timeout(); });
    }
    con_->set_tcp_pre_init_handler([this](wpp::connection_hdl) {
        // The transport has resolved, connected and opened any tunnel.
        tcp_connected_ = true;
        phase_ = tls ? ConnectPhase::tls : ConnectPhase::upgrade;
    });
    // After the TLS handshake (and through any tunnel), before the
    // request; called whether the handshake succeeded or not.
    con_->set_tcp_post_init_handler([this](wpp::connection_hdl) {
        post_init_at_ = std::chrono::steady_clock::now();
        bool tls_done = true;
        if constexpr (tls) tls_done = SSL_is_init_finished(con_->get_socket().native_handle());
        phase_ = tls_done ? ConnectPhase::upgrade : ConnectPhase::tls;
        if (tls_done) trace_tls();
    });
    con_->set_open_handler([this](wpp::connection_hdl) { on_open(); });
    con_->set_fail_handler([this](wpp::connection_hdl) { on_fail(); });
    con_->set_close_handler([this](wpp::connection_hdl) { on_close(); });
    con_->set_message_handler([this](wpp::connection_hdl, message_ptr msg) { on_message(msg); });
    con_->set_ping_handler([this](wpp::connection_hdl, std::string data) {
        if (options_.answer_pings) {
            in_read_handler_ = true;
            if (auto answer = pings_.on_ping(data)) send_pong(*answer);
            act_on_pings();
            in_read_handler_ = false;
        }
        emit_control(EventType::ping, std::move(data));
        return false;  // answered here, one pong at a time (see PingAnswers)
    });
    con_->on_write_done = [this] { on_write_done(); };
    con_->set_pong_handler([this](wpp::connection_hdl, std::string data) {
        awaiting_pong_ = false;
        emit_control(EventType::pong, std::move(data));
    });
}

template <class Endpoint>
void ClientImpl<Endpoint>::write(const Message& message) {
    if (message.opcode == Opcode::close) {
        close(1000, message.payload);
        return;
    }
    auto ec = send_message(*con_, message);
    if (!ec) {
        auto size = message.payload.size();
        ++frames_sent_;
        frame_bytes_sent_ += size + 6 + (size > 125 ? 2 : 0) + (size > 65535 ? 6 : 0);
    }
    if (ec == wpp::processor::error::invalid_payload) {
        report_local_failure(ExitCode::runtime,
                             "a text message to send is not valid UTF-8; send it with --binary");
    } else if (ec == wpp::processor::error::control_too_big) {
        report_local_failure(ExitCode::runtime, "ping/pong data is limited to 125 bytes");
    }
}

template <class Endpoint>
void ClientImpl<Endpoint>::report_local_failure(ExitCode code, std::string why) {
    record_failure(code, std::move(why));
    wpp::lib::error_code ec;
    if (!closing_) con_->close(wpp::close::status::normal, "", ec);
    closing_ = true;
    closed_by_us_ = true;
}

template <class Endpoint>
void ClientImpl<Endpoint>::on_open() {
    loop_.cancel(connect_timer_);
    if (exit != ExitCode::ok) return abort_socket();  // --connect-timeout already reported
    capture_handshake();
    const auto& res = con_->get_response();
    const auto& extensions = res.get_header("Sec-WebSocket-Extensions");
    auto problem = negotiation_problem(options_.subprotocols, res.get_header("Sec-WebSocket-Protocol"),
                                               options_.compress ? std::string() : extensions);
    if (problem.empty() && options_.compress) {
        auto answer = check_deflate_answer(*options_.compress, extensions);
        problem = answer.problem;
        trace.compression = answer.params;  // -v shows it after the response (print_trace)
    }
    if (!problem.empty()) {
        record_failure(ExitCode::handshake, "handshake rejected: " + problem);
        wpp::lib::error_code ec;
        closed_by_us_ = true;  // before the close: no draining for it (see on_error_close)
        con_->close(wpp::close::status::protocol_error, "unexpected negotiation", ec);
        closing_ = true;
        return;
    }
    open_ = true;
    // What was queued goes first, so that anything the open handler sends
    // (or a close) follows it.
    while (!pending_.empty() && open_) {
        Message m = std::move(pending_.front());
        pending_.pop_front();
        pending_bytes_ -= m.payload.size();
        write(m);
    }
    schedule_ping();
    Event e;
    e.type = EventType::open;
    e.text = options_.url.str();
    e.subprotocol = con_->get_response().get_header("Sec-WebSocket-Protocol");
    e.compression = trace.compression;
    on_event_(e);
}

template <class Endpoint>
void ClientImpl<Endpoint>::on_close() {
    open_ = false;
    mark_finished();
    for (auto id : {close_timer_, ping_timer_, connect_timer_, pings_timer_}) loop_.cancel(id);
    const bool failed_here = we_failed_it();
    Event e = close_event(*con_, failed_here);
    if (failed_code_) {  // ours, whatever websocketpp's timeout made of it
        e.code = failed_code_;
        e.reason = failed_reason_;
    }
    e.direction = closed_by_us_ || failed_here ? Direction::out : Direction::in;
    explain_close(e, failed_here);
    on_event_(e);
}

template <class Endpoint>
void ClientImpl<Endpoint>::note_first_close() {
    if (first_close_ || con_->get_local_close_code() == wpp::close::status::abnormal_close) return;
    first_close_ = con_->get_remote_close_code() == con_->get_local_close_code() &&
                           con_->get_remote_close_reason() == con_->get_local_close_reason()
                       ? FirstClose::answers_the_server
                       : FirstClose::ours;
}

template <class Endpoint>
bool ClientImpl<Endpoint>::we_failed_it() const {
    if (user_closed_) return false;
    if (draining_ || failed_here_) return true;  // our close frame went first
    if (!failed_by_library(con_->get_local_close_code())) return false;
    return first_close_ != FirstClose::answers_the_server;
}

template <class Endpoint>
void ClientImpl<Endpoint>::explain_close(const Event& e, bool failed_here) {
    auto o = close_outcome_of(e);
    o.failed_here = failed_here;
    o.user_closed = user_closed_;
    o.library_error = con_->get_ec().message();
    o.remote_code = con_->get_remote_close_code();
    o.sent_close_code = sent_close_code_;
    o.max_message_size = options_.max_message_size;
    if (auto failure = classify_close(o)) record_failure(failure->code, std::move(failure->message));
}

template <class Endpoint>
void ClientImpl<Endpoint>::emit_error() {
    Event e;
    e.type = EventType::error;
    e.text = error;
    on_event_(e);
}

template <class Endpoint>
void ClientImpl<Endpoint>::mark_finished() {
    if (finished) return;
    finished = true;
    finished_timer_ = loop_.after(std::chrono::milliseconds(0), [this] {
        finished_timer_ = 0;
        Event e;
        e.type = EventType::finished;
        on_event_(e);
    });
}

// This file's members, for both endpoints (see client_impl.hpp).
template class ClientImpl<PlainClient>;
template class ClientImpl<TlsClient>;

}  // namespace wskit::detail

namespace wskit {

Client::Client(EventLoop& loop, ClientOptions options, EventHandler on_event) {
    if (options.http2)
        impl_ = detail::make_http2_client(loop, std::move(options), std::move(on_event));
    else if (options.url.secure)
        impl_ = std::make_unique<detail::ClientImpl<detail::TlsClient>>(loop, std::move(options), std::move(on_event));
    else
        impl_ = std::make_unique<detail::ClientImpl<detail::PlainClient>>(loop, std::move(options), std::move(on_event));
}
Client::~Client() = default;

void Client::connect() { impl_->connect(); }
void Client::send(Message message) { impl_->send(std::move(message)); }
bool Client::close(int code, const std::string& reason) { return impl_->close(code, reason); }
bool Client::is_open() const { return impl_->is_open(); }
void Client::abort() { impl_->abort(); }
std::size_t Client::backlog() const { return impl_->backlog(); }
std::vector<Message> Client::take_unsent() { return impl_->take_unsent(); }
void Client::pause_reading() { impl_->pause_reading(); }
void Client::resume_reading() { impl_->resume_reading(); }
const HandshakeTrace& Client::handshake() const { return impl_->trace; }
ExitCode Client::exit_code() const { return impl_->exit; }
const std::string& Client::error_message() const { return impl_->error; }
bool Client::finished() const { return impl_->finished; }

}  // namespace wskit
