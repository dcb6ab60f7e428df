// What RedisBus keeps in Redis besides the messages in flight: each room's
// last messages (a list, LPUSH + LTRIM) and who is in it (a hash of
// ORIGIN/CONN -> name and expiry, refreshed by the process that has the
// client). Read when sharing (re)starts, and presence checked on a timer.
#include "bus.hpp"

#include "event_codec.hpp"

#include <set>

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

// Queued on the publishing connection before the PUBLISH: a process that
// receives the event finds Redis already saying so.
void RedisBus::persist(const RoomEvent& e) {
    auto field = presence_field(e.origin, e.origin_conn);
    switch (e.type) {
        case RoomEvent::Type::message:
        case RoomEvent::Type::action:
            if (history_ == 0) break;
            pub_.command({"LPUSH", history_key(e.room), encode_event(e)});
            pub_.command({"LTRIM", history_key(e.room), "0", std::to_string(history_ - 1)});
            break;
        case RoomEvent::Type::join:
        case RoomEvent::Type::rename:
            pub_.command({"HSET", presence_key(e.room), field,
                          presence_value(e.from, now_ms() + presence_ttl.count())});
            break;
        case RoomEvent::Type::leave: pub_.command({"HDEL", presence_key(e.room), field}); break;
    }
}

// Every room Redis has history or presence for, then "sharing" once all
// of it is in the cache: a client joining after that line sees it.
void RedisBus::load_then_announce() {
    loading_ = true;
    refresh_presence();  // our own clients first: after a restart, Redis has none
    // Sharing again after a loss: what the others said meanwhile, while
    // this process heard nothing, is in the history lists.
    bool catch_up = stats_.state == BusStats::State::degraded;
    catching_up_ = catch_up;
    pub_.command({"KEYS", history_key("*")}, [this, catch_up](const Reply& keys) {
        auto skip = history_key("").size();
        for (const auto& key : keys.elements) {
            auto room = key.str.substr(skip);
            pub_.command({"LRANGE", key.str, "0", std::to_string(history_ ? history_ - 1 : 0)},
                         [this, room, catch_up](const Reply& list) {
                             std::vector<RoomEvent> events;
                             for (const auto& item : list.elements)
                                 if (auto e = decode_event(item.str)) events.push_back(*e);
                             cache_.load_history(room, events);
                             missed(events, catch_up);
                         });
        }
    });
    pub_.command({"KEYS", presence_key("*")}, [this](const Reply& keys) {
        auto skip = presence_key("").size();
        for (const auto& key : keys.elements) check_presence(key.str.substr(skip));
        // Replies come in order: this one comes after all of the above.
        pub_.command({"PING"}, [this](const Reply&) {
            loading_ = false;
            release_held();
            announce();
        });
    });
}

// The messages of other processes in a history list (newest first) that
// were not delivered here are delivered now, oldest first, when catching
// up; at the first connection they are only history (room_state).
void RedisBus::missed(const std::vector<RoomEvent>& newest_first, bool catch_up) {
    for (auto it = newest_first.rbegin(); it != newest_first.rend(); ++it) {
        if (it->origin == node_ || seen_before(*it) || !catch_up) continue;
        ++stats_.delivered_remote;
        record_latency(it->ts);
        notify(*it);
    }
}

void RedisBus::schedule_refresh() {
    refresh_timer_ = loop_.after(presence_refresh, [this] {
        refresh_timer_ = 0;
        if (sharing() && !loading_) {
            refresh_presence();
            std::set<std::string> rooms;
            for (const auto& room : cache_.rooms()) rooms.insert(room);
            for (const auto& [room, clients] : own_) rooms.insert(room);
            for (const auto& room : rooms) check_presence(room);
        }
        schedule_refresh();
    });
}

// This process vouches for its clients for another presence_ttl.
void RedisBus::refresh_presence() {
    auto expires = now_ms() + presence_ttl.count();
    for (const auto& [room, clients] : own_) {
        std::vector<std::string> argv{"HSET", presence_key(room)};
        for (const auto& [conn, name] : clients) {
            argv.push_back(presence_field(node_, conn));
            argv.push_back(presence_value(name, expires));
        }
        pub_.command(argv);
    }
    refresh_names();
}

// Who Redis says is in `room`: the members of dead processes leave, the
// ones this process had not heard of join; expired entries are removed.
void RedisBus::check_presence(const std::string& room) {
    pub_.command({"HGETALL", presence_key(room)}, [this, room](const Reply& hash) {
        auto now = now_ms();
        std::vector<PresenceEntry> entries;
        std::vector<std::string> expired{"HDEL", presence_key(room)};
        for (std::size_t i = 0; i + 1 < hash.elements.size(); i += 2) {
            PresenceEntry p;
            if (!parse_presence(hash.elements[i].str, hash.elements[i + 1].str, p)) continue;
            if (p.expires_ms <= now) expired.push_back(hash.elements[i].str);
            else entries.push_back(p);
        }
        if (expired.size() > 2) pub_.command(expired);
        for (const auto& e : cache_.reconcile(room, entries, node_, now, presence_refresh.count())) notify(e);
    });
}

}  // namespace wskit::redis
