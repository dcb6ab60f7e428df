// Server::Impl: one websocketpp server endpoint, plain or TLS.
#include "descriptors.hpp"
#include "headers.hpp"
#include "tls_context.hpp"
#include "wspp.hpp"

#include <wskit/encoding.hpp>
#include <wskit/server.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <unordered_map>

namespace wskit {

struct Server::Impl {
    virtual ~Impl() = default;
    virtual void listen() = 0;
    virtual std::uint16_t port() const = 0;
    virtual void send(ConnId id, Message message) = 0;
    virtual void close(ConnId id, int code, const std::string& reason) = 0;
    virtual void shutdown(int code, const std::string& reason) = 0;
    virtual std::size_t connection_count() const = 0;
    virtual std::size_t buffered_amount(ConnId id) const = 0;
    virtual const HttpRequest* request(ConnId id) const = 0;
    virtual void hold_reading(ConnId id, bool hold) = 0;

    ServerOptions options;
    ServerStats stats;
};

namespace {

namespace wpp = websocketpp;

template <class Con>
HttpRequest to_http_request(Con& con) {
    const auto& req = con.get_request();
    HttpRequest out;
    out.method = req.get_method();
    out.resource = con.get_resource();
    out.version = req.get_version();
    // Shows the request as the client sent it (see StrictVersionRequest).
    const auto& received = req.get_header(detail::StrictVersionRequest::received_version_header);
    for (const auto& [name, value] : req.get_headers()) {
        if (name == detail::StrictVersionRequest::received_version_header) continue;
        if (!received.empty() && name == "Sec-WebSocket-Version") {
            if (received != "none") out.headers.push_back({name, received});
            continue;
        }
        out.headers.push_back({name, value});
    }
    out.remote = con.get_remote_endpoint();
    asio::error_code ec;
    auto endpoint = con.get_raw_socket().remote_endpoint(ec);
    if (!ec) {
        auto address = endpoint.address();
        if (address.is_v6() && address.to_v6().is_v4_mapped())
            address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
        out.remote_address = address.to_string();
        out.remote_port = endpoint.port();
    }
    return out;
}

template <class Con>
void apply_response(Con& con, const HttpResponse& res) {
    con.set_status(static_cast<wpp::http::status_code::value>(res.status));
    for (const auto& h : res.headers) con.replace_header(h.name, h.value);
    con.set_body(res.body);
}

HttpResponse text_response(int status, std::string body) {
    return {status, {{"Content-Type", "text/plain; charset=utf-8"}}, std::move(body)};
}

// RFC 6455 4.2.1 checks that websocketpp leaves out: it accepts keys of any
// length and the drafts' versions 0, 7 and 8.
std::optional<HttpResponse> check_handshake_request(const HttpRequest& req) {
    auto version = req.header("Sec-WebSocket-Version");
    if (version != "13") {
        auto res = text_response(426, "Unsupported WebSocket version; this server speaks version 13 (RFC 6455).\n");
        res.headers.push_back({"Sec-WebSocket-Version", "13"});
        return res;
    }
    auto key = base64_decode(req.header("Sec-WebSocket-Key"));
    if (!key || key->size() != 16)
        return text_response(400, "Bad WebSocket handshake: Sec-WebSocket-Key must be 16 bytes in base64.\n");
    return std::nullopt;
}

std::string server_url(const ServerOptions& options, std::uint16_t port) {
    bool v6 = options.host.find(':') != std::string::npos;
    return fmt::format("{}://{}{}{}:{}/", options.tls.cert_file.empty() ? "ws" : "wss", v6 ? "[" : "",
                       options.host, v6 ? "]" : "", port);
}

template <class Endpoint>
class ServerImpl final : public Server::Impl {
    using connection_type = typename Endpoint::connection_type;
    using connection_ptr = typename Endpoint::connection_ptr;
    using message_ptr = typename Endpoint::message_ptr;
    using Clock = std::chrono::steady_clock;
    static constexpr bool tls = std::is_same_v<Endpoint, detail::TlsServer>;

