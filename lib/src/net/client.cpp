// Client::Impl: one websocketpp client endpoint and connection, plain or TLS.
#include "proto/control_frames.hpp"
#include "proto/headers.hpp"
#include "proto/ping_answers.hpp"
#include "net/tls_context.hpp"
#include "net/tls_inspect.hpp"
#include "net/tls_trace.hpp"
#include "term/trace_printer.hpp"
#include "net/transport_failure.hpp"
#include "net/wspp/wspp.hpp"

#include <wskit/client.hpp>
#include <wskit/close_code.hpp>
#include <wskit/connect_failure.hpp>
#include <wskit/encoding.hpp>

#include <fmt/format.h>

#include <deque>

namespace wskit {

struct Client::Impl {
    virtual ~Impl() = default;
    virtual void connect() = 0;
    virtual void send(Message message) = 0;
    virtual bool close(int code, const std::string& reason) = 0;
    virtual bool is_open() const = 0;
    virtual std::size_t backlog() const = 0;
    virtual std::vector<Message> take_unsent() = 0;
    virtual void pause_reading() = 0;
    virtual void resume_reading() = 0;

    HandshakeTrace trace;
    ExitCode exit = ExitCode::ok;
    std::string error;
    bool finished = false;  // websocketpp has called its fail or close handler

    // The one place a failure is recorded: the first explanation wins, so a
    // consequence (the reset after a refused TLS handshake, a timer firing
    // while the socket is being torn down) never replaces its cause.
    bool record_failure(ExitCode code, std::string why) {
        if (exit != ExitCode::ok) return false;
        exit = code;
        error = std::move(why);
        return true;
    }
};

namespace {

namespace wpp = websocketpp;

std::string raw_head(const std::string& raw) {
    auto end = raw.find("\r\n\r\n");
    return end == std::string::npos ? raw : raw.substr(0, end + 2);
}

template <class Endpoint>
class ClientImpl final : public Client::Impl {
    using connection_ptr = typename Endpoint::connection_ptr;
    using message_ptr = typename Endpoint::message_ptr;
    static constexpr bool tls = std::is_same_v<Endpoint, detail::TlsClient>;

public:
    ClientImpl(EventLoop& loop, ClientOptions options, Client::EventHandler on_event)
        : loop_(loop), options_(std::move(options)), on_event_(std::move(on_event)) {
        trace_ = options_.on_trace;
        if (!trace_ && options_.verbosity >= 1) trace_ = print_trace_line;
        // -vv shows the frames decoded (TracedConnection) instead of
        // websocketpp's access log.
        detail::configure_logging(endpoint_, options_.verbosity, /*frames_traced=*/true);
        endpoint_.init_asio(&loop_.impl().io);
        endpoint_.set_user_agent(options_.user_agent);
        endpoint_.set_max_message_size(options_.max_message_size);
        if constexpr (tls) {
            verify_ = std::make_shared<detail::VerifyOutcome>();
            auto ctx = detail::make_client_tls_context(options_.tls, verify_);
            endpoint_.set_tls_init_handler([ctx](wpp::connection_hdl) { return ctx; });
            endpoint_.set_socket_init_handler([this](wpp::connection_hdl, auto& socket) {
                if (!options_.tls.insecure) detail::set_expected_host(socket.native_handle(), options_.url.host);
                if (options_.inspection) detail::request_ocsp_stapling(socket.native_handle());
            });
        }
    }

    ~ClientImpl() override {
        for (auto id : {close_timer_, ping_timer_, connect_timer_, abort_timer_, body_timer_, pings_timer_})
            loop_.cancel(id);
        // A handler still pending may keep the connection after us: its
        // hooks must not call back.
        if (con_) {
            con_->on_write_done = nullptr;
            messages_->on_error_close = nullptr;
            messages_->before_outgoing = nullptr;
            using Response = typename Endpoint::connection_type::response_type;
            const_cast<Response&>(con_->get_response()).on_body_until_close(nullptr);
        }
    }

