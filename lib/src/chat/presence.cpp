// Joins and leaves, announced at once in a quiet room and together in a
// busy one. Each announcement goes to everyone in the room, so announcing
// every join of a room filling up sends N(N-1)/2 frames: 50 million for
// 10,000 people, which queued faster than clients could read them. A token
// bucket per room (HubOptions::presence_burst announcements, then one per
// presence_interval) keeps a handful of joins immediate and turns a rush of
// them into a few frames a second, each naming a few and counting the rest.
#include "chat/hub_impl.hpp"

#include <algorithm>
#include <unordered_set>

namespace wskit::chat {

bool Hub::Impl::take_presence_token(PresenceBatch& batch) {
    double per_second = 1000.0 / static_cast<double>(std::max<std::int64_t>(options.presence_interval.count(), 1));
    if (batch.refilled == Time{}) batch.tokens = static_cast<double>(options.presence_burst);
    else if (latest > batch.refilled)
        batch.tokens = std::min(static_cast<double>(options.presence_burst),
                                batch.tokens + std::chrono::duration<double>(latest - batch.refilled).count() * per_second);
    batch.refilled = std::max(batch.refilled, latest);
    if (batch.tokens < 1) return false;
    batch.tokens -= 1;
    return true;
}

void Hub::Impl::announce(Room& room, const RoomEvent& e) {
    auto& batch = room.presence;
    if (batch.pending.empty() && take_presence_token(batch)) return fan_out(room, e);
    batch.pending.push_back(e);
    ask_wake(room);
}

// The server calls flush() when the bucket has a token again.
void Hub::Impl::ask_wake(Room& room) {
    auto& batch = room.presence;
    if (batch.wake_asked) return;
    batch.wake_asked = true;
    auto missing = std::max(0.0, 1.0 - batch.tokens);
    Output o;
    o.kind = Output::Kind::wake;
    o.at = batch.refilled + std::chrono::duration_cast<Time::duration>(
                                missing * std::chrono::duration<double, std::milli>(options.presence_interval));
    sink(std::move(o));
}

void Hub::Impl::flush_due(Time now) {
    latest = std::max(latest, now);
    for (auto& [name, room] : rooms) {
        auto& batch = room.presence;
        if (batch.pending.empty()) continue;
        batch.wake_asked = false;
        if (take_presence_token(batch)) flush_presence(room);
        else ask_wake(room);
    }
}

void Hub::Impl::flush_presence(Room& room) {
    auto& pending = room.presence.pending;
    if (pending.empty()) return;
    std::vector<const RoomEvent*> all;
    for (const auto& e : pending) all.push_back(&e);
    auto online = room.roster.size();
    // A newcomer's greeting listed who was in the room when it joined: it
    // hears of what came after, not of its own join.
    std::unordered_set<ConnId> newcomers;
    for (std::size_t i = 0; i < pending.size(); ++i) {
        const auto& e = pending[i];
        if (e.type != RoomEvent::Type::join || e.origin != node) continue;
        auto c = clients.find(e.origin_conn);
        if (c == clients.end() || c->second.room != room.name) continue;
        newcomers.insert(e.origin_conn);
        std::vector<const RoomEvent*> after(all.begin() + static_cast<std::ptrdiff_t>(i) + 1, all.end());
        if (!after.empty()) deliver({e.origin_conn}, render_presence(room.name, after, online, c->second.format, latest));
    }
    for (auto format : {WireFormat::text, WireFormat::json}) {
        std::vector<ConnId> to;
        for (ConnId id : room.local_of(format))
            if (!newcomers.count(id)) to.push_back(id);
        if (!to.empty()) deliver(std::move(to), render_presence(room.name, all, online, format, latest));
    }
    pending.clear();
}

}  // namespace wskit::chat
