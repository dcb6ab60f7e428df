// chat::Bus over Redis pub/sub. Every room's events go to the channel
// PREFIX:room:ROOM and are delivered to this process's subscribers when
// they come back from Redis, its own included: Redis orders a channel's
// messages once for every subscriber, so every process (and so every
// client) sees a room's events in the same order. An event of this
// process is delivered once: when its echo arrives, or at once when Redis
// is unreachable (degraded: the process serves its own clients alone), or
// when the connection is lost before its echo came back. What is said
// while Redis is unreachable is also kept, and published once it is back.
//
// A process knows only the rooms its clients are in: a room is read from
// Redis (history, presence) when it opens here, and forgotten when its
// last client here leaves. Nothing scans Redis' keys.
#pragma once

#include "chat/redis/connection.hpp"
#include "chat/redis/event_codec.hpp"
#include "chat/redis/room_ledger.hpp"

#include <wskit/chat/bus.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>

namespace wskit::redis {

struct RedisBusOptions {
    std::size_t history = 50;  // messages kept per room in Redis (the chat's --history)
    // How long a room's history outlives its last message: a day keeps a
    // conversation paused overnight, in any time zone, for whoever comes
    // back; a room created once and left is gone from Redis the next day
    // instead of costing memory for ever. 0: kept for ever.
    std::chrono::seconds history_ttl{86400};
    // How long a process vouches for its clients in Redis; it says so again
    // every third of it. A process killed without a word has its clients
    // leave the other processes' rooms within presence_ttl * 5 / 3.
    std::chrono::milliseconds presence_ttl{6000};
    // Redis not answering for this long is taken for gone (see Connection).
    std::chrono::milliseconds reply_timeout{3000};
    EventLimits limits;  // what an event read from Redis may hold
    std::string prefix = "wskit:chat";
};

struct BusStats {
    enum class State { connecting, connected, degraded };
    State state = State::connecting;
    std::string last_error;          // why it is degraded
    std::uint64_t published = 0;     // events sent to Redis
    std::uint64_t delivered_remote = 0;  // events from other processes, delivered here
    std::uint64_t delivered_own = 0;     // this process's events, back from Redis
    std::uint64_t delivered_local = 0;   // this process's events delivered without Redis
    std::uint64_t reconnects = 0;        // connections made again after a loss
    std::size_t outbox = 0;              // messages said here while degraded, not sent to Redis yet
    std::uint64_t outbox_dropped = 0;    // ... pushed out of the full outbox: the others never see them
    // Messages of other processes in rooms open here that never came: said
    // while this process could not hear Redis and gone from the history
    // list since, or dropped from their author's outbox.
    std::uint64_t lost = 0;
    std::uint64_t rejected = 0;          // events read from Redis that were not valid
    std::size_t unanswered_bytes = 0;    // of commands sent to Redis, now
    std::size_t paused = 0;              // clients not read until Redis catches up, now
    std::uint64_t stalls = 0;            // times Redis was given up for not answering
    // Cross-process delivery latency (the event's time to its delivery
    // here), a histogram with these upper bounds in seconds.
    static constexpr std::array<double, 10> bounds{0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
    std::array<std::uint64_t, bounds.size() + 1> latency_buckets{};  // the last one: above every bound
    double latency_sum = 0;
    std::uint64_t latency_count = 0;
};
const char* state_name(BusStats::State state);  // "connecting", "connected", "degraded"

// A lost connection is tried again after 100 ms, then twice as long each
// time up to 5 s, each with ±50% jitter (so that the processes of a
// cluster do not all come back at the same instant): a live process is
// back at most longest_retry after Redis.
constexpr std::chrono::milliseconds first_backoff{100}, max_backoff{5000}, longest_retry = max_backoff * 3 / 2;
std::int64_t now_ms();  // the system clock, as presence entries have it

class RedisBus final : public chat::Bus {
public:
    // Stops (pause true) or resumes reading a client of this process: its
    // messages cannot be sent to Redis as fast as it says them.
    using Pause = std::function<void(ConnId, bool pause)>;

    // `node` names this process in the events it publishes.
    RedisBus(EventLoop& loop, RedisUrl url, std::string node, RedisBusOptions options, Pause pause = {});
    ~RedisBus() override;

    void start();  // connects; events are delivered locally until connected
    Subscription subscribe(const std::string& room, Handler handler) override;
    void unsubscribe(Subscription subscription) override;
    void publish(const chat::RoomEvent& event) override;
    void load_room(const std::string& room, Loaded done) override;
    void list_rooms(Listed done) override;
    void claim_name(const std::string& room, const std::string& name, const chat::Presence& owner,
                    ClaimDone done) override;
    void release_name(const std::string& room, const std::string& name, const chat::Presence& owner) override;

