// Client::Impl: one websocketpp client endpoint and connection, plain or TLS.
#include "tls_context.hpp"
#include "wspp.hpp"

#include <wskit/client.hpp>
#include <wskit/encoding.hpp>
#include <wskit/version.hpp>

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

    HandshakeTrace trace;
    ExitCode exit = ExitCode::ok;
    std::string error;
};

namespace {

namespace wpp = websocketpp;

bool is_token_char(unsigned char c) {
    return c > 0x20 && c < 0x7f && std::string_view("()<>@,;:\\\"/[]?={}").find(static_cast<char>(c)) == std::string_view::npos;
}

// Splits a comma-separated header value into trimmed, non-empty items.
std::vector<std::string> split_list(const std::string& value) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= value.size()) {
        auto comma = value.find(',', start);
        if (comma == std::string::npos) comma = value.size();
        auto item = value.substr(start, comma - start);
        auto b = item.find_first_not_of(" \t");
        auto e = item.find_last_not_of(" \t");
        if (b != std::string::npos) items.push_back(item.substr(b, e - b + 1));
        start = comma + 1;
    }
    return items;
}

std::string raw_head(const std::string& raw) {
    auto end = raw.find("\r\n\r\n");
    return end == std::string::npos ? raw : raw.substr(0, end + 2);
}

struct Frame {
    std::string header;
    std::string payload;
};

// A client's close frame (RFC 6455 5.5.1): FIN + opcode 8, masked payload of
// the status code in network order and the reason.
Frame masked_close_frame(std::uint16_t code, const std::string& reason, std::uint32_t key) {
    std::string payload;
    payload.push_back(static_cast<char>(code >> 8));
    payload.push_back(static_cast<char>(code & 0xff));
    payload += reason;
    Frame f;
    f.header.push_back(static_cast<char>(0x88));
    f.header.push_back(static_cast<char>(0x80 | payload.size()));
    for (int i = 0; i < 4; ++i) f.header.push_back(static_cast<char>(key >> (8 * (3 - i)) & 0xff));
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ f.header[2 + i % 4]);
    f.payload = std::move(payload);
    return f;
}

