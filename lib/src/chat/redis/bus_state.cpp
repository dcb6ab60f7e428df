// What RedisBus keeps in Redis besides the messages in flight, each key
// with a TTL so that nothing outlives its use:
// - PREFIX:history:ROOM, the room's last messages (LPUSH + LTRIM), for
//   newcomers and for catching up; expires history_ttl after its last
//   message;
// - PREFIX:seq:ROOM, each process's last message number in the room
//   (ORIGIN -> "EPOCH SEQ"), which tells a process catching up how many it
//   missed; expires with the history;
// - PREFIX:presence:ROOM, who is in the room (ORIGIN/CONN -> name and
//   expiry, refreshed by the process that has the client); expires when
//   no process refreshes it;
// - PREFIX:rooms, the rooms someone is in (a sorted set, scored by until
//   when), for /rooms; expires likewise.
#include "chat/redis/bus.hpp"

namespace wskit::redis {

using chat::RoomEvent;

void RedisBus::track_own(const RoomEvent& e) {
    switch (e.type) {
        case RoomEvent::Type::join:
        case RoomEvent::Type::rename: own_[e.room][e.origin_conn] = e.from; break;
        case RoomEvent::Type::leave: {
            auto room = own_.find(e.room);
            if (room == own_.end()) break;
            room->second.erase(e.origin_conn);
            if (room->second.empty()) own_.erase(room);
            break;
        }
        default: break;
    }
}

void RedisBus::expire(const std::string& key, std::chrono::milliseconds ttl) {
    if (ttl.count() > 0) pub_.command({"PEXPIRE", key, std::to_string(ttl.count())});
}

// Queued on the publishing connection before the PUBLISH: a process that
// receives the event finds Redis already saying so. The history before
// the sequence mark: a process reading the mark then the list finds every
// message the mark counts in the list (or trimmed from it).
void RedisBus::persist(const Envelope& env) {
    const auto& e = env.event;
    auto field = presence_field(e.origin, e.origin_conn);
    auto expires = now_ms() + options_.presence_ttl.count();
    switch (e.type) {
        case RoomEvent::Type::message:
        case RoomEvent::Type::action:
            if (options_.history) {
                auto history = key("history", e.room);
                pub_.command({"LPUSH", history, encode_event(env)});
                pub_.command({"LTRIM", history, "0", std::to_string(options_.history - 1)});
                expire(history, options_.history_ttl);
            }
            if (env.seq) {
                pub_.command({"HSET", key("seq", e.room), e.origin, sequence_value(env.epoch, env.seq)});
                expire(key("seq", e.room), options_.history_ttl);
            }
            break;
        case RoomEvent::Type::join:
        case RoomEvent::Type::rename:
            pub_.command({"HSET", key("presence", e.room), field, presence_value(e.from, expires)});
            expire(key("presence", e.room), options_.presence_ttl);
            pub_.command({"ZADD", rooms_key(), std::to_string(expires), e.room});
            expire(rooms_key(), options_.presence_ttl);
            break;
        case RoomEvent::Type::leave: pub_.command({"HDEL", key("presence", e.room), field}); break;
    }
}

void RedisBus::schedule_refresh() {
    refresh_timer_ = loop_.after(options_.presence_ttl / 3, [this] {
        refresh_timer_ = 0;
        if (sharing() && !resuming_) {
            refresh_presence();
            for (const auto& room : ledger_.rooms())
                if (!syncing_.count(room)) check_presence(room);
        }
        schedule_refresh();
    });
}

// This process vouches for its clients for another presence_ttl.
void RedisBus::refresh_presence() {
    auto expires = now_ms() + options_.presence_ttl.count();
    for (const auto& [room, clients] : own_) {
        std::vector<std::string> argv{"HSET", key("presence", room)};
        for (const auto& [conn, name] : clients) {
            argv.push_back(presence_field(node_, conn));
            argv.push_back(presence_value(name, expires));
        }
        pub_.command(argv);
        expire(key("presence", room), options_.presence_ttl);
        pub_.command({"ZADD", rooms_key(), std::to_string(expires), room});
    }
    if (!own_.empty()) expire(rooms_key(), options_.presence_ttl);
    refresh_names();
}

std::vector<PresenceEntry> RedisBus::presence_of(const std::string& room, const Reply& hash) {
    auto now = now_ms();
    std::vector<PresenceEntry> entries;
    std::vector<std::string> expired{"HDEL", key("presence", room)};
    for (std::size_t i = 0; i + 1 < hash.elements.size(); i += 2) {
        auto p = parse_presence(hash.elements[i].str, hash.elements[i + 1].str, options_.limits);
        if (!p) {
            reject(key("presence", room), "not a presence entry");
            continue;
        }
        if (p->expires_ms <= now) expired.push_back(hash.elements[i].str);
        else entries.push_back(std::move(*p));
    }
    if (expired.size() > 2) pub_.command(expired);
    return entries;
}

// Who Redis says is in `room`: the members of dead processes leave, the
// ones this process had not heard of join; expired entries are removed.
void RedisBus::check_presence(const std::string& room) {
    pub_.command({"HGETALL", key("presence", room)}, [this, room](const Reply& hash) {
        auto entries = presence_of(room, hash);
        for (const auto& e : ledger_.reconcile(room, entries, now_ms())) notify(e);
    });
}

}  // namespace wskit::redis
