// run_chat: the Hub on a Server, with the HTTP side (page, /healthz,
// /metrics), the handshake checks, pings and the transcript.
#include "chat/metrics.hpp"
#include "chat/page.hpp"
#include "chat/transcript.hpp"
#include "chat/redis/bus.hpp"

#include <wskit/access.hpp>
#include <wskit/chat/server.hpp>
#include <wskit/error.hpp>
#include <wskit/tool/serve.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <random>
#include <unordered_map>
#include <unordered_set>

namespace wskit {
namespace {

using chat::DropReason;
using chat::RefusalReason;

HttpResponse plain(int status, std::string body) {
    return {status, {{"Content-Type", "text/plain; charset=utf-8"}}, std::move(body)};
}

// The bus over Redis, when --redis asks for one. Its node name tells this
// process's events from the others' when they come back from Redis. What
// it reads from Redis is held to a client's limits. `pause` stops and
// resumes reading a client whose messages wait for Redis.
std::unique_ptr<redis::RedisBus> make_redis_bus(EventLoop& loop, const ChatOptions& options,
                                                redis::RedisBus::Pause pause) {
    if (options.redis.empty()) return nullptr;
    auto where = redis::parse_redis_url(options.redis);
    if (where.tls && !redis::redis_tls_supported())
        throw Error(ExitCode::usage, "rediss:// (Redis over TLS) is not available: this wskit is built with "
                                     "hiredis 0.14, which has no TLS; use redis:// through a TLS tunnel (stunnel, "
                                     "or haproxy) when Redis is on another machine");
    if (options.presence_ttl * 2 <= options.redis_timeout * 3)
        throw Error(ExitCode::usage, "--presence-ttl must be more than 1.5 times --redis-timeout: a process "
                                     "whose Redis answers slowly, not yet taken for gone, would see its "
                                     "clients leave the other processes' rooms");
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    auto node = fmt::format("{}:{}:{:08x}", host, getpid(), std::random_device{}());
    redis::RedisBusOptions bus;
    bus.history = options.hub.history;
    bus.history_ttl = options.history_ttl;
    bus.presence_ttl = options.presence_ttl;
    bus.reply_timeout = options.redis_timeout;
    bus.limits = {options.server.max_message_size, options.hub.max_name_chars};
    return std::make_unique<redis::RedisBus>(loop, where, node, bus, std::move(pause));
}

// With Redis, the history of a room nobody is in here is Redis' to keep
// (the room is read again when someone comes back): a copy here would
// only cost memory, and outlive the history's TTL in Redis.
chat::HubOptions hub_options(const ChatOptions& options) {
    auto hub = options.hub;
    if (!options.redis.empty()) hub.idle_rooms = 0;
    return hub;
}

// The page loads nothing from elsewhere and runs no inline code: a text
// that slipped into the page as markup could still not run.
const char* content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

class ChatServer {
public:
    explicit ChatServer(const ChatOptions& options)
        : options_(options), access_(for_server(options.access, options.server)), session_(loop_, options.output),
          transcript_(session_, options.output),
          redis_(make_redis_bus(loop_, options,
                                [this](ConnId conn, bool pause) {
                                    if (pause) server_->pause_reading(conn);
                                    else server_->resume_reading(conn);
                                })),
          hub_(redis_ ? static_cast<chat::Bus&>(*redis_) : local_bus_, hub_options(options),
               [this](chat::Output&& o) { on_output(std::move(o)); }, redis_ ? redis_->node() : "local") {
        auto server_options = options.server;
        server_options.subprotocols = {chat::json_subprotocol};
        // A chat server sends on its own: a stalled client's backlog grows
        // with what the others say, grace or not. Four times the cap is as
        // far as it goes.
        if (!server_options.backpressure.hard_cap)
            server_options.backpressure.hard_cap =
                4 * resolve_backpressure(server_options.backpressure, server_options.max_message_size).max_backlog;
        Server::Handlers h;
        h.on_event = session_.stopping_when_all_closed([this](Event& e) { on_event(e); });
        h.on_http = [this](const HttpRequest& req) { return on_http(req); };
        h.on_handshake = [this](const HttpRequest& req) { return on_handshake(req); };
        h.on_warning = [this](const std::string& line) { session_.warning(line); };
        server_ = std::make_unique<Server>(loop_, server_options, std::move(h));
        if (options.record) recorder_ = Recorder::open(*options.record);
    }

