// Every room's history, within HubOptions::history_memory. Each room keeps
// its last --history messages; together they are also bounded in bytes,
// since a thousand live rooms each filled with --history messages of the
// largest size would otherwise pin gigabytes. Past the bound the oldest
// message of all goes first, whichever room it is in: a busy room keeps
// its recent history, and an idle one that loses all of it is forgotten.
// Each room's oldest message is kept in a sorted set (oldest_messages), so
// that finding the one to drop costs a lookup, not a walk over the rooms.
#include "chat/hub_impl.hpp"

#include <algorithm>

namespace wskit::chat {
namespace {

// What a message held in a history costs: its strings and the event
// itself (the deque's slot).
std::size_t cost(const RoomEvent& e) {
    return sizeof(RoomEvent) + e.text.size() + e.from.size() + e.room.size() + e.origin.size() + e.old_name.size();
}

}  // namespace

// The room's oldest message changes: it is taken out of the sorted set
// before and put back after.
void Hub::Impl::pop_history(Room& room) {
    oldest_messages.erase({room.history.front().ts, room.name});
    history_bytes -= cost(room.history.front());
    room.history.pop_front();
    if (!room.history.empty()) oldest_messages.insert({room.history.front().ts, room.name});
}

void Hub::Impl::push_history(Room& room, const RoomEvent& e) {
    room.history.push_back(e);
    history_bytes += cost(e);
    if (room.history.size() == 1) oldest_messages.insert({e.ts, room.name});
    while (room.history.size() > options.history) pop_history(room);
    trim_history();
}

void Hub::Impl::replace_history(Room& room, std::vector<RoomEvent> events) {
    forget_history(room);
    auto first = events.size() > options.history ? events.end() - static_cast<std::ptrdiff_t>(options.history)
                                                 : events.begin();
    for (auto it = first; it != events.end(); ++it) {
        history_bytes += cost(*it);
        room.history.push_back(std::move(*it));
    }
    if (!room.history.empty()) oldest_messages.insert({room.history.front().ts, room.name});
    trim_history();
}

void Hub::Impl::forget_history(Room& room) {
    if (room.history.empty()) return;
    oldest_messages.erase({room.history.front().ts, room.name});
    for (const auto& e : room.history) history_bytes -= cost(e);
    room.history.clear();
}

void Hub::Impl::trim_history() {
    while (history_bytes > options.history_memory && !oldest_messages.empty()) {
        auto name = oldest_messages.begin()->second;
        auto& room = rooms.at(name);
        pop_history(room);
        if (room.history.empty() && !room.subscription) forget_room(name);
    }
}

}  // namespace wskit::chat
