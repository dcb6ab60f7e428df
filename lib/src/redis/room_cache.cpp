#include "room_cache.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace wskit::redis {

using chat::RoomEvent;

std::string presence_field(const std::string& origin, ConnId conn) { return origin + "/" + std::to_string(conn); }

std::string presence_value(const std::string& name, std::int64_t expires_ms) {
    return nlohmann::json{{"name", name}, {"expires", expires_ms}}.dump(-1, ' ', false,
                                                                        nlohmann::json::error_handler_t::replace);
}

bool parse_presence(const std::string& field, const std::string& value, PresenceEntry& out) {
    auto slash = field.rfind('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == field.size()) return false;
    auto j = nlohmann::json::parse(value, nullptr, false);
    if (!j.is_object() || !j.contains("name") || !j["name"].is_string() || !j.contains("expires") ||
        !j["expires"].is_number_integer())
        return false;
    try {
        out.who.conn = std::stoull(field.substr(slash + 1));
    } catch (const std::exception&) {
        return false;
    }
    out.who.origin = field.substr(0, slash);
    out.who.name = j["name"].get<std::string>();
    out.expires_ms = j["expires"].get<std::int64_t>();
    return true;
}

void RoomCache::apply(const RoomEvent& e, std::int64_t now_ms) {
    auto& room = rooms_[e.room];
    auto it = std::find_if(room.members.begin(), room.members.end(), [&](const Member& m) {
        return m.who.origin == e.origin && m.who.conn == e.origin_conn;
    });
    switch (e.type) {
        case RoomEvent::Type::message:
        case RoomEvent::Type::action:
            room.history.push_back(e);
            while (room.history.size() > history_) room.history.pop_front();
            break;
        case RoomEvent::Type::join:
            if (it == room.members.end()) room.members.push_back({{e.origin, e.origin_conn, e.from}, now_ms});
            break;
        case RoomEvent::Type::rename:
            if (it != room.members.end()) it->who.name = e.from;
            break;
        case RoomEvent::Type::leave:
            if (it != room.members.end()) room.members.erase(it);
            break;
    }
    if (room.history.empty() && room.members.empty()) rooms_.erase(e.room);
}

chat::RoomState RoomCache::state(const std::string& room) const {
    chat::RoomState out;
    auto it = rooms_.find(room);
    if (it == rooms_.end()) return out;
    out.history.assign(it->second.history.begin(), it->second.history.end());
    for (const auto& m : it->second.members) out.members.push_back(m.who);
    return out;
}

std::vector<std::string> RoomCache::rooms() const {
    std::vector<std::string> out;
    for (const auto& [name, room] : rooms_) out.push_back(name);
    return out;
}

void RoomCache::load_history(const std::string& room, const std::vector<RoomEvent>& newest_first) {
    if (newest_first.empty() || history_ == 0) return;
    auto& r = rooms_[room];
    std::deque<RoomEvent> merged;
    auto known_in = [](const std::deque<RoomEvent>& events, const RoomEvent& e) {
        return std::any_of(events.begin(), events.end(),
                           [&](const RoomEvent& m) { return m.origin == e.origin && m.id == e.id; });
    };
    // A message sent again after a loss (unsure it had arrived) may be
    // in the list twice: kept once, where it came first.
    for (auto it = newest_first.rbegin(); it != newest_first.rend(); ++it)
        if (!known_in(merged, *it)) merged.push_back(*it);
    for (const auto& e : r.history)
        if (!known_in(merged, e)) merged.push_back(e);
    while (merged.size() > history_) merged.pop_front();
    r.history = std::move(merged);
}

std::vector<RoomEvent> RoomCache::reconcile(const std::string& room, const std::vector<PresenceEntry>& entries,
                                            const std::string& self, std::int64_t now_ms, std::int64_t grace_ms) {
    std::vector<RoomEvent> out;
    auto event = [&](RoomEvent::Type type, const chat::Presence& who) {
        RoomEvent e;
        e.type = type;
        e.room = room;
        e.from = who.name;
        e.ts = chat::Time(std::chrono::milliseconds(now_ms));
        e.origin = who.origin;
        e.origin_conn = who.conn;
        out.push_back(e);
    };
    auto& r = rooms_[room];
    auto vouched = [&](const chat::Presence& who) {
        return std::find_if(entries.begin(), entries.end(), [&](const PresenceEntry& p) {
            return p.who.origin == who.origin && p.who.conn == who.conn && p.expires_ms > now_ms;
        });
    };
    for (auto it = r.members.begin(); it != r.members.end();) {
        if (it->who.origin == self) {
            ++it;
            continue;
        }
        if (vouched(it->who) != entries.end()) {
            it->confirmed_ms = now_ms;
            ++it;
        } else if (now_ms - it->confirmed_ms > grace_ms) {
            event(RoomEvent::Type::leave, it->who);
            it = r.members.erase(it);
        } else {
            ++it;
        }
    }
    for (const auto& p : entries) {
        if (p.who.origin == self || p.expires_ms <= now_ms) continue;
        bool known = std::any_of(r.members.begin(), r.members.end(), [&](const Member& m) {
            return m.who.origin == p.who.origin && m.who.conn == p.who.conn;
        });
        if (known) continue;
        r.members.push_back({p.who, now_ms});
        event(RoomEvent::Type::join, p.who);
    }
    if (r.history.empty() && r.members.empty()) rooms_.erase(room);
    return out;
}

}  // namespace wskit::redis