    int run() {
        server_->listen();
        if (redis_) redis_->start();
        session_.announce(*server_);
        if (options_.ping_interval.count() > 0) loop_.after(options_.ping_interval, [this] { ping_round(); });
        int result = session_.run_until_signal(*server_);
        return finish_recording(recorder_.get(), result, [this](const std::string& line) { session_.warning(line); });
    }

private:
    // --- WebSocket events -------------------------------------------------

    void on_event(Event& e) {
        if (recorder_) record(e);
        switch (e.type) {
            case EventType::open:
                alive_[e.conn] = true;
                hub_.join(e.conn, e.resource,
                          e.subprotocol == chat::json_subprotocol ? chat::WireFormat::json : chat::WireFormat::text,
                          e.ts);
                break;
            case EventType::message:
                alive_[e.conn] = true;
                if (e.message.opcode != Opcode::text)
                    return close(e.conn, DropReason::protocol, 1003, "this chat takes text messages only");
                hub_.receive(e.conn, e.message.payload, e.ts);
                break;
            case EventType::pong: alive_[e.conn] = true; break;
            case EventType::close: on_close(e); break;
            default: break;
        }
    }

    void on_close(const Event& e) {
        auto room = hub_.room_of(e.conn), name = hub_.name_of(e.conn);
        std::optional<DropReason> why;
        int code = e.code;
        std::string reason = e.reason;
        if (auto it = closing_.find(e.conn); it != closing_.end()) {
            // What chat closed it with; the peer may never have answered.
            why = it->second.why;
            code = it->second.code;
            reason = it->second.reason;
            closing_.erase(it);
        } else if (e.direction == Direction::out && e.code == 1008) {
            why = DropReason::slow_reader;  // the server's backpressure
        } else if (e.code == 1009) {
            why = DropReason::too_big;
        } else if (e.code == 1002 || e.code == 1007) {
            why = DropReason::protocol;
        }
        if (why) {
            ++counters_.drops[static_cast<std::size_t>(*why)];
            if (!name.empty()) transcript_.drop(e.conn, room, name, *why, code, reason);
        }
        alive_.erase(e.conn);
        hub_.leave(e.conn, e.ts);
    }

    void on_output(chat::Output&& o) {
        using K = chat::Output::Kind;
        switch (o.kind) {
            case K::deliver: {
                if (recorder_) record_delivery(o);
                // Framed once, whoever and however many receive it.
                auto frame = server_->prepare({Opcode::text, std::move(o.text)});
                if (o.to.size() == 1) return server_->send(o.to.front(), frame);
                return server_->broadcast(o.to, frame);
            }
            case K::close: return close(o.conn, DropReason::rate, o.code, o.reason);
            case K::record:
                if (o.conn && o.event.said()) ++counters_.chat_messages;
                return transcript_.record(o.event, o.conn);
            case K::notice: return transcript_.notice(o.conn, hub_.room_of(o.conn), hub_.name_of(o.conn), o.reason);
            case K::wake: {
                auto delay = std::chrono::ceil<std::chrono::milliseconds>(o.at - std::chrono::system_clock::now());
                loop_.after(std::max(delay, std::chrono::milliseconds(0)),
                            [this] { hub_.flush(std::chrono::system_clock::now()); });
                return;
            }
        }
    }

    void record(const Event& e) {
        if (e.type != EventType::open) return recorder_->record(e);
        if (auto request = server_->request(e.conn)) recorder_->opened(e, served_handshake(*request, e));
    }

    // What one message said to its receivers, each as a message of its own.
    void record_delivery(const chat::Output& o) {
        Event e;
        e.type = EventType::message;
        e.direction = Direction::out;
        e.message = {Opcode::text, o.text};
        for (auto id : o.to) {
            e.conn = id;
            recorder_->record(e);
        }
    }

    void close(ConnId conn, DropReason why, int code, std::string reason) {
        server_->close(conn, code, reason);
        closing_[conn] = {why, code, std::move(reason)};
    }

    // A client that answered nothing (no pong, no message) since the last
    // round is dropped; the others get a ping.
    void ping_round() {
        auto seconds = options_.ping_interval.count() / 1000.0;
        for (auto& [conn, alive] : alive_) {
            if (!alive) {
                if (!closing_.count(conn))
                    close(conn, DropReason::ping_timeout, 1001, fmt::format("no answer to a ping within {:g} s", seconds));
                continue;
            }
            alive = false;
            server_->send(conn, Message{Opcode::ping, {}});
        }
        loop_.after(options_.ping_interval, [this] { ping_round(); });
    }

    // --- HTTP -------------------------------------------------------------

