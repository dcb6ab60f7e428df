// Server::Impl: one websocketpp server endpoint, plain or TLS.
#include "tls_context.hpp"
#include "wspp.hpp"

#include <wskit/encoding.hpp>
#include <wskit/server.hpp>

#include <fmt/format.h>

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
    using message_ptr = typename Endpoint::message_ptr;
    static constexpr bool tls = std::is_same_v<Endpoint, detail::TlsServer>;

public:
    ServerImpl(EventLoop& loop, ServerOptions opts, Server::Handlers handlers)
        : handlers_(std::move(handlers)) {
        options = std::move(opts);
        detail::configure_logging(endpoint_, options.verbosity);
        endpoint_.init_asio(&loop.impl().io);
        endpoint_.set_reuse_addr(true);
        endpoint_.set_listen_backlog(options.listen_backlog);
        endpoint_.set_max_message_size(options.max_message_size);
        endpoint_.set_user_agent(default_user_agent());  // the Server header
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

    void listen() override {
        asio::error_code ec;
        endpoint_.listen(options.host, std::to_string(options.port), ec);
        if (!ec) endpoint_.start_accept(ec);
        if (ec)
            throw Error(ExitCode::runtime,
                        fmt::format("cannot listen on {}:{}: {}{}", options.host, options.port, ec.message(),
                                    ec == asio::error::address_in_use ? " (choose another port, or 0 for a free one)" : ""));
        port_ = endpoint_.get_local_endpoint(ec).port();
    }

    std::uint16_t port() const override { return port_; }

    void send(ConnId id, Message message) override {
        auto it = connections_.find(id);
        if (it == connections_.end()) return;
        auto ec = detail::send_message(*it->second, message);
        if (!ec) {
            ++stats.messages_out;
            stats.bytes_out += message.payload.size();
        }
    }

    void close(ConnId id, int code, const std::string& reason) override {
        auto it = connections_.find(id);
        if (it == connections_.end()) return;
        wpp::lib::error_code ec;
        it->second->close(static_cast<wpp::close::status::value>(code), reason, ec);
    }

    void shutdown(int code, const std::string& reason) override {
        wpp::lib::error_code ec;
        if (endpoint_.is_listening()) endpoint_.stop_listening(ec);
        for (auto& [id, con] : connections_) con->close(static_cast<wpp::close::status::value>(code), reason, ec);
    }

    std::size_t connection_count() const override { return connections_.size(); }

private:
    bool on_validate(wpp::connection_hdl hdl) {
        auto con = endpoint_.get_con_from_hdl(hdl);
        auto req = to_http_request(*con);
        auto rejection = check_handshake_request(req);
        if (!rejection && options.max_clients && connections_.size() >= options.max_clients) {
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
        ++stats.connections_total;
        connections_.emplace(id, con.get());
        if (handlers_.on_event) {
            Event e;
            e.type = EventType::open;
            e.conn = id;
            e.text = con->get_resource();
            e.subprotocol = con->get_subprotocol();
            e.peer = con->get_remote_endpoint();
            handlers_.on_event(e);
        }
    }

    void on_message(wpp::connection_hdl hdl, const message_ptr& msg) {
        auto con = endpoint_.get_con_from_hdl(hdl);
        if (detail::reject_truncated_text(*con, msg)) return;
        const auto& payload = msg->get_payload();
        ++stats.messages_in;
        stats.bytes_in += payload.size();
        if (options.echo) {
            // Re-send the received message as a prepared frame: the payload was
            // validated on receipt, and server frames are not masked, so this
            // skips websocketpp's second UTF-8 pass and its copy of the payload.
            namespace frame = wpp::frame;
            msg->set_header(frame::prepare_header(frame::basic_header(msg->get_opcode(), payload.size(), true, false),
                                                  frame::extended_header(payload.size())));
            msg->set_prepared(true);
            con->send(msg);
            ++stats.messages_out;
            stats.bytes_out += payload.size();
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
        if (!handlers_.on_event) return true;
        Event e;
        e.type = type;
        e.conn = endpoint_.get_con_from_hdl(hdl)->wskit_id;
        e.message.opcode = type == EventType::ping ? Opcode::ping : Opcode::pong;
        e.message.payload = std::move(data);
        handlers_.on_event(e);
        return true;  // pings are answered by websocketpp
    }

    void on_close(wpp::connection_hdl hdl) {
        auto con = endpoint_.get_con_from_hdl(hdl);
        ConnId id = con->wskit_id;
        connections_.erase(id);
        if (!handlers_.on_event) return;
        Event e = detail::close_event(*con, detail::failed_by_library(con->get_local_close_code()));
        e.conn = id;
        handlers_.on_event(e);
    }

    static constexpr std::chrono::milliseconds close_handshake_timeout{900};

    Server::Handlers handlers_;
    Endpoint endpoint_;
    std::unordered_map<ConnId, connection_type*> connections_;
    ConnId next_id_ = 1;
    std::uint16_t port_ = 0;
};

}  // namespace

std::string HttpRequest::header(std::string_view name) const {
    for (const auto& h : headers) {
        if (h.name.size() == name.size() &&
            std::equal(name.begin(), name.end(), h.name.begin(),
                       [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) ==
                                                   std::tolower(static_cast<unsigned char>(b)); }))
            return h.value;
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
ServerStats Server::stats() const { return impl_->stats; }

}  // namespace wskit
