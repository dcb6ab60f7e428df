// What a Redis-backed process knows of the rooms open here (those its
// clients are in), and of no other: who is in each in the other processes,
// and where each other process is in its numbering of the room's messages
// (event_codec.hpp's Envelope), which tells a message Redis brings twice
// (delivered once) from one that never came (counted as lost). A process's
// memory grows with the rooms its own clients are in, not with the rooms
// the others serve. Pure: the clock is a parameter, and tests need no
// Redis.
#pragma once

#include "chat/redis/event_codec.hpp"

#include <wskit/chat/bus.hpp>
#include <wskit/export.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace wskit::redis {

class WSKIT_API RoomLedger {
public:
    // `self`: this process's node name (its events and members are not
    // tracked here). `grace_ms`: how long a member heard of on the bus is
    // kept without Redis vouching for it (its presence may be on its way).
    RoomLedger(std::string self, std::int64_t grace_ms) : self_(std::move(self)), grace_ms_(grace_ms) {}

    // A room opens here at `now_ms` (its first subscriber) and closes (its
    // last one left); what was known of it is forgotten.
    void open(const std::string& room, std::int64_t now_ms);
    void close(const std::string& room);
    bool is_open(const std::string& room) const { return rooms_.count(room) != 0; }
    std::vector<std::string> rooms() const;

    // The epoch and number of this process's next message in an open room
    // ({0, 0} for a room not open here: not numbered).
    std::pair<std::int64_t, std::uint64_t> number(const std::string& room);

    struct Verdict {
        bool deliver = false;
        std::uint64_t lost = 0;  // its author's messages before it that never came
    };
    // An event of another process, live off the bus: a message not
    // delivered yet, or a change of who is in the room.
    Verdict accept(const Envelope& e, std::int64_t now_ms);

    // The room's state in Redis when it opens here: its history list
    // (newest first, as LRANGE gives it), the sequence marks and presence
    // entries. Returns the history (oldest first, each message once) and
    // the members of the other processes; events that come after are
    // judged against it.
    chat::RoomState load(const std::string& room, const std::vector<Envelope>& newest_first,
                         const std::vector<SequenceMark>& marks, const std::vector<PresenceEntry>& presence,
                         std::int64_t now_ms);

    // Sharing again after a time this process heard nothing: from the same
    // lists, the messages said meanwhile by the others (to deliver now,
    // oldest first), and how many more were said and are gone from the
    // history list (lost). Messages said before the room opened here are
    // history, not missed.
    struct CatchUp {
        std::vector<chat::RoomEvent> missed;
        std::uint64_t lost = 0;
    };
    CatchUp catch_up(const std::string& room, const std::vector<Envelope>& newest_first,
                     const std::vector<SequenceMark>& marks, std::int64_t now_ms);

    // A room's presence as Redis has it now. Members of other processes
    // that Redis no longer vouches for (their process died: no refresh
    // within the TTL) leave, once past the time they are kept until; those
    // it knows and this ledger does not (after a restart, or from before
    // this process listened) join. Returns these leaves and joins, to be
    // delivered as room events.
    std::vector<chat::RoomEvent> reconcile(const std::string& room, const std::vector<PresenceEntry>& entries,
                                           std::int64_t now_ms);
    // Every member of another process is kept at least until `until_ms`:
    // after a time nobody could refresh their presence (Redis stalled or
    // gone), each process is given a TTL to say again who it serves before
    // anyone is taken for gone.
    void keep_members_until(std::int64_t until_ms);

    std::vector<chat::Presence> members(const std::string& room) const;

private:
    struct Member {
        chat::Presence who;
        std::int64_t keep_until_ms = 0;
    };
    // Where another process is in its numbering of the room's messages.
    struct Mark {
        std::int64_t epoch = 0;
        std::uint64_t seq = 0;
    };
    struct Room {
        std::int64_t opened_ms = 0;
        std::int64_t epoch = 0;        // this process's, for this opening
        std::uint64_t next_seq = 1;
        std::vector<Member> members;
        std::map<std::string, Mark> marks;  // by origin
    };
    Verdict judge(Room& room, const Envelope& e, bool catching_up);
    std::uint64_t advance(Room& room, const SequenceMark& m);
    bool apply_presence(Room& room, const chat::RoomEvent& e, std::int64_t now_ms);

    std::string self_;
    std::int64_t grace_ms_;
    std::int64_t last_epoch_ = 0;
    std::map<std::string, Room> rooms_;
};

}  // namespace wskit::redis