    std::optional<HttpResponse> on_handshake(const HttpRequest& req) {
        auto refusal = access_.check_handshake(req, std::chrono::steady_clock::now());
        if (!refusal) return std::nullopt;
        auto reason = refusal->why == Denial::origin ? RefusalReason::origin
                      : refusal->why == Denial::token ? RefusalReason::token
                                                      : RefusalReason::throttled;
        ++counters_.refusals[static_cast<std::size_t>(reason)];
        return refused(std::move(*refusal));
    }

    // Said on stderr, as listen does.
    HttpResponse refused(AccessRefusal refusal) {
        if (!refusal.log_line.empty()) session_.warning(refusal.log_line);
        return std::move(refusal.response);
    }

    HttpResponse on_http(const HttpRequest& req) {
        if (req.method != "GET" && req.method != "HEAD") {
            auto res = plain(405, "Only GET is served here.\n");
            res.headers.push_back({"Allow", "GET, HEAD"});
            return res;
        }
        auto path = std::string_view(req.resource).substr(0, req.resource.find('?'));
        if (path == "/healthz") return healthz();
        if (path == "/metrics") {
            // What it tells (who is connected, how busy) is behind --token too.
            if (auto refusal = access_.check_token(req, std::chrono::steady_clock::now()))
                return refused(std::move(*refusal));
            auto res = plain(200, chat::render_metrics(snapshot()));
            res.headers[0].value = "text/plain; version=0.0.4; charset=utf-8";
            return res;
        }
        if (path == "/_chat/config.json") {
            // What the page needs to know before it connects.
            HttpResponse res{200,
                             {{"Content-Type", "application/json"}},
                             options_.access.token.empty() ? "{\"token\":false}\n" : "{\"token\":true}\n"};
            res.headers.push_back({"Cache-Control", "no-store"});
            return res;
        }
        auto file = chat::page_asset(path);
        if (!file && path.substr(0, 7) == "/_chat/") return plain(404, "Not found.\n");
        auto page = file ? *file : chat::page_index();
        HttpResponse res{200, {{"Content-Type", std::string(page.content_type)}}, std::string(page.body)};
        res.headers.push_back({"Content-Security-Policy", content_security_policy});
        res.headers.push_back({"X-Content-Type-Options", "nosniff"});
        res.headers.push_back({"Referrer-Policy", "no-referrer"});
        res.headers.push_back({"Cache-Control", "no-cache"});
        return res;
    }

    // Degraded is still 200: the process serves its own clients, and a load
    // balancer that dropped every process when Redis goes would serve nobody.
    HttpResponse healthz() const {
        if (!redis_ || redis_->stats().state == redis::BusStats::State::connected) return plain(200, "ok\n");
        const auto& s = redis_->stats();
        auto why = s.last_error.empty() ? "not connected to Redis at " + redis_->where() + " yet" : s.last_error;
        return plain(200, fmt::format("degraded: {}; serving this process's clients alone\n", why));
    }

    chat::MetricsSnapshot snapshot() const {
        chat::MetricsSnapshot m;
        m.clients = hub_.client_count();
        m.rooms = hub_.rooms().size();
        m.server = server_->stats();
        m.chat = counters_;
        if (redis_) m.redis = &redis_->stats();
        // Refusals not counted here were the server's own (full, malformed).
        auto& other = m.chat.refusals[static_cast<std::size_t>(RefusalReason::other)];
        std::uint64_t ours = 0;
        for (auto reason : {RefusalReason::origin, RefusalReason::token, RefusalReason::throttled})
            ours += counters_.refusals[static_cast<std::size_t>(reason)];
        other = m.server.handshakes_refused > ours ? m.server.handshakes_refused - ours : 0;
        return m;
    }

    ChatOptions options_;
    AccessGate access_;
    EventLoop loop_;
    ServeSession session_;
    chat::Transcript transcript_;
    chat::LocalBus local_bus_;
    std::unique_ptr<redis::RedisBus> redis_;  // with --redis: the bus instead of local_bus_
    chat::Hub hub_;
    std::unique_ptr<Server> server_;
    std::unique_ptr<Recorder> recorder_;  // --record
    chat::ChatCounters counters_;
    std::unordered_map<ConnId, bool> alive_;  // answered since the last ping round
    struct Closing {
        DropReason why;
        int code;
        std::string reason;
    };
    std::unordered_map<ConnId, Closing> closing_;  // closed by chat, and why
};

}  // namespace

int run_chat(const ChatOptions& options) {
    ChatServer server(options);
    return server.run();
}

}  // namespace wskit