template <class Endpoint>
class ClientImpl final : public Client::Impl {
    using connection_ptr = typename Endpoint::connection_ptr;
    using message_ptr = typename Endpoint::message_ptr;
    static constexpr bool tls = std::is_same_v<Endpoint, detail::TlsClient>;

public:
    ClientImpl(EventLoop& loop, ClientOptions options, Client::EventHandler on_event)
        : loop_(loop), options_(std::move(options)), on_event_(std::move(on_event)) {
        detail::configure_logging(endpoint_, options_.verbosity);
        endpoint_.init_asio(&loop_.impl().io);
        endpoint_.set_user_agent(options_.user_agent);
        endpoint_.set_max_message_size(options_.max_message_size);
        if constexpr (tls) {
            verify_ = std::make_shared<detail::VerifyOutcome>();
            auto ctx = detail::make_client_tls_context(options_.tls, verify_);
            endpoint_.set_tls_init_handler([ctx](wpp::connection_hdl) { return ctx; });
            if (!options_.tls.insecure) {
                endpoint_.set_socket_init_handler(
                    [host = options_.url.host](wpp::connection_hdl, auto& socket) {
                        detail::set_expected_host(socket.native_handle(), host);
                    });
            }
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

        for (const auto& sub : options_.subprotocols) con_->add_subprotocol(sub, ec);
        for (const auto& h : options_.headers) con_->replace_header(h.name, h.value);
        if (!options_.origin.empty()) con_->replace_header("Origin", options_.origin);
        if (!options_.host_header.empty()) con_->replace_header("Host", options_.host_header);
        std::string credentials = options_.auth;
        if (credentials.empty() && !options_.url.user.empty())
            credentials = options_.url.user + ":" + options_.url.password;
        if (!credentials.empty())
            con_->replace_header("Authorization", "Basic " + base64_encode(credentials));
        con_->set_open_handshake_timeout(options_.open_timeout.count());
        if (!options_.proxy.empty()) {
            if (auto problem = use_proxy(); !problem.empty()) return fail(ExitCode::usage, problem);
        }
        if (options_.ping_timeout.count() > 0) {
            con_->set_pong_timeout(options_.ping_timeout.count());
            con_->set_pong_timeout_handler([this](wpp::connection_hdl, std::string) { on_pong_timeout(); });
        }

        con_->set_tcp_pre_init_handler([this](wpp::connection_hdl) { tcp_connected_ = true; });
        con_->set_open_handler([this](wpp::connection_hdl) { on_open(); });
        con_->set_fail_handler([this](wpp::connection_hdl) { on_fail(); });
        con_->set_close_handler([this](wpp::connection_hdl) { on_close(); });
        con_->set_message_handler([this](wpp::connection_hdl, message_ptr msg) { on_message(msg); });
        con_->set_ping_handler([this](wpp::connection_hdl, std::string data) {
            emit_control(EventType::ping, std::move(data));
            return true;  // let websocketpp answer with a pong
        });
        con_->set_pong_handler([this](wpp::connection_hdl, std::string data) {
            awaiting_pong_ = false;
            emit_control(EventType::pong, std::move(data));
        });
        endpoint_.connect(con_);
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
        auto frame = masked_close_frame(static_cast<std::uint16_t>(code), reason.substr(0, 123), mask_keys_());
        auto msg = con_->get_message(wpp::frame::opcode::close, frame.payload.size());
        msg->set_header(frame.header);
        msg->set_payload(frame.payload);
        msg->set_prepared(true);
        if (con_->send(msg)) return false;
        messages_->outgoing_closed = true;
        closing_ = true;
        user_closed_ = true;
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

    std::vector<Message> take_unsent() override {
        std::vector<Message> out(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
        pending_.clear();
        pending_bytes_ = 0;
        return out;
    }

private:
    // HTTP CONNECT through options_.proxy; returns a problem, or "".
    std::string use_proxy() {
        Url proxy;
        try {
            proxy = parse_url(options_.proxy);
        } catch (const Error& e) {
            return fmt::format("invalid proxy '{}': {}", options_.proxy, e.what());
        }
        if (proxy.secure) return fmt::format("proxy '{}': only http:// proxies are supported", options_.proxy);
        proxy_ = proxy.authority();
        wpp::lib::error_code ec;
        con_->set_proxy("http://" + proxy_, ec);
        if (!ec && !proxy.user.empty()) con_->set_proxy_basic_auth(proxy.user, proxy.password, ec);
        return ec ? fmt::format("proxy '{}': {}", options_.proxy, ec.message()) : std::string();
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
        if (!open_ || exit != ExitCode::ok) return;
        exit = ExitCode::abnormal_close;
        error = fmt::format("no pong from the server within {} s (--ping-timeout); dropping the connection",
                            static_cast<double>(options_.ping_timeout.count()) / 1000);
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
        if (exit == ExitCode::ok) {
            exit = code;
            error = std::move(why);
        }
        wpp::lib::error_code ec;
        if (!closing_) con_->close(wpp::close::status::normal, "", ec);
        closing_ = true;
    }

    void capture_handshake() {
        trace.request = raw_head(con_->get_request().raw());
        const auto& res = con_->get_response();
        trace.status = res.get_status_code();
        if (trace.status != 0) {
            trace.response = raw_head(res.raw());
            trace.body = res.get_body();
            trace.location = res.get_header("Location");
        }
        trace.connected = tcp_connected_;
        if (tcp_connected_) trace.remote = con_->get_remote_endpoint();
    }

    // RFC 6455 4.1: the client fails the connection when the server selects a
    // subprotocol or an extension that it did not offer. websocketpp checks
    // neither, so these checks run here.
    std::string check_negotiation() const {
        const auto& res = con_->get_response();
        auto chosen = res.get_header("Sec-WebSocket-Protocol");
        if (!chosen.empty()) {
            const auto& offered = options_.subprotocols;
            if (std::find(offered.begin(), offered.end(), chosen) == offered.end())
                return offered.empty()
                           ? fmt::format("the server chose subprotocol '{}', but none was offered",
                                         escape_controls(chosen))
                           : fmt::format("the server chose subprotocol '{}', which was not offered ({})",
                                         escape_controls(chosen), fmt::join(offered, ", "));
        }
        auto extensions = split_list(res.get_header("Sec-WebSocket-Extensions"));
        if (!extensions.empty())
            return fmt::format("the server enabled extension '{}', which was not offered",
                               escape_controls(extensions.front()));
        return {};
    }

    void on_open() {
        capture_handshake();
        if (auto problem = check_negotiation(); !problem.empty()) {
            exit = ExitCode::handshake;
            error = "handshake rejected: " + problem;
            negotiation_failed_ = true;
            wpp::lib::error_code ec;
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
        on_event_(e);
    }

    void on_message(const message_ptr& msg) {
        in_message_handler_ = true;  // a close from here: websocketpp goes on reading
        bool rejected = detail::reject_truncated_text(*con_, msg);
        in_message_handler_ = false;
        if (rejected) return;
        Event e;
        e.type = EventType::message;
        e.message.opcode =
            msg->get_opcode() == wpp::frame::opcode::binary ? Opcode::binary : Opcode::text;
        e.message.payload = std::move(msg->get_raw_payload());
        on_event_(e);
    }

    void emit_control(EventType type, std::string data) {
        Event e;
        e.type = type;
        e.message.opcode = type == EventType::ping ? Opcode::ping : Opcode::pong;
        e.message.payload = std::move(data);
        on_event_(e);
    }

    // websocketpp fails the connection (1009 for a message over --max-size,
    // 1002, 1007) and then stops reading. Its close frame is not terminal
    // (see detail::ClientMessage): this reads and discards what still
    // arrives, so that the server can finish sending, read the close frame
    // and answer; the connection ends when the server closes TCP, or after
    // close_linger. A close from our handlers (a failed negotiation, a
    // truncated text message) needs none of it: websocketpp reads on.
    void on_error_close() {
        if (draining_ || negotiation_failed_ || in_message_handler_) return;
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
        loop_.cancel(close_timer_);
        loop_.cancel(ping_timer_);
        const int remote = con_->get_remote_close_code();
        const int local = draining_ ? failed_code_ : con_->get_local_close_code();
        const bool failed_here = !user_closed_ && detail::failed_by_library(local);
        Event e = detail::close_event(*con_, failed_here);
        if (draining_) {
            e.code = failed_code_;
            e.reason = failed_reason_;
        }
        const bool clean = e.clean;

        if (exit != ExitCode::ok) {
            // already explained: a failed negotiation, or bad input on our side
        } else if (failed_here) {
            exit = ExitCode::abnormal_close;
            error = local == wpp::close::status::message_too_big
                        ? fmt::format("a message from the server exceeds --max-size ({} bytes); closed with 1009",
                                      options_.max_message_size)
                        : fmt::format("the server broke the protocol ({}); closed with {}",
                                      e.reason.empty() ? con_->get_ec().message() : e.reason, local);
        } else if (!clean) {
            exit = ExitCode::abnormal_close;
            error = user_closed_ ? "the server did not complete the close handshake (1006)"
                                 : "the server dropped the connection without a close frame (1006)";
        } else if (!user_closed_ && remote != wpp::close::status::no_status) {
            exit = exit_code_for_close(remote);
            if (exit != ExitCode::ok)
                error = fmt::format("the server closed the connection with code {}{}{}", remote,
                                    e.reason.empty() ? "" : ": ", escape_controls(e.reason));
        }
        on_event_(e);
    }

    void on_fail() {
        capture_handshake();
        auto ec = con_->get_ec();
        auto tec = con_->get_transport_ec();
        const auto& url = options_.url;
        if (ec == wpp::transport::asio::error::proxy_failed) trace.connected = false;  // only the proxy answered
        if (trace.status != 0 && trace.status != 101) {
            exit = ExitCode::handshake;
            // The reason phrase and Location are the server's words: escaped.
            auto reason = escape_controls(con_->get_response().get_status_msg());
            if (trace.status >= 300 && trace.status < 400 && !trace.location.empty()) {
                error = fmt::format("handshake rejected: {} answered {} {} redirecting to {} (use -L to follow)",
                                    url.str(), trace.status, reason, escape_controls(trace.location));
            } else {
                error = fmt::format("handshake rejected: {} answered HTTP {} {} instead of 101{}", url.str(),
                                    trace.status, reason,
                                    options_.verbosity > 0 ? "" : " (use -v to see the response)");
            }
        } else if (trace.status == 101) {
            exit = ExitCode::handshake;
            error = fmt::format("handshake rejected: invalid 101 response from {}: {} (bad Sec-WebSocket-Accept, Upgrade or Connection header)",
                                url.str(), ec.message());
        } else if (ec.category() == wpp::transport::asio::socket::get_socket_category() ||
                   tec.category() == asio::error::get_ssl_category()) {
            exit = ExitCode::tls;
            std::string why = verify_ ? verify_->reason : std::string{};
            if (why.empty()) why = detail::last_openssl_error();
            if (why.empty()) why = ec.message();
            error = verify_ && !verify_->reason.empty()
                        ? fmt::format("TLS verification of {} failed: {} (use --ca FILE to trust its CA, or -k to skip verification)",
                                      url.host, why)
                        : fmt::format("TLS handshake with {} failed: {} (is it a TLS server? does it support TLS {}+?)",
                                      url.authority(), why, options_.tls.min_version);
        } else if (tls && tcp_connected_ && trace.status == 0 &&
                   (tec == asio::error::broken_pipe || tec == asio::error::connection_reset ||
                    tec == asio::error::eof || tec == asio::ssl::error::stream_truncated)) {
            // With TLS 1.3 the server checks the client's certificate after
            // the client's side of the handshake is done: a refusal shows up
            // as a reset or an alert on the first read or write.
            exit = ExitCode::tls;
            std::string why = detail::last_openssl_error();
            error = fmt::format("TLS session with {} failed: {} (does the server require a client certificate? "
                                "give one with --cert and --key)",
                                url.authority(), why.empty() ? tec.message() : why);
        } else if (ec == wpp::transport::asio::error::proxy_failed) {
            exit = ExitCode::connect;
            const auto& answer = endpoint_.get_elog().proxy_answer;
            bool auth = answer.rfind("401", 0) == 0 || answer.rfind("407", 0) == 0;
            error = fmt::format("the proxy {} refused to open a tunnel to {}: {}{}", proxy_, url.authority(),
                                answer.empty() ? "no answer" : escape_controls(answer),
                                auth ? " (check the proxy credentials: --proxy http://user:pass@host:port)" : "");
        } else if (ec == wpp::error::open_handshake_timeout && tcp_connected_) {
            exit = ExitCode::handshake;
            error = fmt::format("timed out waiting for the handshake response from {} (after {} ms)",
                                url.str(), options_.open_timeout.count());
        } else {
            exit = ExitCode::connect;
            std::string why = tec ? tec.message() : ec.message();
            if (tec == asio::error::host_not_found || tec == asio::error::host_not_found_try_again)
                why = "host name not found";
            error = proxy_.empty() ? fmt::format("cannot connect to {}: {}", url.authority(), why)
                                   : fmt::format("cannot connect to the proxy {} (for {}): {}", proxy_,
                                                 url.authority(), why);
        }
        Event e;
        e.type = EventType::error;
        e.text = error;
        on_event_(e);
    }

    void fail(ExitCode code, std::string why) {
        exit = code;
        error = std::move(why);
        Event e;
        e.type = EventType::error;
        e.text = error;
        loop_.post([this, e] { on_event_(e); });
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
    std::string proxy_;  // host:port of the proxy, when there is one
    Client::EventHandler on_event_;
    Endpoint endpoint_;
    connection_ptr con_;
    std::shared_ptr<detail::VerifyOutcome> verify_;
    std::deque<Message> pending_;
    std::size_t pending_bytes_ = 0;
    bool open_ = false;
    bool closing_ = false;
    bool user_closed_ = false;
    bool tcp_connected_ = false;
    bool negotiation_failed_ = false;
    bool awaiting_pong_ = false;
    bool in_message_handler_ = false;
    bool draining_ = false;
    int failed_code_ = 0;        // the close code we failed the connection with, while draining
    std::string failed_reason_;
    std::array<char, 65536> drain_buffer_{};
    std::uint64_t frames_sent_ = 0;
    std::uint64_t frame_bytes_sent_ = 0;
};

}  // namespace

Header parse_header(std::string_view text) {
    auto colon = text.find(':');
    auto bad = [&](const char* why) -> Header {
        throw Error(ExitCode::usage, fmt::format("invalid header '{}': {} (expected 'Name: value')", escape_controls(text), why));
    };
    if (colon == std::string_view::npos) return bad("no colon");
    auto name = text.substr(0, colon);
    if (name.empty()) return bad("empty name");
    for (unsigned char c : name)
        if (!is_token_char(c)) return bad("the name has a character not allowed in a header name");
    auto value = text.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    for (unsigned char c : value)
        if (c == '\r' || c == '\n') return bad("line breaks are not allowed in a header value");
    return {std::string(name), std::string(value)};
}

std::string default_user_agent() { return fmt::format("wskit/{}", version()); }

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
const HandshakeTrace& Client::handshake() const { return impl_->trace; }
ExitCode Client::exit_code() const { return impl_->exit; }
const std::string& Client::error_message() const { return impl_->error; }

}  // namespace wskit
