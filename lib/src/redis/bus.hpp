// chat::Bus over Redis pub/sub. Every room's events go to the channel
// PREFIX:room:ROOM and are delivered to this process's subscribers when
// they come back from Redis, its own included: Redis orders a channel's
// messages once for every subscriber, so every process (and so every
// client) sees a room's events in the same order. An event of this
// process is delivered once: when its echo arrives, or at once when Redis
// is unreachable (degraded: the process serves its own clients alone), or
// when the connection is lost before its echo came back. What is said
// while Redis is unreachable is also kept, and published once it is back.
#pragma once

#include "connection.hpp"
#include "room_cache.hpp"

#include <wskit/chat_bus.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <random>
#include <string>

namespace wskit::redis {

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
    std::uint64_t stalls = 0;            // times Redis was given up for not answering
    // Cross-process delivery latency (the event's time to its delivery
    // here), a histogram with these upper bounds in seconds.
    static constexpr std::array<double, 10> bounds{0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
    std::array<std::uint64_t, bounds.size() + 1> latency_buckets{};  // the last one: above every bound
    double latency_sum = 0;
    std::uint64_t latency_count = 0;
};
const char* state_name(BusStats::State state);  // "connecting", "connected", "degraded"
std::int64_t now_ms();  // the system clock, as presence entries have it

// How long a process vouches for its clients in Redis, and how often it
// says so again: a process killed without a word has its clients leave
// the other processes' rooms within about presence_ttl + presence_refresh.
constexpr std::chrono::milliseconds presence_ttl{6000}, presence_refresh{2000};

class RedisBus final : public chat::Bus {
public:
    // `node` names this process in the events it publishes.
    // `history`: messages kept per room in Redis (the chat's --history).
    // `reply_timeout`: Redis not answering for this long is taken for gone
    // (see Connection::Limits).
    RedisBus(EventLoop& loop, RedisUrl url, std::string node, std::size_t history,
             std::chrono::milliseconds reply_timeout, std::string prefix = "wskit:chat");
    ~RedisBus() override;

    void start();  // connects; events are delivered locally until connected
    Subscription subscribe(const std::string& room, Handler handler) override;
    void unsubscribe(Subscription subscription) override;
    void publish(const chat::RoomEvent& event) override;
    chat::RoomState room_state(const std::string& room) const override { return cache_.state(room); }
    void claim_name(const std::string& room, const std::string& name, const chat::Presence& owner,
                    ClaimDone done) override;
    void release_name(const std::string& room, const std::string& name, const chat::Presence& owner) override;

    const BusStats& stats();
    std::string where() const;  // HOST:PORT
    const std::string& node() const { return node_; }

private:
    bool sharing() const { return pub_.ready() && subscribed_; }
    void deliver(const chat::RoomEvent& event);  // to the cache and the subscribers
    void notify(const chat::RoomEvent& event);   // to the subscribers
    // --- what Redis keeps (bus_state.cpp) ---------------------------------
    void track_own(const chat::RoomEvent& event);
    void persist(const chat::RoomEvent& event);
    void load_then_announce();
    void refresh_presence();
    void check_presence(const std::string& room);
    void schedule_refresh();
    void announce();
    std::string room_channel(const std::string& room) const { return prefix_ + ":room:" + room; }
    std::string history_key(const std::string& room) const { return prefix_ + ":history:" + room; }
    std::string presence_key(const std::string& room) const { return prefix_ + ":presence:" + room; }
    // --- names claimed in Redis (bus_names.cpp) ---------------------------
    std::string name_key(const std::string& room, const std::string& name) const;
    void refresh_names();
    void grant_waiting_claims();

    void on_message(const Reply& push);
    void receive(const chat::RoomEvent& event);  // an event from Redis
    void release_held();
    void on_ready();
    void on_lost(Connection& connection, const std::string& why);
    void flush_pending();
    // --- what is said while Redis is unreachable (bus_outbox.cpp) --------
    void keep_for_later(const chat::RoomEvent& event);
    void send_outbox();
    bool seen_before(const chat::RoomEvent& event);
    void missed(const std::vector<chat::RoomEvent>& newest_first, bool catch_up);
    void retry(Connection& connection);
    void record_latency(chat::Time ts);

    EventLoop& loop_;
    RedisUrl url_;
    std::string node_;
    std::string prefix_;
    Connection pub_;  // PUBLISH and the rest
    Connection sub_;  // PSUBSCRIBE: a connection in subscriber mode takes no other command
    bool subscribed_ = false, subscribing_ = false;
    bool was_sharing_ = false;  // for saying only changes on stderr
    bool said_degraded_ = false;
    bool loading_ = false;      // reading Redis' rooms before saying "sharing"
    std::map<Subscription, std::pair<std::string, Handler>> subscribers_;
    Subscription next_ = 1;
    // This process's events sent to Redis and not back yet, in order.
    std::deque<chat::RoomEvent> pending_;
    // This process's messages delivered here while Redis was unreachable,
    // to be published once it is back (bus_outbox.cpp), and their bytes.
    std::deque<chat::RoomEvent> outbox_;
    std::size_t outbox_bytes_ = 0;
    bool said_overflow_ = false;
    // The last event id delivered from each other process: an event Redis
    // brings twice (sent again after a loss, unsure it had arrived) is
    // delivered once.
    std::map<std::string, std::uint64_t> last_seen_;
    // Reading the history lists after a loss: events from Redis wait here.
    bool catching_up_ = false;
    std::vector<chat::RoomEvent> held_;
    std::map<const Connection*, std::chrono::milliseconds> backoff_;
    std::map<const Connection*, EventLoop::TimerId> retry_timers_;  // cancelled with the bus
    std::minstd_rand random_;
    BusStats stats_;
    std::size_t history_;
    RoomCache cache_;
    // This process's clients, by room: their presence is refreshed in Redis.
    std::map<std::string, std::map<ConnId, std::string>> own_;
    EventLoop::TimerId refresh_timer_ = 0;
    // Claims sent to Redis and not answered yet: granted here if the
    // connection goes first (hiredis then drops their callbacks).
    std::map<std::uint64_t, ClaimDone> claims_;
    std::uint64_t next_claim_ = 1;
};

}  // namespace wskit::redis