    void connect() override {
        wpp::lib::error_code ec;
        auto uri = std::make_shared<wpp::uri>(options_.url.secure, options_.url.host,
                                              options_.url.port, options_.url.resource);
        con_ = endpoint_.get_connection(uri, ec);
        if (ec) return fail(ExitCode::usage, fmt::format("cannot connect to {}: {}", options_.url.str(), ec.message()));
        messages_ = MessageManager::latest();
        messages_->on_error_close = [this] { on_error_close(); };
        messages_->before_outgoing = [this] { note_first_close(); };

        for (const auto& sub : options_.subprotocols) con_->add_subprotocol(sub, ec);
        std::string host = options_.host_header;
        // The request and response websocketpp offers only as const, as it
        // owns them; neither is in use before connect().
        using Connection = typename Endpoint::connection_type;
        auto& request = const_cast<typename Connection::request_type&>(con_->get_request());
        auto& response = const_cast<typename Connection::response_type&>(con_->get_response());
        response.on_body_until_close([this] { wait_for_body_end(); });
        for (const auto& h : options_.headers) {
            if (detail::same_header_name(h.name, "Host")) {
                if (host.empty()) host = h.value;
                continue;
            }
            request.add_line(h.name, h.value);  // repeats kept, in order (see PinnedHostRequest)
        }
        // Set once: the request type keeps it over the one websocketpp
        // derives from the URL (see PinnedHostRequest).
        if (!host.empty()) con_->replace_header("Host", host);
        if (!options_.origin.empty()) con_->replace_header("Origin", options_.origin);
        if (options_.compress) {
            messages_->offer = options_.compress;  // for the processor's check of the answer
            con_->replace_header("Sec-WebSocket-Extensions", format_offer(*options_.compress));
        }
        std::string credentials = options_.auth;
        if (credentials.empty() && !options_.url.user.empty())
            credentials = options_.url.user + ":" + options_.url.password;
        if (!credentials.empty())
            con_->replace_header("Authorization", "Basic " + base64_encode(credentials));
        con_->set_open_handshake_timeout(options_.open_timeout.count());
        detail::Route route;
        route.host = options_.url.host;
        route.port = options_.url.port;
        route.user_agent = options_.user_agent;
        route.timeout = options_.open_timeout;
        if (!options_.proxy.empty()) {
            if (auto problem = use_proxy(route); !problem.empty()) return fail(ExitCode::usage, problem);
        }
        endpoint_.set_route(std::move(route), trace_);
        if (options_.verbosity >= 2 && trace_) con_->set_frame_trace(trace_);
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
            in_read_handler_ = true;
            if (auto answer = pings_.on_ping(data)) send_pong(*answer);
            act_on_pings();
            in_read_handler_ = false;
            emit_control(EventType::ping, std::move(data));
            return false;  // answered here, one pong at a time (see PingAnswers)
        });
        con_->on_write_done = [this] { on_write_done(); };
        con_->set_pong_handler([this](wpp::connection_hdl, std::string data) {
            awaiting_pong_ = false;
            emit_control(EventType::pong, std::move(data));
        });
        endpoint_.connect(con_);
        connect_timer_ = loop_.after(options_.open_timeout, [this] { on_connect_timeout(); });
    }

    void send(Message message) override {
        if (!open_) {
            pending_bytes_ += message.payload.size();
            pending_.push_back(std::move(message));
            return;
        }
        write(message);
    }

    // Sends our close frame as a prepared message, so that websocketpp stays
    // in its open state and keeps delivering what the server sends until its
    // own close frame; the message manager then keeps websocketpp from
    // answering that close with a second one. If the server never closes the
    // TCP connection, the socket is shut down after close_timeout.
    bool close(int code, const std::string& reason) override {
        if (!open_ || closing_) return false;
        auto frame = detail::masked_close_frame(static_cast<std::uint16_t>(code), reason.substr(0, 123), mask_keys_());
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
        // server's end of the TCP connection for an error; here it is the end.
        endpoint_.get_elog().expect_eof = true;
        close_timer_ = loop_.after(close_timeout, [this] {
            asio::error_code ignored;
            con_->get_raw_socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        });
        return true;
    }

    bool is_open() const override { return open_; }

