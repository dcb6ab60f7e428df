#include "chat/metrics.hpp"

#include <fmt/format.h>

namespace wskit::chat {

const char* drop_reason_name(DropReason reason) {
    switch (reason) {
        case DropReason::slow_reader: return "slow_reader";
        case DropReason::rate: return "rate";
        case DropReason::too_big: return "too_big";
        case DropReason::ping_timeout: return "ping_timeout";
        case DropReason::protocol: return "protocol";
        case DropReason::count_: break;
    }
    return "?";
}

namespace {

void metric(std::string& out, const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// A metric without labels: its header and its one sample.
template <class Value>
void single(std::string& out, const char* name, const char* type, const char* help, Value value) {
    metric(out, name, type, help);
    out += fmt::format("{} {}\n", name, value);
}

void render_redis(std::string& out, const redis::BusStats& r) {
    using State = redis::BusStats::State;
    single(out, "wskit_chat_redis_up", "gauge", "1 while rooms are shared through Redis, 0 while degraded or connecting.",
           r.state == State::connected ? 1 : 0);
    metric(out, "wskit_chat_redis_state", "gauge", "The Redis connection's state: 1 for the current one.");
    for (auto s : {State::connecting, State::connected, State::degraded})
        out += fmt::format("wskit_chat_redis_state{{state=\"{}\"}} {}\n", redis::state_name(s), r.state == s ? 1 : 0);
    single(out, "wskit_chat_redis_reconnects_total", "counter", "Times sharing through Redis resumed after a loss.",
           r.reconnects);
    single(out, "wskit_chat_redis_outbox", "gauge",
           "Messages said here while Redis was unreachable, waiting to be published when it is back.",
           r.outbox);
    single(out, "wskit_chat_redis_outbox_dropped_total", "counter",
           "Messages pushed out of the full outbox: delivered here, never to the other processes.",
           r.outbox_dropped);
    single(out, "wskit_chat_redis_lost_total", "counter",
           "Messages of other processes, in rooms with clients here, that never reached this process: said while it "
           "could not hear Redis and gone from the history list since, or dropped from their author's outbox.",
           r.lost);
    single(out, "wskit_chat_redis_rejected_total", "counter",
           "Events and entries read from Redis that were not valid (malformed, over --max-size, control "
           "characters): ignored.",
           r.rejected);
    single(out, "wskit_chat_redis_stalls_total", "counter",
           "Times a Redis connection was given up because Redis stopped answering.", r.stalls);
    single(out, "wskit_chat_redis_unanswered_bytes", "gauge",
           "Bytes of commands sent to Redis and not answered yet.", r.unanswered_bytes);
    single(out, "wskit_chat_redis_paused_clients", "gauge",
           "Clients not read until Redis has answered what was sent before their messages.", r.paused);
    single(out, "wskit_chat_redis_published_total", "counter", "Room events this process published to Redis.",
           r.published);
    metric(out, "wskit_chat_redis_delivered_total", "counter",
           "Room events delivered to this process's rooms, by source: remote (other processes, through Redis), "
           "own (this process's, back from Redis), local (this process's, without Redis).");
    out += fmt::format("wskit_chat_redis_delivered_total{{source=\"remote\"}} {}\n", r.delivered_remote);
    out += fmt::format("wskit_chat_redis_delivered_total{{source=\"own\"}} {}\n", r.delivered_own);
    out += fmt::format("wskit_chat_redis_delivered_total{{source=\"local\"}} {}\n", r.delivered_local);
    metric(out, "wskit_chat_redis_delivery_latency_seconds", "histogram",
           "From an event in another process to its delivery here.");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < r.bounds.size(); ++i) {
        cumulative += r.latency_buckets[i];
        out += fmt::format("wskit_chat_redis_delivery_latency_seconds_bucket{{le=\"{:g}\"}} {}\n", r.bounds[i], cumulative);
    }
    out += fmt::format("wskit_chat_redis_delivery_latency_seconds_bucket{{le=\"+Inf\"}} {}\n", r.latency_count);
    out += fmt::format("wskit_chat_redis_delivery_latency_seconds_sum {:.6f}\n", r.latency_sum);
    out += fmt::format("wskit_chat_redis_delivery_latency_seconds_count {}\n", r.latency_count);
}

}  // namespace

std::string render_metrics(const MetricsSnapshot& m) {
    std::string out;
    single(out, "wskit_chat_clients", "gauge", "Clients connected now.", m.clients);
    single(out, "wskit_chat_rooms", "gauge",
           "Rooms with someone in them that this process serves (with --redis, those its clients are in).", m.rooms);
    single(out, "wskit_chat_connections_total", "counter",
            "WebSocket connections accepted.", m.server.connections_total);
    single(out, "wskit_chat_messages_received_total", "counter",
            "WebSocket messages received from clients.", m.server.messages_in);
    single(out, "wskit_chat_messages_sent_total", "counter",
            "WebSocket frames sent (messages and pings), one per receiver.", m.server.messages_out);
    single(out, "wskit_chat_received_bytes_total", "counter",
            "Payload bytes received from clients.", m.server.bytes_in);
    single(out, "wskit_chat_sent_bytes_total", "counter",
            "Payload bytes sent, counted once per receiver.", m.server.bytes_out);
    single(out, "wskit_chat_room_messages_total", "counter",
            "Messages said in rooms by clients of this server.", m.chat.chat_messages);
    metric(out, "wskit_chat_drops_total", "counter", "Clients dropped by the server, by reason.");
    for (std::size_t i = 0; i < m.chat.drops.size(); ++i)
        out += fmt::format("wskit_chat_drops_total{{reason=\"{}\"}} {}\n", drop_reason_name(static_cast<DropReason>(i)),
                           m.chat.drops[i]);
    metric(out, "wskit_chat_handshake_failures_total", "counter", "WebSocket handshakes refused, by reason.");
    static const char* refusal_names[] = {"origin", "token", "throttled", "other"};
    for (std::size_t i = 0; i < m.chat.refusals.size(); ++i)
        out += fmt::format("wskit_chat_handshake_failures_total{{reason=\"{}\"}} {}\n", refusal_names[i],
                           m.chat.refusals[i]);
    if (m.redis) render_redis(out, *m.redis);
    return out;
}

}  // namespace wskit::chat
