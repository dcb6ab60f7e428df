// The rooms of a chat server, without a network: clients join (by their
// handshake's resource), send text, and leave; the hub answers with
// Outputs, as values: "deliver this text to clients 3, 5 and 8", "close
// client 4 with 1008", "record this for the transcript". Room events go
// through a Bus and come back from it before anyone sees them, so an event
// from another process sharing the room is shown the same way.
#pragma once

#include <wskit/chat/bus.hpp>
#include <wskit/chat/rules.hpp>
#include <wskit/chat/wire.hpp>
#include <wskit/export.hpp>
#include <wskit/tool/slash.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wskit::chat {

struct HubOptions {
    std::size_t history = 50;       // messages replayed to a newcomer, per room
    double rate = 10;               // messages per second per client; 0: no limit
    double burst = 0;               // the bucket; 0: as many as `rate`, at least 1
    std::size_t max_name_chars = 32;
    // Rooms nobody is in are remembered (with their history) up to this
    // many, the ones emptied longest ago forgotten first.
    std::size_t idle_rooms = 64;
    // The bytes every room's history may take together (about: texts,
    // names and bookkeeping); past it the oldest messages are forgotten
    // first, whichever rooms they are in. 256 MiB holds the whole history
    // of thousands of rooms of everyday messages, and caps what a crowd
    // of rooms each filled with --history messages of the largest size
    // (1000 rooms: 3 GiB) can pin.
    std::size_t history_memory = 256u << 20;
    // Joins and leaves: this many are announced at once, then one
    // announcement (of all those since the last) per interval. A room
    // filling up with thousands sends a few frames a second, not one per
    // join to everyone present.
    std::size_t presence_burst = 8;
    std::chrono::milliseconds presence_interval{250};
};

struct Output {
    enum class Kind {
        deliver,  // send `text` to every client of `to` (one frame for all)
        close,    // close `conn` with `code` and `reason`
        record,   // `event` happened in a room this hub serves (transcript)
        notice,   // something about `conn` worth a transcript line: `reason`
        wake,     // call Hub::flush at `at` (joins and leaves wait for it)
    };
    Kind kind = Kind::deliver;
    std::vector<ConnId> to;
    std::string text;
    ConnId conn = 0;
    int code = 0;
    std::string reason;
    RoomEvent event;
    Time at{};
};

// The commands a chat client can type; /help and the man page list them.
WSKIT_API const std::vector<SlashCommandDoc>& chat_slash_commands();

class WSKIT_API Hub {
public:
    using Sink = std::function<void(Output&&)>;

    // `node` names this process on the bus (events it published carry it).
    Hub(Bus& bus, HubOptions options, Sink sink, std::string node = "local");
    ~Hub();
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    // A client whose handshake asked for `resource` ("/rust?name=alice").
    void join(ConnId conn, std::string_view resource, WireFormat format, Time now);
    // A text message from the client: a line to the room, or a command.
    void receive(ConnId conn, std::string_view text, Time now);
    // The client is gone (its close event): the room hears that it left.
    void leave(ConnId conn, Time now);
    // Joins and leaves a busy room held back are announced when due (the
    // hub asked with a wake Output).
    void flush(Time now);

    struct RoomInfo {
        std::string room;
        std::size_t people = 0;  // in the room, here and elsewhere
    };
    std::vector<RoomInfo> rooms() const;  // occupied rooms, by name
    std::size_t client_count() const;
    // A client's room and name ("" for unknown ids), for the transcript.
    std::string room_of(ConnId conn) const;
    std::string name_of(ConnId conn) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace wskit::chat