    struct Connection {
        connection_type* con = nullptr;
        BackpressureState backpressure;
        EventLoop::TimerId backlog_timer = 0;  // re-checks a backlog over the cap when its grace ends
        // Set when backpressure closed it: its close event reports that,
        // not how the unanswered close handshake ended.
        std::optional<std::pair<int, std::string>> backlog_close;
        HttpRequest request;  // the opening handshake's, for Server::request
        bool held_by_owner = false;  // Server::pause_reading
    };

public:
    ServerImpl(EventLoop& loop, ServerOptions opts, Server::Handlers handlers)
        : loop_(loop), handlers_(std::move(handlers)) {
        options = std::move(opts);
        limits_ = resolve_backpressure(options.backpressure, options.max_message_size);
        detail::configure_logging(endpoint_, options.verbosity);
        endpoint_.init_asio(&loop.impl().io);
        endpoint_.set_reuse_addr(true);
        endpoint_.set_listen_backlog(options.listen_backlog);
        endpoint_.set_max_message_size(options.max_message_size);
        endpoint_.set_user_agent(default_user_agent());  // the Server header
        endpoint_.deflate_policy = options.compress;
        endpoint_.set_open_handshake_timeout(options.handshake_timeout.count());
        // Also how long a connection failed for a protocol error lingers
        // (see ServerMessage), and within the 1 s a shutdown is allowed.
        endpoint_.set_close_handshake_timeout(close_handshake_timeout.count());
        if constexpr (tls) {
            auto ctx = detail::make_server_tls_context(options.tls);
            endpoint_.set_tls_init_handler([ctx](wpp::connection_hdl) { return ctx; });
        }
        endpoint_.set_validate_handler([this](wpp::connection_hdl hdl) { return on_validate(hdl); });
        endpoint_.set_http_handler([this](wpp::connection_hdl hdl) { on_http(hdl); });
        endpoint_.set_open_handler([this](wpp::connection_hdl hdl) { on_open(hdl); });
        endpoint_.set_message_handler([this](wpp::connection_hdl hdl, message_ptr msg) { on_message(hdl, msg); });
        endpoint_.set_close_handler([this](wpp::connection_hdl hdl) { on_close(hdl); });
        endpoint_.set_ping_handler([this](wpp::connection_hdl hdl, std::string data) {
            return emit_control(hdl, EventType::ping, std::move(data));
        });
        endpoint_.set_pong_handler([this](wpp::connection_hdl hdl, std::string data) {
            emit_control(hdl, EventType::pong, std::move(data));
        });
    }

    ~ServerImpl() override {
        if (accept_timer_) loop_.cancel(accept_timer_);
        for (auto& [id, c] : connections_)
            if (c.backlog_timer) loop_.cancel(c.backlog_timer);
    }

    void listen() override {
        descriptor_limit_ = detail::raise_descriptor_limit();
        asio::error_code ec;
        endpoint_.listen(options.host, std::to_string(options.port), ec);
        if (ec)
            throw Error(ExitCode::runtime,
                        fmt::format("cannot listen on {}:{}: {}{}", options.host, options.port, ec.message(),
                                    ec == asio::error::address_in_use ? " (choose another port, or 0 for a free one)" : ""));
        port_ = endpoint_.get_local_endpoint(ec).port();
        do_accept();
    }

    std::uint16_t port() const override { return port_; }

    void send(ConnId id, Message message) override {
        auto it = connections_.find(id);
        if (it == connections_.end()) return;
        auto ec = detail::send_message(*it->second.con, message);
        if (!ec) {
            ++stats.messages_out;
            stats.bytes_out += message.payload.size();
            queued(id, *it->second.con);
        }
    }

    void close(ConnId id, int code, const std::string& reason) override {
        auto it = connections_.find(id);
        if (it == connections_.end()) return;
        wpp::lib::error_code ec;
        it->second.con->close(static_cast<wpp::close::status::value>(code), reason, ec);
    }

    void shutdown(int code, const std::string& reason) override {
        wpp::lib::error_code ec;
        if (endpoint_.is_listening()) endpoint_.stop_listening(ec);
        if (accept_timer_) loop_.cancel(accept_timer_);
        accept_timer_ = 0;
        for (auto& [id, c] : connections_) c.con->close(static_cast<wpp::close::status::value>(code), reason, ec);
    }

    std::size_t connection_count() const override { return connections_.size(); }

    std::size_t buffered_amount(ConnId id) const override {
        auto it = connections_.find(id);
        return it == connections_.end() ? 0 : unsent(*it->second.con);
    }

    const HttpRequest* request(ConnId id) const override {
        auto it = connections_.find(id);
        return it == connections_.end() ? nullptr : &it->second.request;
    }

