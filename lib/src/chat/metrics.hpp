// What /metrics reports, and its rendering in the Prometheus text
// exposition format (version 0.0.4).
#pragma once

#include "chat/redis/bus.hpp"

#include <wskit/server.hpp>

#include <array>
#include <cstdint>
#include <string>

namespace wskit::chat {

// Why the server dropped a client (a client closing by itself is no drop).
enum class DropReason { slow_reader, rate, too_big, ping_timeout, protocol, count_ };
const char* drop_reason_name(DropReason reason);  // "slow_reader", ...

// Handshakes refused: by chat's own checks (throttled: a wrong token too
// many from one address), or by the server's (a full server, a malformed
// handshake).
enum class RefusalReason { origin, token, throttled, other, count_ };

struct ChatCounters {
    std::array<std::uint64_t, static_cast<std::size_t>(DropReason::count_)> drops{};
    std::array<std::uint64_t, static_cast<std::size_t>(RefusalReason::count_)> refusals{};
    std::uint64_t chat_messages = 0;  // said in rooms (messages and /me), by clients here
};

struct MetricsSnapshot {
    std::size_t clients = 0;
    std::size_t rooms = 0;
    ServerStats server;
    ChatCounters chat;
    const redis::BusStats* redis = nullptr;  // with --redis
};

std::string render_metrics(const MetricsSnapshot& m);

}  // namespace wskit::chat
