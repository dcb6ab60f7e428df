// Rooms opening here, and catching up. A room is read from Redis when its
// first client here arrives (load_room), never before: its sequence marks,
// its history list and its presence hash, in that order on one connection,
// while what comes live for it waits. When sharing resumes after a loss,
// every room open here is read again the same way, and what the others
// said meanwhile is delivered then: the messages still in the history
// list, late; those gone from it are counted as lost (the marks say how
// many), and said on stderr once the catching up is done.
#include "chat/redis/bus.hpp"

#include <wskit/diagnostics.hpp>
#include <wskit/encoding.hpp>

#include <fmt/format.h>

#include <memory>

namespace wskit::redis {
namespace {

// KEYS[1] the rooms' sorted set (score: until when someone vouches for
// the room), ARGV[1] now in ms, ARGV[2] how many, ARGV[3] the presence
// hashes' prefix: each live room and how many people its hash has.
const char* list_script =
    "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1]) "
    "local rooms = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf', 'LIMIT', 0, tonumber(ARGV[2])) "
    "local out = {} "
    "for _, room in ipairs(rooms) do out[#out + 1] = room; out[#out + 1] = redis.call('HLEN', ARGV[3] .. room) end "
    "return out";

// /rooms lists this many at most.
constexpr std::size_t listed_rooms = 1000;

}  // namespace

void RedisBus::load_room(const std::string& room, Loaded done) {
    // Not sharing: the room opens with what this process has, and catches
    // up when sharing resumes.
    if (!ledger_.is_open(room) || !sharing()) return done({});
    loads_[room].push_back(std::move(done));
    sync(room);
}

void RedisBus::finish_loads(const std::string& room, chat::RoomState state) {
    auto it = loads_.find(room);
    if (it == loads_.end()) return;
    auto waiting = std::move(it->second);
    loads_.erase(it);
    for (auto& done : waiting) done(state);
}

void RedisBus::sync(const std::string& room) {
    if (syncing_.count(room)) return;  // its answer serves this one too
    auto generation = ++sync_generation_;
    syncing_[room].generation = generation;
    struct Replies {
        std::vector<SequenceMark> marks;
        std::vector<Envelope> history;
    };
    auto replies = std::make_shared<Replies>();
    pub_.command({"HGETALL", key("seq", room)}, [this, replies, where = key("seq", room)](const Reply& r) {
        for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
            if (auto m = parse_sequence(r.elements[i].str, r.elements[i + 1].str)) replies->marks.push_back(*m);
            else reject(where, "not a message count");
        }
    });
    if (options_.history)
        pub_.command({"LRANGE", key("history", room), "0", std::to_string(options_.history - 1)},
                     [this, replies, room, where = key("history", room)](const Reply& r) {
                         for (const auto& item : r.elements)
                             if (auto e = read_event(item.str, where, room)) replies->history.push_back(std::move(*e));
                     });
    pub_.command({"HGETALL", key("presence", room)}, [this, room, generation, replies](const Reply& r) {
        auto s = syncing_.find(room);
        if (s == syncing_.end() || s->second.generation != generation) return;  // closed here meanwhile
        auto held = std::move(s->second.held);
        syncing_.erase(s);
        synced(room, replies->history, replies->marks, presence_of(room, r));
        for (const auto& e : held) receive(e);
    });
}

void RedisBus::synced(const std::string& room, const std::vector<Envelope>& history,
                      const std::vector<SequenceMark>& marks, const std::vector<PresenceEntry>& presence) {
    auto now = now_ms();
    if (loads_.count(room)) return finish_loads(room, ledger_.load(room, history, marks, presence, now));
    auto caught = ledger_.catch_up(room, history, marks, now);
    for (const auto& e : caught.missed) {
        ++stats_.delivered_remote;
        record_latency(e.ts);
        notify(e);
    }
    if (caught.lost) {
        stats_.lost += caught.lost;
        lost_while_resuming_ += caught.lost;
        rooms_with_losses_.insert(room);
    }
    for (const auto& e : ledger_.reconcile(room, presence, now)) notify(e);
}

// Sharing (again): this process's clients are written back first (after a
// restart Redis has none), every process is given the time to do the same
// (its next try to reconnect, then a TTL) before its members are taken for
// gone, and every room open here is read again; "sharing" is said once all
// of it is in.
void RedisBus::resume_sharing() {
    resuming_ = true;
    lost_while_resuming_ = 0;
    rooms_with_losses_.clear();
    refresh_presence();
    ledger_.keep_members_until(now_ms() + (options_.presence_ttl + longest_retry).count());
    for (const auto& room : ledger_.rooms()) sync(room);
    // Replies come in order: this one comes after all of the above.
    pub_.command({"PING"}, [this](const Reply&) {
        resuming_ = false;
        announce();
        if (!lost_while_resuming_) return;
        auto rooms = std::vector<std::string>(rooms_with_losses_.begin(), rooms_with_losses_.end());
        auto named = rooms.size() <= 3 ? fmt::format("{}", fmt::join(rooms, ", "))
                                       : fmt::format("{}, {} and {} other rooms", rooms[0], rooms[1], rooms.size() - 2);
        diagnose(DiagnosticKind::warning, fmt::format("{} message{} said on other processes while this one could not hear Redis "
                                 "{} lost (in {}): only each room's last --history are caught up",
                                 lost_while_resuming_, lost_while_resuming_ == 1 ? "" : "s",
                                 lost_while_resuming_ == 1 ? "was" : "were", escape_controls(named)));
    });
}

void RedisBus::announce() {
    if (stats_.state == BusStats::State::degraded) {
        ++stats_.reconnects;
        diagnose(DiagnosticKind::warning, fmt::format("Redis at {} is back: sharing rooms again", where()));
    } else {
        diagnose(DiagnosticKind::warning, fmt::format("sharing rooms through Redis at {}", where()));
    }
    said_degraded_ = false;
    stats_.state = BusStats::State::connected;
    stats_.last_error.clear();
}

void RedisBus::list_rooms(Listed done) {
    if (!sharing()) return done(std::nullopt);
    auto id = next_listing_++;
    listings_[id] = std::move(done);
    bool sent = pub_.command({"EVAL", list_script, "1", rooms_key(), std::to_string(now_ms()),
                              std::to_string(listed_rooms), key("presence", "")},
                             [this, id](const Reply& r) {
                                 auto it = listings_.find(id);
                                 if (it == listings_.end()) return;
                                 auto answer = std::move(it->second);
                                 listings_.erase(it);
                                 if (!r.ok()) return answer(std::nullopt);
                                 std::vector<chat::RoomCount> rooms;
                                 for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
                                     if (is_room_name(r.elements[i].str) && r.elements[i + 1].integer > 0)
                                         rooms.push_back({r.elements[i].str,
                                                          static_cast<std::size_t>(r.elements[i + 1].integer)});
                                 answer(std::move(rooms));
                             });
    if (!sent) answer_listings();
}

// Listings Redis will not answer (the connection went): this process's own.
void RedisBus::answer_listings() {
    auto waiting = std::move(listings_);
    listings_.clear();
    for (auto& [id, done] : waiting) done(std::nullopt);
}

}  // namespace wskit::redis
