// What happens in a chat room, as values, and the bus that carries it to
// every server process serving the room. A room renders what comes off the
// bus to its own clients, whether the event started on one of its sockets
// or in another process: only the bus knows the difference. LocalBus serves
// one process; a bus over Redis pub/sub can take its place.
#pragma once

#include <wskit/event.hpp>
#include <wskit/export.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wskit::chat {

using Time = std::chrono::system_clock::time_point;

struct RoomEvent {
    enum class Type { message, action, join, leave, rename };
    Type type = Type::message;
    std::string room;        // "/" (the lobby), "/rust"
    std::string from;        // the author's name; after a rename, the new one
    std::string old_name;    // rename: the name before
    std::string text;        // message and action (/me)
    Time ts{};
    std::uint64_t id = 0;    // increasing per origin: with it, unique
    std::string origin;      // the publishing process (Hub's node name)
    ConnId origin_conn = 0;  // the author's connection in that process

    // Said in the room (a message, or an action with /me): what history keeps.
    bool said() const { return type == Type::message || type == Type::action; }
};

// Someone in a room, in this process or another.
struct Presence {
    std::string origin;  // the process (Hub's node name)
    ConnId conn = 0;     // the connection in that process
    std::string name;
};

// What a bus knows of a room before this process serves it: the room's
// last messages (oldest first) and who is in it in other processes.
struct RoomState {
    std::vector<RoomEvent> history;
    std::vector<Presence> members;
};

// A room with people in it, somewhere, for /rooms.
struct RoomCount {
    std::string room;
    std::size_t people = 0;
};

// "message", "action", "join", "leave", "rename".
WSKIT_API const char* type_name(RoomEvent::Type type);

class WSKIT_API Bus {
public:
    using Handler = std::function<void(const RoomEvent&)>;
    using Subscription = std::uint64_t;

    virtual ~Bus() = default;
    // Events published to `room` from now on reach `handler`, in the order
    // they were published, on the loop thread.
    virtual Subscription subscribe(const std::string& room, Handler handler) = 0;
    virtual void unsubscribe(Subscription subscription) = 0;
    virtual void publish(const RoomEvent& event) = 0;
    // What the bus knows of `room`, asked when the room opens here (once it
    // has a subscriber). `done` is called exactly once on the loop thread,
    // at once or later (unless the bus is destroyed first), and before the
    // subscribers get any event of the room that the state does not hold.
    // A bus serving one process knows nothing.
    using Loaded = std::function<void(RoomState)>;
    virtual void load_room(const std::string& /*room*/, Loaded done) { done({}); }
    // The rooms with people in them in every process sharing them, for
    // /rooms; nullopt when the bus knows of no other process (the hub then
    // lists its own). `done` as for load_room.
    using Listed = std::function<void(std::optional<std::vector<RoomCount>>)>;
    virtual void list_rooms(Listed done) { done(std::nullopt); }

    // Names are unique per room across every process sharing it: before a
    // name is given (a join, a /nick), the hub claims it for `owner`, and
    // `done` says whether it was granted (false: another process has it).
    // `done` is called exactly once, on the loop thread, at once or later.
    // A granted name is the owner's until released. A bus serving one
    // process grants at once: the hub has already checked its own rooms.
    using ClaimDone = std::function<void(bool granted)>;
    virtual void claim_name(const std::string& /*room*/, const std::string& /*name*/, const Presence& /*owner*/,
                            ClaimDone done) {
        done(true);
    }
    virtual void release_name(const std::string& /*room*/, const std::string& /*name*/,
                              const Presence& /*owner*/) {}
};

// Subscribers in this process, called synchronously from publish().
class WSKIT_API LocalBus final : public Bus {
public:
    Subscription subscribe(const std::string& room, Handler handler) override;
    void unsubscribe(Subscription subscription) override;
    void publish(const RoomEvent& event) override;

private:
    struct Subscriber {
        std::string room;
        Handler handler;
    };
    std::map<Subscription, Subscriber> subscribers_;
    Subscription next_ = 1;
};

}  // namespace wskit::chat
