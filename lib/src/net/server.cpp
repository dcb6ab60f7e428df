// Server::Impl: one websocketpp server endpoint, plain or TLS: its set-up and
// websocketpp's handlers, which all read and write the connection table (the
// accept loop, the handshake policy, prepared frames and each connection's
// send flow live in their own files).
#include "proto/deflate_codec.hpp"
#include "net/descriptors.hpp"
#include "net/held_upgrades.hpp"
#include "net/server_accept.hpp"
#include "net/server_frames.hpp"
#include "net/send_flow.hpp"
#include "net/server_impl.hpp"
#include "proto/handshake_policy.hpp"
#include "proto/headers.hpp"
#include "net/tls_context.hpp"
#include "net/wspp/wspp.hpp"
#include "net/wspp/http_exchange.hpp"  // after wspp.hpp, whose types it uses
#include "net/server_close.hpp"         // the same

#include <wskit/diagnostics.hpp>
#include <wskit/handshake_check.hpp>
#include <wskit/server.hpp>
#include <wskit/url.hpp>

#include <fmt/format.h>

#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

namespace wskit {


namespace {

namespace wpp = websocketpp;

template <class Endpoint>
class ServerImpl final : public Server::Impl {
    using connection_type = typename Endpoint::connection_type;
    using connection_ptr = typename Endpoint::connection_ptr;
    using message_ptr = typename Endpoint::message_ptr;
    static constexpr bool tls = std::is_same_v<Endpoint, detail::TlsServer>;

    using Flow = detail::SendFlow<connection_type>;
    using Held = detail::HeldUpgrades<connection_type>;

    struct Connection {
        Connection(connection_type* connection, EventLoop& loop, const BackpressureLimits& limits)
            : con(connection), flow(loop, limits) {}
        connection_type* con;
        Flow flow;
        // The opening handshake's request, for Server::request: its head as
        // it came (one allocation, parsed when asked for: a parsed request
        // held an idle connection's largest share of small allocations) and
        // the resource websocketpp made of its target.
        std::string head;
        std::string resource;
        // permessage-deflate agreed: the window the client inflates our
        // frames with (server_max_window_bits); 0 when not agreed.
        int deflate_window = 0;
        // The server started its end (close or abort): the close event's
        // direction is out, and its code the one sent.
        bool closed_here = false;
        bool aborted_here = false;
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
        endpoint_.set_fail_handler([this](wpp::connection_hdl hdl) { on_fail(hdl); });
        if (handlers_.on_upgrade)
            endpoint_.set_tcp_pre_init_handler([this](wpp::connection_hdl hdl) {
                auto con = endpoint_.get_con_from_hdl(hdl);
                Held::on_head(*con, [this, key = con.get()] { return hold_upgrade(*key); });
            });
        endpoint_.set_message_handler([this](wpp::connection_hdl hdl, message_ptr msg) { on_message(hdl, msg); });
        endpoint_.set_close_handler([this](wpp::connection_hdl hdl) { on_close(hdl); });
        endpoint_.set_ping_handler([this](wpp::connection_hdl hdl, std::string data) {
            emit_control(hdl, EventType::ping, std::move(data));
            return options.answer_pings;  // true: websocketpp answers
        });
        endpoint_.set_pong_handler([this](wpp::connection_hdl hdl, std::string data) {
            emit_control(hdl, EventType::pong, std::move(data));
        });
    }

    ~ServerImpl() override {
        if (all_closed_timer_) loop_.cancel(all_closed_timer_);
    }

    void listen() override {
        auto descriptor_limit = detail::raise_descriptor_limit();
        if (!options.unix_path.empty()) {
            unix_.open(options.unix_path, options.socket_mode, options.listen_backlog);
            acceptor_.start(descriptor_limit, &unix_);
            return;
        }
        asio::error_code ec;
        endpoint_.listen(options.host, std::to_string(options.port), ec);
        if (ec)
            throw Error(ExitCode::runtime,
                        fmt::format("cannot listen on {}:{}: {}{}", options.host, options.port, ec.message(),
                                    ec == asio::error::address_in_use ? " (choose another port, or 0 for a free one)" : ""));
        port_ = endpoint_.get_local_endpoint(ec).port();
        acceptor_.start(descriptor_limit);
    }

    std::uint16_t port() const override { return port_; }

    void send(ConnId id, Message message) override {
        auto it = connections_.find(id);
        if (it == connections_.end()) return;
        auto ec = detail::send_message(*it->second.con, message);
        if (!ec) {
            ++stats.messages_out;
            stats.bytes_out += message.payload.size();
            queued(it->second);
        }
    }

