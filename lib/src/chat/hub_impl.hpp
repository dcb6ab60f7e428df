// Hub::Impl: the state of a hub's rooms and clients, shared by hub.cpp
// (joins, leaves, events) and commands.cpp (what clients type).
#pragma once

#include <wskit/chat/room.hpp>

#include <array>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace wskit::chat {

struct Client {
    std::string room;
    std::string name;
    WireFormat format = WireFormat::text;
    RateLimiter rate;
    bool closing = false;  // closed for its rate: what it still sends is ignored
    // This process's events before this id were in the roster it was shown
    // on joining, even those a bus had not returned yet (see fan_out).
    std::uint64_t first_id = 0;
    bool joined = false;  // its name granted, greeted, in the room
    // A name being claimed (claims.cpp): what the client asked for, the
    // names the bus refused meanwhile, and what it sent while it waited.
    bool claiming = false;
    std::uint64_t claim = 0;  // the claim in flight; an answer to an older one is stale
    std::string wanted;
    std::vector<std::string> refused;
    // A vector, not a deque: a deque allocates half a KiB even empty, and
    // this is empty for nearly every client (an idle chat client's largest
    // share of its own state).
    std::vector<std::pair<std::string, Time>> held;
};

// Someone in a room, in this process or another.
struct Member {
    Member(std::string o, ConnId c, std::string n) : origin(std::move(o)), conn(c) { rename(std::move(n)); }
    void rename(std::string n) {
        name = std::move(n);
        key = name_key(name);
    }
    std::string origin;
    ConnId conn = 0;
    std::string name;
    std::string key;  // name_key(name), what a name taken is checked against
};

// Joins and leaves a room has not announced yet. Announcing each one to
// everyone makes a room filling up send N(N-1)/2 frames; a token bucket
// lets a quiet room announce at once and makes a busy one announce them
// together, a few times a second (see presence.cpp).
struct PresenceBatch {
    std::vector<RoomEvent> pending;
    double tokens = 0;         // announcements that may go now
    Time refilled{};           // when `tokens` was last topped up
    bool wake_asked = false;   // a wake Output for this batch is out
};

struct Room {
    explicit Room(std::string n) : name(std::move(n)) {}
    std::string name;
    Bus::Subscription subscription = 0;  // 0 while nobody is in it here
    // This process's clients by wire format (WireFormat as the index): a
    // message is rendered once per format and goes to one of these lists.
    std::array<std::vector<ConnId>, 2> local;
    std::vector<Member> roster;  // everyone, in join order
    std::deque<RoomEvent> history;
    std::map<ConnId, std::string> claims;  // name_key of the names this process's clients are claiming here
    PresenceBatch presence;
    // Opening: the bus is reading what it knows of the room (load_room);
    // the clients that arrive meanwhile wait to claim their names.
    bool loading = false;
    std::vector<ConnId> waiting;

    bool empty_here() const { return local[0].empty() && local[1].empty(); }
    std::vector<ConnId>& local_of(WireFormat f) { return local[static_cast<std::size_t>(f)]; }
};

struct Hub::Impl {
    Impl(Bus& b, HubOptions o, Sink s, std::string n)
        : bus(b), options(o), sink(std::move(s)), node(std::move(n)) {}

    // --- clients ----------------------------------------------------------
    void join(ConnId conn, std::string_view resource, WireFormat format, Time now);
    void receive(ConnId conn, std::string_view text, Time now);
    void leave(ConnId conn, Time now);
    void handle(ConnId conn, Client& c, std::string_view text, Time now);
    void admit(ConnId conn, Time now);  // once its name is granted
    void list_rooms(ConnId conn);

    // --- names claimed through the bus (claims.cpp) -----------------------
    void claim(ConnId conn, std::string wanted, Time now);
    void try_claim(ConnId conn, Time now);
    void on_claim(ConnId conn, std::uint64_t id, const std::string& room, const std::string& name, bool granted,
                  Time now);
    void hold(ConnId conn, Client& c, std::string_view text, Time now);
    void replay_held(ConnId conn);
    void release(const std::string& room, ConnId conn, const std::string& name);
    void rename(ConnId conn, Client& c, const std::string& name, Time now);

