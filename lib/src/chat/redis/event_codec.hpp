// What travels through Redis, and the one parser of what comes back: room
// events (JSON on the room channels and in the history lists), presence
// entries and the message counters. Anyone who can write to Redis can put
// anything there, so what is read is input like a client's message: an
// event is taken only if every field is one this code would have written
// (a room as a URL path gives it, names and texts already clean, text
// within the chat's --max-size, valid UTF-8, no other field); anything else
// is refused whole, with the reason. Pure: tested without Redis, and fuzzed
// (tests/fuzz/fuzz_event_codec.cpp).
#pragma once

#include <wskit/chat/bus.hpp>
#include <wskit/export.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wskit::redis {

// A room event as published: with, for a message or an action, its place
// in its author's process's sequence for the room, which tells a receiver
// how many it missed. A process numbers what its clients say in a room
// from 1, in an epoch that starts when the room opens there (the time in
// ms, increasing within the process). seq 0: not numbered (joins, leaves).
struct Envelope {
    chat::RoomEvent event;
    std::int64_t epoch = 0;
    std::uint64_t seq = 0;
};

// What an event from Redis may hold: a client's limits.
struct EventLimits {
    std::size_t max_text = 64u << 10;  // bytes of a message: the chat's --max-size
    std::size_t max_name_chars = 32;   // characters of a name: the hub's
};

WSKIT_API std::string encode_event(const Envelope& e);
// Nothing for what is not a valid event (`why` says what is wrong with it).
WSKIT_API std::optional<Envelope> decode_event(std::string_view payload, const EventLimits& limits,
                                               std::string* why = nullptr);

// A room name as chat::parse_room_address makes it from a URL path: "/",
// or '/' then at most 100 bytes of UTF-8 without control characters, not
// ending with '/'.
WSKIT_API bool is_room_name(std::string_view room);

// A presence entry in Redis: someone, and until when its process vouches
// for it (milliseconds since the epoch). Hash field "ORIGIN/CONN", value
// {"name":..,"expires":..}.
struct PresenceEntry {
    chat::Presence who;
    std::int64_t expires_ms = 0;
};
WSKIT_API std::string presence_field(const std::string& origin, ConnId conn);
WSKIT_API std::string presence_value(const std::string& name, std::int64_t expires_ms);
// Nothing for a field or value not written by presence_field/value with a
// valid origin and name.
WSKIT_API std::optional<PresenceEntry> parse_presence(std::string_view field, std::string_view value,
                                                      const EventLimits& limits);

// Where a process is in its sequence of a room's messages, kept in Redis
// (a hash of ORIGIN -> "EPOCH SEQ" per room) so that a process that missed
// the last ones knows how many.
struct SequenceMark {
    std::string origin;
    std::int64_t epoch = 0;
    std::uint64_t seq = 0;
};
WSKIT_API std::string sequence_value(std::int64_t epoch, std::uint64_t seq);
WSKIT_API std::optional<SequenceMark> parse_sequence(std::string_view field, std::string_view value);

// A process's name (Hub's node) as it may appear in events: 1 to 255
// printable ASCII characters, no space.
WSKIT_API bool is_origin(std::string_view origin);

}  // namespace wskit::redis