    void send(ConnId id, const std::shared_ptr<detail::ServerMessage>& plain) override {
        auto it = connections_.find(id);
        if (it == connections_.end()) return;
        const auto& frame = it->second.deflate_window ? detail::deflated(plain, it->second.deflate_window) : plain;
        if (!it->second.con->send(frame)) {
            ++stats.messages_out;
            stats.bytes_out += frame->get_payload().size();
            queued(it->second);
        }
    }

    void close(ConnId id, int code, const std::string& reason) override {
        auto it = connections_.find(id);
        if (it == connections_.end()) return;
        wpp::lib::error_code ec;
        it->second.con->close(static_cast<wpp::close::status::value>(code), reason, ec);
        // An error: the peer's close came first, and this one was not sent.
        if (!ec) it->second.closed_here = true;
        hold_reading(id, false);  // the peer's close frame must be read
    }

    void abort(ConnId id) override {
        auto it = connections_.find(id);
        if (it == connections_.end()) return;
        asio::error_code ignored;
        it->second.con->get_raw_socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        it->second.aborted_here = true;
    }

    void shutdown(int code, const std::string& reason) override {
        wpp::lib::error_code ec;
        if (endpoint_.is_listening()) endpoint_.stop_listening(ec);
        unix_.close();
        acceptor_.stop();
        for (auto& [id, c] : connections_) {
            c.con->close(static_cast<wpp::close::status::value>(code), reason, ec);
            if (!ec) c.closed_here = true;
            hold_reading(id, false);  // the peer's close frame must be read
        }
        for (auto id : held_.unanswered())
            held_.answer(id, {detail::text_response(503, "The server is shutting down.\n"), {}, {}});
        shutting_down_ = true;
        // Nothing to wait for: said from the loop, as it would be after a
        // last close event, not from inside this call.
        if (connections_.empty() && answering_.empty() && held_.empty() && !all_closed_timer_)
            all_closed_timer_ = loop_.after(std::chrono::milliseconds(0), [this] {
                all_closed_timer_ = 0;
                all_closed_if_done();
            });
    }

    std::size_t connection_count() const override { return connections_.size(); }

    std::size_t buffered_amount(ConnId id) const override {
        auto it = connections_.find(id);
        return it == connections_.end() ? 0 : Flow::unsent(*it->second.con);
    }

    std::optional<HttpRequest> request(ConnId id) const override {
        auto it = connections_.find(id);
        if (it == connections_.end()) return std::nullopt;
        return detail::http_request(*it->second.con, it->second.head, it->second.resource);
    }

    void hold_reading(ConnId id, bool hold) override {
        auto it = connections_.find(id);
        if (it != connections_.end()) it->second.flow.hold_for_owner(*it->second.con, hold);
    }

private:
    void warn(const std::string& text) {
        if (handlers_.on_warning) return handlers_.on_warning(text);
        diagnose(DiagnosticKind::warning, text);
    }

    // --- backpressure (SendFlow) --------------------------------------

    // After the server has queued a frame on the connection (the caller
    // found it: once per frame sent, a second lookup would be the only one).
    void queued(Connection& c) { c.flow.queued(*c.con); }

    // After each completed write (see ServerTransportConnection): the
    // backlog may have shrunk below a mark, or be gone.
    void on_write_done(ConnId id) {
        auto it = connections_.find(id);
        if (it == connections_.end()) return;
        if (it->second.flow.check(*it->second.con) == 0) emit_flow(EventType::drained, id);
    }

    // --- handlers -------------------------------------------------------

    // The server's own verdict on an upgrade request: a refusal, or none.
    std::optional<HttpResponse> verdict(connection_type& con, const HttpRequest& req) {
        auto checks = check_request(req);
        report_answer(con, req, checks);
        auto rejection = detail::rejection_for(checks);
        if (!rejection && options.max_clients && open_count() + admitted_.size() >= options.max_clients)
            rejection = detail::server_full_response(options.max_clients);
        if (!rejection && handlers_.on_handshake) rejection = handlers_.on_handshake(req);
        return rejection;
    }

    bool on_validate(wpp::connection_hdl hdl) {
        auto con = endpoint_.get_con_from_hdl(hdl);
        auto answer = held_.take(*con);
        auto rejection = answer ? std::move(answer->refusal) : verdict(*con, detail::to_http_request(*con));
        if (rejection) {
            ++stats.handshakes_refused;
            detail::apply_response(*con, *rejection);
            track_answer(*con);
            return false;
        }
        answer ? accept_as_answered(*con, *answer) : choose_subprotocol(*con);
        for (const auto& h : options.upgrade_headers) con->append_header(h.name, h.value);
        // Holds its --max-clients slot from now: handshakes accepted at the
        // same time would otherwise all find the server below its limit.
        if (options.max_clients) admitted_.insert(con.get());
        return true;
    }