    // --- commands ---------------------------------------------------------
    void command(ConnId conn, Client& c, std::string_view line, Time now);
    void nick(ConnId conn, Client& c, std::string_view args, Time now);
    // Rooms and their people: those `elsewhere` knows of (every process's,
    // or nothing), and this hub's own.
    std::string rooms_line(const std::optional<std::vector<RoomCount>>& elsewhere) const;

    // --- rooms ------------------------------------------------------------
    Room& open_room(const std::string& name);
    void on_loaded(const std::string& name, Bus::Subscription subscription, RoomState state);
    void close_room(const std::string& name);
    void forget_room(std::string name);  // an idle room, history and all (a copy: idle may hold it)
    // Whether someone other than `except` (a client here) goes by `name`.
    bool taken(const Room& room, std::string_view name, ConnId except) const;
    // The first `limit` names of the room, in join order.
    static std::vector<std::string> names(const Room& room, std::size_t limit = SIZE_MAX);

    // --- history, within options.history_memory (history.cpp) ----------
    void push_history(Room& room, const RoomEvent& e);
    void replace_history(Room& room, std::vector<RoomEvent> events);
    void forget_history(Room& room);
    void pop_history(Room& room);
    void trim_history();

    // --- events -----------------------------------------------------------
    RoomEvent make_event(ConnId conn, const Client& c, RoomEvent::Type type, std::string text, Time now);
    void publish(ConnId conn, RoomEvent::Type type, std::string text, Time now);
    void send(const RoomEvent& e);
    Output record(const RoomEvent& e) const;
    void on_bus_event(const RoomEvent& e);
    void update_roster(Room& room, const RoomEvent& e);
    // One frame per format for everyone but the author; the author sees
    // its own message marked as its own (JSON) or not at all (a terminal
    // already shows what it sent), and no notice of its own join.
    void fan_out(const Room& room, const RoomEvent& e);
    bool already_known(const Client& c, const RoomEvent& e) const;

    // --- joins and leaves (presence.cpp) --------------------------------
    // A join or leave off the bus: announced now, or in the room's batch.
    void announce(Room& room, const RoomEvent& e);
    // The room's batch, to everyone; a client who joined during it hears
    // only of what came after its own join.
    void flush_presence(Room& room);
    // Rooms whose batch may go by `now` send it.
    void flush_due(Time now);
    bool take_presence_token(PresenceBatch& batch);
    void ask_wake(Room& room);
    void greet(ConnId conn, const Client& c, const Room& room, Time now);
    void tell(ConnId conn, const Client& c, std::string_view text, Time now);
    void deliver(std::vector<ConnId> to, std::string text);
    Output notice(ConnId conn, std::string reason);
    void close(ConnId conn, Client& c, std::string reason);

    Bus& bus;
    HubOptions options;
    Sink sink;
    std::string node;
    std::map<ConnId, Client> clients;
    std::map<std::string, Room> rooms;
    std::deque<std::string> idle;  // rooms nobody is in, emptied longest ago first
    // The bytes of every room's history, and each room's oldest message
    // (its time, the room): the first of these goes first when the bytes
    // are over options.history_memory.
    std::size_t history_bytes = 0;
    std::set<std::pair<Time, std::string>> oldest_messages;
    std::uint64_t next_id = 1;
    std::uint64_t guests = 0;
    std::uint64_t claims = 0;
    // Bus answers hold a weak reference: one that comes after the hub is
    // gone does nothing.
    std::shared_ptr<int> alive = std::make_shared<int>(0);
    // The latest time the hub was told (join, receive, leave, flush): the
    // time of events that come off the bus on their own.
    Time latest{};
};

}  // namespace wskit::chat