    void hold_reading(ConnId id, bool hold) override {
        auto it = connections_.find(id);
        if (it == connections_.end() || it->second.held_by_owner == hold) return;
        auto& c = it->second;
        c.held_by_owner = hold;
        if (hold)
            c.con->hold_reads();
        else if (!c.backpressure.paused)
            c.con->release_reads();
    }

private:
    // --- accepting ------------------------------------------------------

    // websocketpp's own accept loop (start_accept) retries at once after any
    // error: out of descriptors, the pending connection stays in the backlog
    // and every retry fails again, at 100 % CPU. This loop is the same but
    // waits accept_pause after EMFILE/ENFILE, so that connections closing
    // meanwhile free descriptors and the backlog is served then.
    static constexpr std::chrono::milliseconds accept_pause{250};

    void do_accept() {
        accept_timer_ = 0;
        if (!endpoint_.is_listening()) return;
        connection_ptr con = endpoint_.get_connection();
        if (!con) return;
        wpp::lib::error_code ec;
        endpoint_.async_accept(con, [this, con](const wpp::lib::error_code& accept_ec) { on_accept(con, accept_ec); },
                               ec);
        if (ec) con->terminate(wpp::lib::error_code());
    }

    void on_accept(const connection_ptr& con, const wpp::lib::error_code& ec) {
        if (!ec) {
            con->start();
            return do_accept();
        }
        con->terminate(ec);
        if (ec == wpp::error::operation_canceled) return;  // stopped listening
        if (out_of_descriptors(ec)) {
            warn_out_of_descriptors();
            accept_timer_ = loop_.after(accept_pause, [this] { do_accept(); });
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
        if (last_descriptor_warning_ && now - *last_descriptor_warning_ < std::chrono::minutes(1)) return;
        last_descriptor_warning_ = now;
        std::string limit = descriptor_limit_ ? fmt::format(" of {}", descriptor_limit_) : "";
        warn(fmt::format("out of file descriptors ({}{} open); pausing accepts for {} ms at a time until clients "
                         "leave (the hard limit is raised with ulimit -Hn, as root)",
                         detail::open_descriptor_count(), limit, accept_pause.count()));
    }

    void warn(const std::string& text) {
        if (handlers_.on_warning) return handlers_.on_warning(text);
        std::fprintf(stderr, "wskit: %s\n", text.c_str());
    }

    // --- backpressure ---------------------------------------------------

    static std::size_t unsent(const connection_type& con) {
        return con.get_buffered_amount() + con.in_flight_bytes +
               frame_overhead * (con.queued_frames + con.in_flight_frames);
    }

    // After the server has queued a frame on the connection.
    void queued(ConnId id, connection_type& con) {
        ++con.queued_frames;
        check_backpressure(id);
    }

    // Whenever the unsent bytes may have changed: after queueing, and after
    // each completed write (see ServerTransportConnection).
    void check_backpressure(ConnId id) {
        auto it = connections_.find(id);
        if (it == connections_.end()) return;
        auto& c = it->second;
        std::size_t bytes = unsent(*c.con);
        // The common case, once per echoed message: nothing to do, and no
        // need to read the clock.
        if (!c.backpressure.paused && !c.backpressure.over_cap_since && bytes <= limits_.high_mark) return;
        auto now = Clock::now();
        auto step = backpressure_step(limits_, c.backpressure, bytes, now);
        // A connection already closing is left to its close handshake timeout.
        if (step.action == BackpressureAction::close && c.con->get_state() != wpp::session::state::open) return;
        c.backpressure = step.next;
        switch (step.action) {
            case BackpressureAction::pause_reading: c.con->hold_reads(); break;
            case BackpressureAction::resume_reading:
                if (!c.held_by_owner) c.con->release_reads();
                break;
            case BackpressureAction::close: {
                // The close frame waits behind the backlog; if the peer never
                // reads it, the close handshake timeout drops the connection.
                wpp::lib::error_code ec;
                auto reason = fmt::format("send backlog over {} bytes for {} s: the client is not reading",
                                          limits_.max_backlog, limits_.grace.count() / 1000.0);
                c.backlog_close.emplace(wpp::close::status::policy_violation, reason);
                c.con->close(wpp::close::status::policy_violation, reason, ec);
                return;
            }
            case BackpressureAction::none: break;
        }
        if (c.backpressure.over_cap_since && !c.backlog_timer) {
            auto due = std::chrono::ceil<std::chrono::milliseconds>(*c.backpressure.over_cap_since + limits_.grace - now);
            c.backlog_timer = loop_.after(std::max(due, std::chrono::milliseconds(1)), [this, id] {
                auto found = connections_.find(id);
                if (found == connections_.end()) return;
                found->second.backlog_timer = 0;
                check_backpressure(id);
            });
        }
    }

    // --- handlers -------------------------------------------------------

    bool on_validate(wpp::connection_hdl hdl) {
        auto con = endpoint_.get_con_from_hdl(hdl);
        auto req = to_http_request(*con);
        auto rejection = check_handshake_request(req);
        if (!rejection && options.max_clients && open_count() >= options.max_clients) {
            rejection = text_response(503, fmt::format("Server full: at most {} clients.\n", options.max_clients));
            rejection->headers.push_back({"Retry-After", "1"});
        }
        if (!rejection && handlers_.on_handshake) rejection = handlers_.on_handshake(req);
        if (rejection) {
            apply_response(*con, *rejection);
            return false;
        }
        for (const auto& offered : con->get_requested_subprotocols()) {
            if (std::find(options.subprotocols.begin(), options.subprotocols.end(), offered) !=
                options.subprotocols.end()) {
                con->select_subprotocol(offered);
                break;
            }
        }
        return true;
    }

    // Connections whose close handshake is over no longer hold a slot, even
    // while their transport is still being torn down.
    std::size_t open_count() const {
        if (connections_.size() < options.max_clients) return connections_.size();
        return std::count_if(connections_.begin(), connections_.end(), [](const auto& entry) {
            return entry.second.con->get_state() != wpp::session::state::closed;
        });
    }

    void on_http(wpp::connection_hdl hdl) {
        auto con = endpoint_.get_con_from_hdl(hdl);
        auto req = to_http_request(*con);
        // A request that tries to upgrade but lacks "Upgrade: websocket" or
        // "Connection: Upgrade" is a broken handshake, not a page request.
        if (!req.header("Sec-WebSocket-Key").empty() || !req.header("Upgrade").empty() ||
            !req.header("Sec-WebSocket-Version").empty()) {
            apply_response(*con, text_response(400, "Bad WebSocket handshake: it needs \"Upgrade: websocket\" and \"Connection: Upgrade\".\n"));
            return;
        }
        apply_response(*con, handlers_.on_http ? handlers_.on_http(req) : upgrade_required_page(server_url(options, port_)));
    }

    void on_open(wpp::connection_hdl hdl) {
        auto con = endpoint_.get_con_from_hdl(hdl);
        ConnId id = next_id_++;
        con->wskit_id = id;
        con->compressed = options.compress && !con->get_response_header("Sec-WebSocket-Extensions").empty();
        ++stats.connections_total;
        auto& c = connections_[id];
        c.con = con.get();
        c.request = to_http_request(*con);
        con->on_write_done = [this, id] { check_backpressure(id); };
        if (handlers_.on_event) {
            Event e;
            e.type = EventType::open;
            e.conn = id;
            e.text = con->get_resource();
            e.subprotocol = con->get_subprotocol();
            e.peer = con->get_remote_endpoint();
            if (options.compress) e.compression = read_deflate_response(con->get_response_header("Sec-WebSocket-Extensions"));
            handlers_.on_event(e);
        }
    }

    void on_message(wpp::connection_hdl hdl, const message_ptr& msg) {
        auto con = endpoint_.get_con_from_hdl(hdl);
        if (detail::reject_truncated_text(*con, msg)) return;
        const auto& payload = msg->get_payload();
        ++stats.messages_in;
        stats.bytes_in += payload.size();
        if (options.echo && con->compressed) {
            // Compressed on the way out (websocketpp compresses what it prepares).
            if (!con->send(payload, msg->get_opcode())) {
                ++stats.messages_out;
                stats.bytes_out += payload.size();
                queued(con->wskit_id, *con);
            }
        } else if (options.echo) {
            // Re-send the received message as a prepared frame: the payload was
            // validated on receipt, and server frames are not masked, so this
            // skips websocketpp's second UTF-8 pass and its copy of the payload.
            namespace frame = wpp::frame;
            msg->set_header(frame::prepare_header(frame::basic_header(msg->get_opcode(), payload.size(), true, false),
                                                  frame::extended_header(payload.size())));
            msg->set_prepared(true);
            if (!con->send(msg)) {
                ++stats.messages_out;
                stats.bytes_out += payload.size();
                queued(con->wskit_id, *con);
            }
        }
        if (!handlers_.on_event || !options.message_events) return;
        Event e;
        e.type = EventType::message;
        e.conn = con->wskit_id;
        e.message.opcode = msg->get_opcode() == wpp::frame::opcode::binary ? Opcode::binary : Opcode::text;
        if (options.echo)
            e.message.payload = payload;
        else
            e.message.payload = std::move(msg->get_raw_payload());
        handlers_.on_event(e);
    }

    bool emit_control(wpp::connection_hdl hdl, EventType type, std::string data) {
        auto con = endpoint_.get_con_from_hdl(hdl);
        // websocketpp queues the pong right after this returns: it counts
        // like any frame, so a ping flood is bounded too.
        if (type == EventType::ping) queued(con->wskit_id, *con);
        if (!handlers_.on_event) return true;
        Event e;
        e.type = type;
        e.conn = con->wskit_id;
        e.message.opcode = type == EventType::ping ? Opcode::ping : Opcode::pong;
        e.message.payload = std::move(data);
        handlers_.on_event(e);
        return true;  // pings are answered by websocketpp
    }

    void on_close(wpp::connection_hdl hdl) {
        auto con = endpoint_.get_con_from_hdl(hdl);
        ConnId id = con->wskit_id;
        con->on_write_done = nullptr;
        std::optional<std::pair<int, std::string>> backlog_close;
        auto it = connections_.find(id);
        if (it != connections_.end()) {
            if (it->second.backlog_timer) loop_.cancel(it->second.backlog_timer);
            backlog_close = std::move(it->second.backlog_close);
            connections_.erase(it);
        }
        if (!handlers_.on_event) return;
        Event e = detail::close_event(*con, detail::failed_by_library(con->get_local_close_code()));
        if (backlog_close) {
            e.code = backlog_close->first;
            e.reason = backlog_close->second;
            e.direction = Direction::out;  // the server started that close
        }
        e.conn = id;
        handlers_.on_event(e);
    }

    static constexpr std::chrono::milliseconds close_handshake_timeout{900};

    EventLoop& loop_;
    Server::Handlers handlers_;
    Endpoint endpoint_;
    BackpressureLimits limits_;
    std::unordered_map<ConnId, Connection> connections_;
    EventLoop::TimerId accept_timer_ = 0;
    std::size_t descriptor_limit_ = 0;
    std::optional<Clock::time_point> last_descriptor_warning_;
    ConnId next_id_ = 1;
    std::uint16_t port_ = 0;
};

}  // namespace

std::string HttpRequest::header(std::string_view name) const {
    for (const auto& h : headers) {
        if (detail::same_header_name(h.name, name)) return h.value;
    }
    return {};
}

HttpResponse upgrade_required_page(const std::string& url) {
    HttpResponse res = text_response(
        426, fmt::format("This is a WebSocket endpoint. Connect with a WebSocket client, for example:\n"
                         "  wskit connect {}\n",
                         url));
    res.headers.push_back({"Upgrade", "websocket"});
    res.headers.push_back({"Connection", "Upgrade"});
    res.headers.push_back({"Sec-WebSocket-Version", "13"});
    return res;
}

Server::Server(EventLoop& loop, ServerOptions options, Handlers handlers) {
    if (!options.tls.cert_file.empty())
        impl_ = std::make_unique<ServerImpl<detail::TlsServer>>(loop, std::move(options), std::move(handlers));
    else
        impl_ = std::make_unique<ServerImpl<detail::PlainServer>>(loop, std::move(options), std::move(handlers));
}
Server::~Server() = default;

void Server::listen() { impl_->listen(); }
std::uint16_t Server::port() const { return impl_->port(); }
std::string Server::url() const { return server_url(impl_->options, impl_->port()); }
void Server::send(ConnId id, Message message) { impl_->send(id, std::move(message)); }
void Server::close(ConnId id, int code, const std::string& reason) { impl_->close(id, code, reason); }
void Server::shutdown(int code, const std::string& reason) { impl_->shutdown(code, reason); }
std::size_t Server::connection_count() const { return impl_->connection_count(); }
std::size_t Server::buffered_amount(ConnId id) const { return impl_->buffered_amount(id); }
ServerStats Server::stats() const { return impl_->stats; }
void Server::pause_reading(ConnId id) { impl_->hold_reading(id, true); }
void Server::resume_reading(ConnId id) { impl_->hold_reading(id, false); }
std::optional<HttpRequest> Server::request(ConnId id) const {
    const auto* req = impl_->request(id);
    return req ? std::optional<HttpRequest>(*req) : std::nullopt;
}

}  // namespace wskit