    void choose_subprotocol(connection_type& con) {
        const auto& offered = con.get_requested_subprotocols();
        if (auto chosen = wskit::choose_subprotocol(offered, options.subprotocols, options.answer_first_offer)) {
            wpp::lib::error_code ec;
            con.select_subprotocol(*chosen, ec);
        } else if (!offered.empty()) {
            warn(detail::unchosen_subprotocol_warning(detail::peer_name(con), offered, options.subprotocols));
        }
    }

    // --- upgrades held for on_upgrade (hook 36 in net/wspp/README.md) ----

    // When a request's head is in. A page request goes on; an upgrade the
    // server refuses itself goes on with that verdict; any other is held.
    bool hold_upgrade(connection_type& con) {
        auto req = detail::to_http_request(con);
        if (req.header("Upgrade").empty()) return false;
        ConnId id = next_id_++;
        auto refusal = verdict(con, req);
        bool hold = !refusal;
        held_.add(id, con, std::move(refusal));
        if (!hold) return false;
        if (options.max_clients) admitted_.insert(&con);
        handlers_.on_upgrade(id, req);
        return true;
    }

    void answer_upgrade(ConnId id, UpgradeAnswer answer) override { held_.answer(id, std::move(answer)); }

    void accept_as_answered(connection_type& con, const UpgradeAnswer& answer) {
        wpp::lib::error_code ec;
        if (!answer.subprotocol.empty()) con.select_subprotocol(answer.subprotocol, ec);
        for (const auto& h : answer.headers) con.append_header(h.name, h.value);
    }

    // An upgrade given to on_upgrade that ends before it opens (its client
    // gone while held, or before the 101 was written) is reported, so that
    // its owner lets go of what it holds for it.
    void on_fail(wpp::connection_hdl hdl) {
        auto con = endpoint_.get_con_from_hdl(hdl);
        admitted_.erase(con.get());
        if (!held_.failed(*con)) return;
        if (handlers_.on_event) {
            Event e;
            e.type = EventType::error;
            e.conn = con->wskit_id;
            e.text = "the client went away before its connection opened";
            handlers_.on_event(e);
        }
        all_closed_if_done();
    }

    // Connections whose close handshake is over no longer hold a slot, even
    // while their transport is still being torn down.
    std::size_t open_count() const {
        if (connections_.size() < options.max_clients) return connections_.size();
        return std::count_if(connections_.begin(), connections_.end(), [](const auto& entry) {
            return entry.second.con->get_state() != wpp::session::state::closed;
        });
    }

    // Hands the answer to on_answer as the transport writes it (see
    // ServerTransportConnection::on_answer_written, hook 23 in
    // net/wspp/README.md).
    void report_answer(connection_type& con, const HttpRequest& req, const std::vector<CheckResult>& checks) {
        if (!handlers_.on_answer) return;
        con.on_answer_written = [this, req, checks](std::string_view bytes) {
            if (handlers_.on_answer) handlers_.on_answer(req, checks, parse_response_head(bytes));
        };
    }

    void on_http(wpp::connection_hdl hdl) {
        auto con = endpoint_.get_con_from_hdl(hdl);
        auto req = detail::to_http_request(*con);
        if (handlers_.on_answer) report_answer(*con, req, check_request(req));
        track_answer(*con);
        // A request that tries to upgrade but lacks "Upgrade: websocket" or
        // "Connection: Upgrade" is a broken handshake, not a page request.
        if (!req.header("Sec-WebSocket-Key").empty() || !req.header("Upgrade").empty() ||
            !req.header("Sec-WebSocket-Version").empty()) {
            detail::apply_response(*con, detail::text_response(400, "Bad WebSocket handshake: it needs \"Upgrade: websocket\" and \"Connection: Upgrade\".\n"));
            return;
        }
        detail::apply_response(*con, handlers_.on_http ? handlers_.on_http(req) : upgrade_required_page(detail::server_url(options, port_)));
    }

    void on_open(wpp::connection_hdl hdl) {
        auto con = endpoint_.get_con_from_hdl(hdl);
        admitted_.erase(con.get());
        held_.opened(*con);
        ConnId id = con->wskit_id ? con->wskit_id : next_id_++;  // a held upgrade has its id
        con->wskit_id = id;
        con->compressed = options.compress && !con->get_response_header("Sec-WebSocket-Extensions").empty();
        ++stats.connections_total;
        auto& c = connections_.try_emplace(id, con.get(), loop_, limits_).first->second;
        auto request = detail::to_http_request(*con);
        c.resource = request.resource;
        con->on_answer_written = nullptr;
        con->on_write_done = [this, id] { on_write_done(id); };
        std::optional<DeflateParams> compression;
        if (con->compressed) compression = read_deflate_response(con->get_response_header("Sec-WebSocket-Extensions"));
        if (compression) c.deflate_window = compression->server_max_window_bits;
        c.head = detail::forget_handshake(*con);
        if (handlers_.on_event) {
            Event e;
            e.type = EventType::open;
            e.conn = id;
            e.resource = request.resource;
            e.text = request_url(request);
            e.subprotocol = con->get_subprotocol();
            e.peer = detail::peer_name(*con);
            e.origin = request.header("Origin");
            e.user_agent = request.header("User-Agent");
            e.compression = compression;
            handlers_.on_event(e);
        }
    }