    const BusStats& stats();
    std::string where() const;  // HOST:PORT
    const std::string& node() const { return node_; }

private:
    bool sharing() const { return pub_.ready() && subscribed_; }
    void deliver(const chat::RoomEvent& event);  // to the ledger and the subscribers
    void notify(const chat::RoomEvent& event);   // to the subscribers
    void send(const Envelope& e);                // persist + PUBLISH, pending its echo
    Envelope number(const chat::RoomEvent& event);
    std::string key(const char* kind, const std::string& room) const { return prefix_ + ":" + kind + ":" + room; }
    std::string room_channel(const std::string& room) const { return key("room", room); }
    std::string node_channel() const { return prefix_ + ":node:" + node_; }
    std::string rooms_key() const { return prefix_ + ":rooms"; }
    // --- what Redis keeps (bus_state.cpp) ---------------------------------
    void track_own(const chat::RoomEvent& event);
    void persist(const Envelope& e);
    void expire(const std::string& key, std::chrono::milliseconds ttl);
    void refresh_presence();
    void check_presence(const std::string& room);
    // A presence hash as read, its valid entries; the expired ones are
    // removed from Redis.
    std::vector<PresenceEntry> presence_of(const std::string& room, const Reply& hash);
    void schedule_refresh();
    // --- rooms opening here, and catching up (bus_rooms.cpp) ------------
    void sync(const std::string& room);
    void synced(const std::string& room, const std::vector<Envelope>& history,
                const std::vector<SequenceMark>& marks, const std::vector<PresenceEntry>& presence);
    void finish_loads(const std::string& room, chat::RoomState state);
    void resume_sharing();
    void announce();
    void answer_listings();
    // --- names claimed in Redis (bus_names.cpp) ---------------------------
    std::string name_key(const std::string& room, const std::string& name) const;
    void refresh_names();
    void grant_waiting_claims();
    // --- writing no faster than Redis answers, and liveness (bus_flow.cpp)
    bool congested() const;
    void wait_for_redis(const Envelope& e);
    void drain();
    void resume_clients();
    void heartbeat();
    void on_heartbeat(const Reply& push);

    void on_message(const Reply& push);
    std::optional<Envelope> read_event(const std::string& payload, const std::string& where, const std::string& room);
    void reject(const std::string& where, const std::string& why);
    void receive(const Envelope& e);  // an event from Redis
    void on_ready();
    void on_lost(Connection& connection, const std::string& why);
    void take_back();
    // --- what is said while Redis is unreachable (bus_outbox.cpp) --------
    void keep_for_later(const Envelope& e);
    void send_outbox();
    void retry(Connection& connection);
    void record_latency(chat::Time ts);

    EventLoop& loop_;
    RedisUrl url_;
    std::string node_;
    RedisBusOptions options_;
    std::string prefix_;
    Pause pause_;
    Connection pub_;  // PUBLISH and the rest
    Connection sub_;  // PSUBSCRIBE: a connection in subscriber mode takes no other command
    bool subscribed_ = false, subscribing_ = false;
    bool was_sharing_ = false;  // for saying only changes on stderr
    bool said_degraded_ = false;
    bool said_rejected_ = false;
    bool resuming_ = false;     // reading the open rooms from Redis before saying "sharing"
    std::uint64_t lost_while_resuming_ = 0;
    std::set<std::string> rooms_with_losses_;
    std::map<Subscription, std::pair<std::string, Handler>> subscribers_;
    Subscription next_ = 1;
    // This process's events sent to Redis and not back yet, in order, and
    // how many per room (an echo for a room closed here is still awaited).
    std::deque<Envelope> pending_;
    std::map<std::string, std::size_t> pending_rooms_;
    // Events waiting for Redis to answer what was sent before (congested),
    // their bytes, and the clients not read meanwhile (bus_flow.cpp).
    std::deque<Envelope> waiting_;
    std::size_t waiting_bytes_ = 0;
    std::set<ConnId> paused_;
    // This process's messages delivered here while Redis was unreachable,
    // to be published once it is back (bus_outbox.cpp), and their bytes.
    std::deque<Envelope> outbox_;
    std::size_t outbox_bytes_ = 0;
    bool said_overflow_ = false;
    // Rooms being read from Redis (opening here, or catching up): what
    // comes off the bus meanwhile waits, and so do the hub's load_room.
    struct Sync {
        std::uint64_t generation = 0;  // a room closed and opened again is read again
        std::vector<Envelope> held;
    };
    std::map<std::string, Sync> syncing_;
    std::uint64_t sync_generation_ = 0;
    std::map<std::string, std::vector<Loaded>> loads_;
    // /rooms asked of Redis and not answered yet: answered with nothing
    // (this process's own) if the connection goes first.
    std::map<std::uint64_t, Listed> listings_;
    std::uint64_t next_listing_ = 1;
    std::map<const Connection*, std::chrono::milliseconds> backoff_;
    std::map<const Connection*, EventLoop::TimerId> retry_timers_;  // cancelled with the bus
    std::minstd_rand random_;
    BusStats stats_;
    RoomLedger ledger_;
    // This process's clients, by room: their presence is refreshed in Redis.
    std::map<std::string, std::map<ConnId, std::string>> own_;
    EventLoop::TimerId refresh_timer_ = 0, heartbeat_timer_ = 0;
    // Heartbeats Redis has taken (PUBLISH answered) and the subscriber
    // connection has not brought back yet, oldest first, with when.
    std::uint64_t heartbeat_seq_ = 0;
    std::deque<std::pair<std::uint64_t, std::chrono::steady_clock::time_point>> unechoed_;
    std::uint64_t deaf_subscribers_ = 0;  // subscriber connections given up for hearing nothing
    // Claims sent to Redis and not answered yet: granted here if the
    // connection goes first (hiredis then drops their callbacks).
    std::map<std::uint64_t, ClaimDone> claims_;
    std::uint64_t next_claim_ = 1;
};

}  // namespace wskit::redis