    std::size_t backlog() const override {
        // websocketpp tells the bytes it holds, not how many messages: count
        // them from the average frame written so far.
        std::size_t wire = con_ ? con_->get_buffered_amount() : 0;
        std::size_t average_frame = frames_sent_ ? std::max<std::size_t>(1, frame_bytes_sent_ / frames_sent_) : 1;
        return pending_bytes_ + pending_.size() * per_message_cost + wire + wire / average_frame * per_message_cost;
    }

    // websocketpp's pause_reading() only posts the change, so the read it
    // issues at the end of the current one still goes out, and its
    // resume_reading() starts a read whether or not one is in flight (two
    // reads into one buffer). So the pause is applied from inside our own
    // message handlers, which websocketpp runs within its read handler:
    // handle_pause_reading() there stops it from issuing the next read, and
    // no read is in flight until the resume. A resume asked for from within
    // a handler waits until websocketpp's read handler has returned. One
    // loop thread, so calling these "handle_" methods directly is safe.
    void pause_reading() override { pause_wanted_ = true; }

    void resume_reading() override {
        pause_wanted_ = false;
        resume_if_free();
    }

    // Reading resumes once neither the owner nor the server's pings hold it;
    // from websocketpp's read handler, only after it (a resume there would
    // start a second read).
    void resume_if_free() {
        if (!reading_paused_ || pause_wanted_ || paused_for_pings_) return;
        if (in_read_handler_) {
            loop_.post([this, alive = std::weak_ptr<bool>(alive_)] {
                if (!alive.expired()) resume_if_free();
            });
            return;
        }
        resume_now();
    }

    void resume_now() {
        if (!reading_paused_) return;
        reading_paused_ = false;
        if (open_) con_->handle_resume_reading();
    }

