// What a Redis-backed process knows of every room, its own or not: the last
// messages and who is in each, from the events on the bus and from what
// Redis keeps (the history lists, the presence hashes). Pure: the clock is
// a parameter, and tests need no Redis.
#pragma once

#include <wskit/chat_bus.hpp>
#include <wskit/export.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace wskit::redis {

// A presence entry in Redis: someone, and until when its process vouches
// for it (milliseconds since the epoch).
struct PresenceEntry {
    chat::Presence who;
    std::int64_t expires_ms = 0;
};

// Presence hash fields and values: "ORIGIN/CONN" -> {"name":..,"expires":..}.
WSKIT_API std::string presence_field(const std::string& origin, ConnId conn);
WSKIT_API std::string presence_value(const std::string& name, std::int64_t expires_ms);
// Nothing for a field or value not written by presence_field/value.
WSKIT_API bool parse_presence(const std::string& field, const std::string& value, PresenceEntry& out);

class WSKIT_API RoomCache {
public:
    explicit RoomCache(std::size_t history) : history_(history) {}

    void apply(const chat::RoomEvent& e, std::int64_t now_ms);
    chat::RoomState state(const std::string& room) const;
    std::vector<std::string> rooms() const;

    // A room's history list from Redis (newest first, as LRANGE gives it),
    // merged with the events already seen here.
    void load_history(const std::string& room, const std::vector<chat::RoomEvent>& newest_first);

    // A room's presence as Redis has it now. Members of other processes
    // that Redis no longer vouches for (their process died: no refresh
    // within the TTL) leave; those it knows and this cache does not (after
    // a restart, or from before this process listened) join. Returns these
    // leaves and joins, to be delivered as room events. A member seen on the
    // bus within `grace_ms` is kept: its presence may be on its way.
    std::vector<chat::RoomEvent> reconcile(const std::string& room, const std::vector<PresenceEntry>& entries,
                                           const std::string& self, std::int64_t now_ms, std::int64_t grace_ms);

private:
    struct Member {
        chat::Presence who;
        std::int64_t confirmed_ms = 0;
    };
    struct Room {
        std::deque<chat::RoomEvent> history;
        std::vector<Member> members;
    };
    std::size_t history_;
    std::map<std::string, Room> rooms_;
};

}  // namespace wskit::redis