    void on_message(wpp::connection_hdl hdl, const message_ptr& msg) {
        auto con = endpoint_.get_con_from_hdl(hdl);
        if (detail::reject_truncated_text(*con, msg)) return;
        const auto& payload = msg->get_payload();
        ++stats.messages_in;
        stats.bytes_in += payload.size();
        if (!handlers_.on_event) return;
        Event e;
        e.type = EventType::message;
        e.conn = con->wskit_id;
        e.message.opcode = msg->get_opcode() == wpp::frame::opcode::binary ? Opcode::binary : Opcode::text;
        e.message.payload = std::move(msg->get_raw_payload());
        spare = msg;
        handlers_.on_event(e);
        spare.reset();
    }

    bool emit_control(wpp::connection_hdl hdl, EventType type, std::string data) {
        auto con = endpoint_.get_con_from_hdl(hdl);
        // websocketpp queues the pong right after this returns: it counts
        // like any frame, so a ping flood is bounded too.
        if (type == EventType::ping) {
            auto it = connections_.find(con->wskit_id);
            if (it != connections_.end()) queued(it->second);
        }
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
        detail::ServerEnd end;
        auto it = connections_.find(id);
        if (it != connections_.end()) {
            end.backlog_close = it->second.flow.take_close();
            end.closed_here = it->second.closed_here;
            end.aborted_here = it->second.aborted_here;
            connections_.erase(it);
        }
        if (!handlers_.on_event) return;
        Event e = detail::server_close_event(*con, end);
        e.conn = id;
        handlers_.on_event(e);
        all_closed_if_done();
    }

    // A request answered without opening (a refusal, a page) is done once
    // its answer is written: all_closed waits for that too.
    void track_answer(connection_type& con) {
        answering_.insert(&con);
        con.on_write_done = [this, key = &con] {
            answering_.erase(key);
            all_closed_if_done();
        };
    }

    void all_closed_if_done() {
        if (shutting_down_ && connections_.empty() && answering_.empty() && held_.empty()) emit_flow(EventType::all_closed, 0);
    }

    // Once per shutdown for all_closed: a handshake accepted before it may
    // still open, and close, afterwards.
    void emit_flow(EventType type, ConnId id) {
        if (!handlers_.on_event) return;
        if (type == EventType::all_closed) {
            if (all_closed_sent_) return;
            all_closed_sent_ = true;
        }
        Event e;
        e.type = type;
        e.conn = id;
        handlers_.on_event(e);
    }

    // The URL as the client asked for it: its Host, and the server's
    // address when it sent none.
    std::string request_url(const HttpRequest& req) const {
        auto host = req.header("Host");
        return fmt::format("{}://{}{}", tls ? "wss" : "ws", host.empty() ? host_port(options.host, port_) : host,
                           req.resource);
    }

    static constexpr std::chrono::milliseconds close_handshake_timeout{900};

    EventLoop& loop_;
    Server::Handlers handlers_;
    Endpoint endpoint_;
    detail::UnixListener unix_{loop_.impl().io};  // on options.unix_path
    detail::Acceptor<Endpoint> acceptor_{loop_, endpoint_, [this](const std::string& text) { warn(text); }};
    BackpressureLimits limits_;
    std::unordered_map<ConnId, Connection> connections_;
    std::unordered_set<const connection_type*> admitted_;  // accepted handshakes not yet open
    std::unordered_set<const connection_type*> answering_;  // refusals and pages not yet written
    Held held_;                                              // on_upgrade's, until they open
    bool shutting_down_ = false;            // shutdown() was called: all_closed follows the last close
    bool all_closed_sent_ = false;
    EventLoop::TimerId all_closed_timer_ = 0;  // all_closed when shutdown() found no connection
    ConnId next_id_ = 1;
    std::uint16_t port_ = 0;
};

}  // namespace

Server::Server(EventLoop& loop, ServerOptions options, Handlers handlers) {
    if (!options.tls.cert_file.empty())
        impl_ = std::make_unique<ServerImpl<detail::TlsServer>>(loop, std::move(options), std::move(handlers));
    else
        impl_ = std::make_unique<ServerImpl<detail::PlainServer>>(loop, std::move(options), std::move(handlers));
}
Server::~Server() = default;

}  // namespace wskit