    std::vector<Message> take_unsent() override {
        std::vector<Message> out(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
        pending_.clear();
        pending_bytes_ = 0;
        return out;
    }

private:
    // Routes the connection through options_.proxy (HTTP CONNECT or
    // SOCKS5, opened by detail::Connector rather than websocketpp, which
    // knows only HTTP); returns a problem, or "".
    std::string use_proxy(detail::Route& route) {
        try {
            route.proxy = parse_proxy_url(options_.proxy);
        } catch (const Error& e) {
            return e.what();
        }
        proxy_ = route.proxy->authority();
        return {};
    }

    // ClientOptions::inspection, once the response is in (or the opening failed).
    void fill_inspection() {
        if (!options_.inspection) return;
        auto& in = *options_.inspection;
        const auto& o = endpoint_.connect_outcome();
        const auto now = std::chrono::steady_clock::now();
        in.resolved_host = o.resolved_host;
        in.addresses = o.addresses;
        in.attempts.clear();
        for (const auto& [address, why] : o.attempts) in.attempts.push_back({address, why});
        in.connected_to = o.remote;
        using Time = std::optional<std::chrono::steady_clock::time_point>;
        auto ms = [](const Time& from, const Time& to) {
            return from && to ? std::chrono::duration<double, std::milli>(*to - *from).count() : -1.0;
        };
        auto& t = in.timings;
        t.dns = ms(o.started, o.resolved);
        t.tcp = ms(o.resolved, o.connected);
        t.proxy = ms(o.connected, o.tunneled);
        if (tls) t.tls = ms(o.tunneled ? o.tunneled : o.connected, post_init_at_);
        if (trace.status != 0) {
            t.upgrade = ms(post_init_at_, now);
            t.total = ms(o.started, now);
        }
        in.secure = tls;
        if constexpr (tls) {
            SSL* ssl = con_->get_socket().native_handle();
            in.tls = detail::read_tls_session(ssl, std::time(nullptr));
            if (options_.tls.insecure) {
                in.tls.verification_skipped = true;
                in.tls.verify_result = "not verified (--insecure)";
            } else if (verify_ && !verify_->reason.empty()) {
                in.tls.verify_result = verify_->reason;
            } else if (in.tls.handshake_done) {
                in.tls.verified = true;
                in.tls.verify_result = "ok";
            }
        }
    }

    // -v: what curl -v says once TLS is up.
    void trace_tls() {
        if constexpr (tls) {
            if (!trace_) return;
            for (auto& line : detail::describe_tls_session(con_->get_socket().native_handle()))
                trace_(TraceLine{TraceLine::Kind::info, std::move(line)});
        }
    }

    // One ping in flight at a time: websocketpp restarts its pong timer with
    // every ping, so pings more frequent than the timeout would hide a
    // silent server forever.
    void schedule_ping() {
        if (options_.ping_interval.count() <= 0) return;
        ping_timer_ = loop_.after(options_.ping_interval, [this] {
            if (!open_ || closing_) return;
            if (!awaiting_pong_) {
                wpp::lib::error_code ec;
                con_->ping("", ec);
                awaiting_pong_ = !ec;
            }
            schedule_ping();
        });
    }

    void on_pong_timeout() {
        if (!open_) return;
        if (!record_failure(ExitCode::abnormal_close,
                            fmt::format("no pong from the server within {} s (--ping-timeout); dropping the connection",
                                        static_cast<double>(options_.ping_timeout.count()) / 1000)))
            return;
        asio::error_code ignored;
        con_->get_raw_socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    }

    void write(const Message& message) {
        if (message.opcode == Opcode::close) {
            close(1000, message.payload);
            return;
        }
        auto ec = detail::send_message(*con_, message);
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

    // An error on our side while open: stop with a clean close so that the
    // server sees a close frame, and remember why.
    void report_local_failure(ExitCode code, std::string why) {
        record_failure(code, std::move(why));
        wpp::lib::error_code ec;
        if (!closing_) con_->close(wpp::close::status::normal, "", ec);
        closing_ = true;
        closed_by_us_ = true;
    }

    void capture_handshake() {
        trace.request = raw_head(con_->get_request().raw());
        const auto& res = con_->get_response();
        trace.status = res.get_status_code();
        if (trace.status != 0) {
            trace.response = res.raw_head().empty() ? raw_head(res.raw()) : raw_head(res.raw_head());
            trace.body = res.get_body();
            trace.location = res.get_header("Location");
            trace.response_complete = res.head_done();
        }
        trace.connected = tcp_connected_;
        // Taken when TCP connected: once the connection has failed the
        // socket no longer knows its peer.
        if (tcp_connected_) trace.remote = endpoint_.connect_outcome().remote;
        fill_inspection();
    }

    void on_open() {
        loop_.cancel(connect_timer_);
        if (exit != ExitCode::ok) return abort_socket();  // --connect-timeout already reported
        capture_handshake();
        const auto& res = con_->get_response();
        const auto& extensions = res.get_header("Sec-WebSocket-Extensions");
        auto problem = detail::negotiation_problem(options_.subprotocols, res.get_header("Sec-WebSocket-Protocol"),
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

    void on_message(const message_ptr& msg) {
        in_read_handler_ = true;  // a close from here: websocketpp goes on reading
        bool rejected = detail::reject_truncated_text(*con_, msg);
        in_read_handler_ = false;
        if (rejected) {
            failed_here_ = true;
            return;
        }
        Event e;
        e.type = EventType::message;
        e.message.opcode =
            msg->get_opcode() == wpp::frame::opcode::binary ? Opcode::binary : Opcode::text;
        e.message.payload = std::move(msg->get_raw_payload());
        deliver_read(e);
    }

    // An event of websocketpp's read handler.
    void deliver_read(const Event& e) {
        in_read_handler_ = true;
        on_event_(e);
        in_read_handler_ = false;
        apply_pause();
    }

    // Inside websocketpp's read handler (see pause_reading()).
    void apply_pause() {
        if (!(pause_wanted_ || paused_for_pings_) || reading_paused_ || !open_) return;
        con_->handle_pause_reading();
        reading_paused_ = true;
    }

    // --- the server's pings (see PingAnswers) ----------------------------

    // Our pong as a prepared frame, so that we know when it has been
    // written: websocketpp releases it then.
    void send_pong(const std::string& payload) {
        if (!open_ || closing_) return;  // nothing follows our close frame
        auto frame = detail::masked_control_frame(detail::pong_opcode, payload, mask_keys_());
        auto msg = con_->get_message(wpp::frame::opcode::pong, frame.payload.size());
        msg->set_header(frame.header);
        msg->set_payload(frame.payload);
        msg->set_prepared(true);
        if (!con_->send(msg)) pong_in_flight_ = msg;
    }

    // After each completed write: a pong held back may go now, and the
    // owner waiting for the backlog to go (input paced by it) hears when
    // it has.
    void on_write_done() {
        if (pings_.pong_unwritten() && pong_in_flight_.expired()) {
            if (auto answer = pings_.on_pong_written()) send_pong(*answer);
            act_on_pings();
        }
        if (open_ && backlog() == 0) {
            Event e;
            e.type = EventType::drained;
            on_event_(e);
        }
    }

    void act_on_pings() {
        auto now = std::chrono::steady_clock::now();
        switch (pings_.check(now)) {
            case BackpressureAction::pause_reading: paused_for_pings_ = true; break;  // applied after this read
            case BackpressureAction::resume_reading:
                paused_for_pings_ = false;
                resume_if_free();
                break;
            case BackpressureAction::close: return close_for_pings();
            case BackpressureAction::none: break;
        }
        if (auto since = pings_.over_since(); since && !pings_timer_) {
            auto due = std::chrono::ceil<std::chrono::milliseconds>(*since + pings_.limits().grace - now);
            pings_timer_ = loop_.after(std::max(due, std::chrono::milliseconds(1)), [this] {
                pings_timer_ = 0;
                act_on_pings();
            });
        }
    }

    // The server floods pings, or pings and reads none of the answers:
    // close with 1008. Its close frame would come behind more pings, if at
    // all: reading stays paused, and the close handshake gives up after
    // close_linger, as for the other connections we fail.
    void close_for_pings() {
        if (!open_ || closing_) return;
        const auto& limits = pings_.limits();
        record_failure(ExitCode::abnormal_close,
                       pings_.over_hard_cap()
                           ? fmt::format("the server sent pings faster than its answers could be written (over {} "
                                         "unanswered); closed with 1008",
                                         limits.hard_cap / frame_overhead)
                           : fmt::format("the server kept sending pings but read none of the answers for {:g} s; "
                                         "closed with 1008",
                                         std::chrono::duration<double>(limits.grace).count()));
        failed_here_ = true;
        closed_by_us_ = true;
        closing_ = true;
        paused_for_pings_ = true;
        // The handshake timeout makes websocketpp's local code 1006: keep ours.
        failed_code_ = wpp::close::status::policy_violation;
        failed_reason_ = "too many pings left unanswered";
        con_->set_close_handshake_timeout(close_linger.count());
        wpp::lib::error_code ec;
        con_->close(wpp::close::status::policy_violation, failed_reason_, ec);
    }

    void emit_control(EventType type, std::string data) {
        Event e;
        e.type = type;
        e.message.opcode = type == EventType::ping ? Opcode::ping : Opcode::pong;
        e.message.payload = std::move(data);
        deliver_read(e);
    }

    // websocketpp fails the connection (1009 for a message over --max-size,
    // 1002, 1007) and then stops reading. Its close frame is not terminal
    // (see detail::ClientMessage): this reads and discards what still
    // arrives, so that the server can finish sending, read the close frame
    // and answer; the connection ends when the server closes TCP, or after
    // close_linger. A close from our handlers (a failed negotiation, a
    // truncated text message) needs none of it: websocketpp reads on.
    void on_error_close() {
        if (draining_ || closed_by_us_ || in_read_handler_) return;
        draining_ = true;
        // websocketpp's linger timeout overwrites the code with 1006: keep ours.
        failed_code_ = con_->get_local_close_code();
        failed_reason_ = con_->get_local_close_reason();
        con_->set_close_handshake_timeout(close_linger.count());  // bounds the linger
        loop_.post([this, con = con_] { drain(con); });
    }

    void drain(const connection_ptr& con) {
        con->get_socket().async_read_some(
            asio::buffer(drain_buffer_), [this, con](const asio::error_code& ec, std::size_t) {
                if (!ec) return drain(con);
                // The server closed (or websocketpp's linger timer did).
                if (con->get_state() != wpp::session::state::closed) con->terminate(wpp::lib::error_code());
            });
    }

    void on_close() {
        open_ = false;
        finished = true;
        for (auto id : {close_timer_, ping_timer_, connect_timer_, pings_timer_}) loop_.cancel(id);
        const bool failed_here = we_failed_it();
        Event e = detail::close_event(*con_, failed_here);
        if (failed_code_) {  // ours, whatever websocketpp's timeout made of it
            e.code = failed_code_;
            e.reason = failed_reason_;
        }
        e.direction = closed_by_us_ || failed_here ? Direction::out : Direction::in;
        explain_close(e, failed_here);
        on_event_(e);
    }

    // websocketpp's first close frame (see before_outgoing): it answers a
    // close frame of the server's when it repeats its code and reason, as
    // websocketpp does for a valid one. A close frame it refuses (an invalid
    // code) is answered with 1002, and its own failures go first: those
    // closes are ours. Known only then: the server's reply to our close
    // later overwrites the remote code and reason.
    void note_first_close() {
        if (first_close_ || con_->get_local_close_code() == wpp::close::status::abnormal_close) return;
        first_close_ = con_->get_remote_close_code() == con_->get_local_close_code() &&
                               con_->get_remote_close_reason() == con_->get_local_close_reason()
                           ? FirstClose::answers_the_server
                           : FirstClose::ours;
    }

    // Whether the connection ended because wskit failed it (the server broke
    // the protocol, a message over --max-size...), as opposed to a close the
    // server started, whatever its code, or one we were asked for.
    bool we_failed_it() const {
        if (user_closed_) return false;
        if (draining_ || failed_here_) return true;  // our close frame went first
        if (!detail::failed_by_library(con_->get_local_close_code())) return false;
        return first_close_ != FirstClose::answers_the_server;
    }

    // Decides the exit status of a connection that was open. The server's
    // close code decides even after we sent our close (a 1009 or 1008 in
    // answer to it is not a success), unless it merely echoes our own code.
    void explain_close(const Event& e, bool failed_here) {
        const int remote = con_->get_remote_close_code();
        if (failed_here) {
            record_failure(ExitCode::abnormal_close,
                           e.code == wpp::close::status::message_too_big
                               ? fmt::format("a message from the server exceeds --max-size ({} bytes); closed with 1009",
                                             options_.max_message_size)
                               : fmt::format("the server broke the protocol ({}); closed with {}",
                                             escape_controls(e.reason.empty() ? con_->get_ec().message() : e.reason),
                                             e.code));
        } else if (!e.clean) {
            record_failure(ExitCode::abnormal_close, user_closed_
                                                         ? "the server did not complete the close handshake (1006)"
                                                         : "the server dropped the connection without a close frame (1006)");
        } else if (remote != wpp::close::status::no_status && !(user_closed_ && remote == sent_close_code_) &&
                   exit_code_for_close(remote) != ExitCode::ok) {
            record_failure(exit_code_for_close(remote), server_close_explanation(remote, e.reason));
        }
    }

    void on_fail() {
        finished = true;
        loop_.cancel(connect_timer_);
        capture_handshake();
        auto facts = failure_facts();
        const auto ec = con_->get_ec();
        const auto tec = con_->get_transport_ec();
        if (ec == wpp::transport::asio::error::proxy_failed) trace.connected = false;  // only the proxy answered
        if (trace.status != 0 && trace.status != 101) {
            facts.cause = FailureCause::http_status;
            facts.status = trace.status;
            facts.status_text = con_->get_response().get_status_msg();
            facts.location = trace.location;
        } else if (trace.status == 101 && trace.response_complete) {
            facts.cause = FailureCause::bad_upgrade;
            facts.detail = ec.message();
        } else if (ec == wpp::transport::asio::error::proxy_failed) {
            // The connector's message names the proxy and its answer.
            if (record_failure(ExitCode::connect, endpoint_.connect_outcome().tunnel_error)) emit_error();
            return;
        } else if (verify_ && !verify_->reason.empty()) {
            facts.phase = ConnectPhase::tls;
            facts.cause = FailureCause::tls_verify;
            facts.detail = verify_->reason;
        } else {
            // Before TCP is up, websocketpp's code is the real one (the
            // transport's is left over from tearing the socket down); after,
            // its codes are generic and the transport's says more.
            const auto& cause = phase_ == ConnectPhase::connect || !tec ? ec : tec;
            facts.cause = cause_of(cause);
            if (facts.cause == FailureCause::tls_protocol) facts.phase = ConnectPhase::tls;
            if (facts.cause == FailureCause::tls_protocol || facts.cause == FailureCause::closed) {
                facts.detail = detail::last_openssl_error();
            }
            if (facts.detail.empty()) facts.detail = cause.message();
        }
        if (record_failure_facts(facts)) emit_error();
    }

    // What the classifier needs besides the cause, from what is known now.
    FailureFacts failure_facts() const {
        FailureFacts f;
        f.phase = phase_;
        // The connector opens the tunnel before websocketpp's handlers run:
        // TCP up to the proxy but not beyond means the tunnel was pending.
        if (phase_ == ConnectPhase::connect && !proxy_.empty() && !endpoint_.connect_outcome().remote.empty())
            f.phase = ConnectPhase::proxy;
        f.target = options_.url.str();
        f.host = options_.url.host;
        // The port is named even when it is the scheme's: "cannot connect to
        // example.test:80" says what was tried.
        f.authority = host_port(options_.url.host, options_.url.port);
        f.proxy = proxy_;
        f.secure = tls;
        f.answer = con_->get_response().first_bytes();
        f.verbose = options_.verbosity > 0;
        f.timeout = options_.open_timeout;
        f.tls_min_version = options_.tls.min_version;
        return f;
    }

    // Reduces a transport error to the classifier's causes: websocketpp's
    // own codes here, the socket's in transport_failure_cause.
    static FailureCause cause_of(const std::error_code& ec) {
        if (ec == wpp::transport::error::timeout || ec == wpp::error::open_handshake_timeout)
            return FailureCause::timed_out;
        if (ec == wpp::transport::error::eof) return FailureCause::closed;
        if (ec.category() == wpp::transport::asio::socket::get_socket_category() ||
            ec == wpp::transport::error::tls_error)
            return FailureCause::tls_protocol;
        return detail::transport_failure_cause(ec);
    }

    bool record_failure_facts(const FailureFacts& facts) {
        auto failure = classify_connect_failure(facts);
        return record_failure(failure.code, std::move(failure.message));
    }

    void emit_error() {
        Event e;
        e.type = EventType::error;
        e.text = error;
        on_event_(e);
    }

    // --connect-timeout covers everything before the open: websocketpp's own
    // timers are fixed at compile time (5 s for TCP), so this one decides.
    // The socket is shut down rather than closed: a pending connect then
    // completes with an error that websocketpp handles (a closed socket's
    // "aborted" would leave its timers pending), and its fail handler runs.
    void on_connect_timeout() {
        if (open_ || finished) return;
        auto facts = failure_facts();
        facts.cause = FailureCause::timed_out;
        capture_handshake();
        trace.timed_out = true;
        if (trace.response_complete && trace.status != 101) {
            // The head is in and says no; only its body was slow.
            facts.cause = FailureCause::http_status;
            facts.status = trace.status;
            facts.status_text = con_->get_response().get_status_msg();
            facts.location = trace.location;
        }
        if (record_failure_facts(facts)) emit_error();
        abort_socket();
    }

    void abort_socket() {
        if (finished) return;
        asio::error_code ignored;
        con_->get_raw_socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        // A connect still in progress moves on to the next address: keep
        // shutting down until websocketpp gives up.
        abort_timer_ = loop_.after(std::chrono::milliseconds(20), [this] { abort_socket(); });
    }

    // A non-101 answer whose body ends with the connection: what arrives
    // within close_delimited_wait is the body, whether or not the server
    // closes. Shutting the reading side gives websocketpp the EOF it waits
    // for; it then fails the connection with the status and that body.
    void wait_for_body_end() {
        using Response = typename Endpoint::connection_type::response_type;
        body_timer_ = loop_.after(Response::close_delimited_wait, [this] {
            if (finished || open_) return;
            asio::error_code ignored;
            con_->get_raw_socket().shutdown(asio::ip::tcp::socket::shutdown_receive, ignored);
        });
    }

    // A failure found before open, outside websocketpp's handlers (a bad
    // proxy setting): reported from the loop, like websocketpp's own.
    void fail(ExitCode code, std::string why) {
        finished = true;
        record_failure(code, std::move(why));
        loop_.post([this] { emit_error(); });
    }

    using MessageManager = typename Endpoint::connection_type::con_msg_manager_type;
    static constexpr std::chrono::milliseconds close_timeout{5000};
    // How long a connection we failed keeps reading for the server's close:
    // as long as the server side's close handshake timeout, about.
    static constexpr std::chrono::milliseconds close_linger{1000};
    // Memory of one queued message besides its bytes: websocketpp's message
    // object, its header string and shared_ptr block, measured at ~250 bytes.
    static constexpr std::size_t per_message_cost = 256;

    EventLoop& loop_;
    ClientOptions options_;
    MessageManager* messages_ = nullptr;  // owned by con_
    detail::MaskKeyGenerator mask_keys_;
    EventLoop::TimerId close_timer_ = 0;
    EventLoop::TimerId ping_timer_ = 0;
    EventLoop::TimerId connect_timer_ = 0;
    EventLoop::TimerId abort_timer_ = 0;
    EventLoop::TimerId body_timer_ = 0;
    ConnectPhase phase_ = ConnectPhase::connect;
    std::string proxy_;  // host:port of the proxy, when there is one
    TraceHandler trace_;  // -v lines; empty when nobody listens
    Client::EventHandler on_event_;
    Endpoint endpoint_;
    connection_ptr con_;
    std::shared_ptr<detail::VerifyOutcome> verify_;
    std::deque<Message> pending_;
    std::size_t pending_bytes_ = 0;
    bool open_ = false;
    bool closing_ = false;
    bool user_closed_ = false;    // our close frame went out through close()
    bool closed_by_us_ = false;   // we started the close handshake, for whatever reason
    int sent_close_code_ = 0;
    bool tcp_connected_ = false;
    std::optional<std::chrono::steady_clock::time_point> post_init_at_;  // TCP, tunnel and TLS done
    bool awaiting_pong_ = false;
    bool pause_wanted_ = false;    // pause_reading() was asked for
    detail::PingAnswers pings_;    // the server's pings and our pongs
    std::weak_ptr<typename message_ptr::element_type> pong_in_flight_;  // released by websocketpp once written
    bool paused_for_pings_ = false;  // too many pings owed: not reading (see PingAnswers)
    EventLoop::TimerId pings_timer_ = 0;
    bool reading_paused_ = false;  // applied: no read is in flight
    bool in_read_handler_ = false;  // inside websocketpp's read handler (a message, ping or pong)
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for handlers posted to the loop
    bool draining_ = false;
    bool failed_here_ = false;   // our handlers failed the connection (a text message cut mid-character)
    enum class FirstClose { answers_the_server, ours };
    std::optional<FirstClose> first_close_;  // websocketpp's first close frame, once sent
    int failed_code_ = 0;        // the close code we failed the connection with (draining, or a ping flood)
    std::string failed_reason_;
    std::array<char, 65536> drain_buffer_{};
    std::uint64_t frames_sent_ = 0;
    std::uint64_t frame_bytes_sent_ = 0;
};

}  // namespace

Client::Client(EventLoop& loop, ClientOptions options, EventHandler on_event) {
    if (options.url.secure)
        impl_ = std::make_unique<ClientImpl<detail::TlsClient>>(loop, std::move(options), std::move(on_event));
    else
        impl_ = std::make_unique<ClientImpl<detail::PlainClient>>(loop, std::move(options), std::move(on_event));
}
Client::~Client() = default;

void Client::connect() { impl_->connect(); }
void Client::send(Message message) { impl_->send(std::move(message)); }
bool Client::close(int code, const std::string& reason) { return impl_->close(code, reason); }
bool Client::is_open() const { return impl_->is_open(); }
std::size_t Client::backlog() const { return impl_->backlog(); }
std::vector<Message> Client::take_unsent() { return impl_->take_unsent(); }
void Client::pause_reading() { impl_->pause_reading(); }
void Client::resume_reading() { impl_->resume_reading(); }
const HandshakeTrace& Client::handshake() const { return impl_->trace; }
ExitCode Client::exit_code() const { return impl_->exit; }
const std::string& Client::error_message() const { return impl_->error; }
bool Client::finished() const { return impl_->finished; }

}  // namespace wskit
