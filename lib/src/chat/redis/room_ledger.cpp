#include "chat/redis/room_ledger.hpp"

#include <algorithm>

namespace wskit::redis {

using chat::RoomEvent;

namespace {

std::int64_t ms_of(chat::Time ts) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(ts.time_since_epoch()).count();
}

bool same(const chat::Presence& a, const std::string& origin, ConnId conn) {
    return a.origin == origin && a.conn == conn;
}

}  // namespace

void RoomLedger::open(const std::string& room, std::int64_t now_ms) {
    auto& r = rooms_[room];
    r = Room{};
    r.opened_ms = now_ms;
    // Two openings in one millisecond still get two epochs.
    r.epoch = last_epoch_ = std::max(now_ms, last_epoch_ + 1);
}

void RoomLedger::close(const std::string& room) { rooms_.erase(room); }

std::vector<std::string> RoomLedger::rooms() const {
    std::vector<std::string> out;
    for (const auto& [name, room] : rooms_) out.push_back(name);
    return out;
}

std::pair<std::int64_t, std::uint64_t> RoomLedger::number(const std::string& room) {
    auto it = rooms_.find(room);
    if (it == rooms_.end()) return {0, 0};
    return {it->second.epoch, it->second.next_seq++};
}

// A message of another process: delivered unless it is one already
// delivered (its number is not past its author's mark); the numbers it
// skips were lost. An author heard of for the first time is judged by its
// epoch: one that began after the room opened here should have come whole.
RoomLedger::Verdict RoomLedger::judge(Room& room, const Envelope& e, bool catching_up) {
    Verdict v;
    if (e.seq == 0) return {true, 0};  // not numbered
    auto it = room.marks.find(e.event.origin);
    if (it == room.marks.end()) {
        room.marks[e.event.origin] = {e.epoch, e.seq};
        // Read from the history list: said before the room opened here.
        if (catching_up && ms_of(e.event.ts) < room.opened_ms) return v;
        v.deliver = true;
        if (e.epoch >= room.opened_ms) v.lost = e.seq - 1;
        return v;
    }
    auto& mark = it->second;
    if (e.epoch < mark.epoch || (e.epoch == mark.epoch && e.seq <= mark.seq)) return v;  // had it
    v.deliver = true;
    v.lost = e.epoch == mark.epoch ? e.seq - mark.seq - 1 : e.seq - 1;
    mark = {e.epoch, e.seq};
    return v;
}

// What Redis says another process has numbered up to: the numbers past its
// mark here never came (the history list had them no more).
std::uint64_t RoomLedger::advance(Room& room, const SequenceMark& m) {
    auto it = room.marks.find(m.origin);
    if (it == room.marks.end()) {
        room.marks[m.origin] = {m.epoch, m.seq};
        return m.epoch >= room.opened_ms ? m.seq : 0;
    }
    auto& mark = it->second;
    std::uint64_t lost = 0;
    if (m.epoch == mark.epoch && m.seq > mark.seq) lost = m.seq - mark.seq;
    else if (m.epoch > mark.epoch) lost = m.seq;
    else return 0;
    mark = {m.epoch, m.seq};
    return lost;
}

// Whether the event changes who is in the room: a join of someone known
// already (read with the room's presence, or reconciled), or a leave or
// rename of someone unknown, is nothing to announce.
bool RoomLedger::apply_presence(Room& room, const RoomEvent& e, std::int64_t now_ms) {
    auto it = std::find_if(room.members.begin(), room.members.end(),
                           [&](const Member& m) { return same(m.who, e.origin, e.origin_conn); });
    bool known = it != room.members.end();
    switch (e.type) {
        case RoomEvent::Type::join:
            if (!known) room.members.push_back({{e.origin, e.origin_conn, e.from}, now_ms + grace_ms_});
            return !known;
        case RoomEvent::Type::rename:
            if (known) it->who.name = e.from;
            return known;
        case RoomEvent::Type::leave:
            if (known) room.members.erase(it);
            return known;
        default: return true;
    }
}

RoomLedger::Verdict RoomLedger::accept(const Envelope& e, std::int64_t now_ms) {
    auto it = rooms_.find(e.event.room);
    if (it == rooms_.end() || e.event.origin == self_) return {};
    if (e.event.said()) return judge(it->second, e, false);
    return {apply_presence(it->second, e.event, now_ms), 0};
}

chat::RoomState RoomLedger::load(const std::string& room, const std::vector<Envelope>& newest_first,
                                 const std::vector<SequenceMark>& marks, const std::vector<PresenceEntry>& presence,
                                 std::int64_t now_ms) {
    chat::RoomState out;
    auto it = rooms_.find(room);
    if (it == rooms_.end()) return out;
    auto& r = it->second;
    // Each process's marks, the highest of the sequence hash and the list:
    // what comes after is new.
    auto raise = [&](const std::string& origin, std::int64_t epoch, std::uint64_t seq) {
        if (origin == self_ || seq == 0) return;
        auto& mark = r.marks[origin];
        if (epoch > mark.epoch || (epoch == mark.epoch && seq > mark.seq)) mark = {epoch, seq};
    };
    for (const auto& m : marks) raise(m.origin, m.epoch, m.seq);
    for (auto e = newest_first.rbegin(); e != newest_first.rend(); ++e) {
        // A message sent again after a loss (unsure it had arrived) may be
        // in the list twice: kept once, where it came first.
        bool known = std::any_of(out.history.begin(), out.history.end(), [&](const RoomEvent& h) {
            return h.origin == e->event.origin && h.id == e->event.id;
        });
        if (known) continue;
        out.history.push_back(e->event);
        raise(e->event.origin, e->epoch, e->seq);
    }
    for (const auto& p : presence) {
        if (p.who.origin == self_ || p.expires_ms <= now_ms) continue;
        bool known = std::any_of(r.members.begin(), r.members.end(),
                                 [&](const Member& m) { return same(m.who, p.who.origin, p.who.conn); });
        if (!known) r.members.push_back({p.who, now_ms + grace_ms_});
    }
    for (const auto& m : r.members) out.members.push_back(m.who);
    return out;
}

RoomLedger::CatchUp RoomLedger::catch_up(const std::string& room, const std::vector<Envelope>& newest_first,
                                         const std::vector<SequenceMark>& marks, std::int64_t /*now_ms*/) {
    CatchUp out;
    auto it = rooms_.find(room);
    if (it == rooms_.end()) return out;
    auto& r = it->second;
    for (auto e = newest_first.rbegin(); e != newest_first.rend(); ++e) {
        if (e->event.origin == self_ || !e->event.said()) continue;
        auto v = judge(r, *e, true);
        out.lost += v.lost;
        if (v.deliver) out.missed.push_back(e->event);
    }
    // The marks were read before the list: a mark past everything the list
    // had means messages said meanwhile that the list holds no more.
    for (const auto& m : marks)
        if (m.origin != self_) out.lost += advance(r, m);
    return out;
}

std::vector<RoomEvent> RoomLedger::reconcile(const std::string& room, const std::vector<PresenceEntry>& entries,
                                             std::int64_t now_ms) {
    std::vector<RoomEvent> out;
    auto it = rooms_.find(room);
    if (it == rooms_.end()) return out;
    auto& r = it->second;
    auto event = [&](RoomEvent::Type type, const chat::Presence& who) {
        RoomEvent e;
        e.type = type;
        e.room = room;
        e.from = who.name;
        e.ts = chat::Time(std::chrono::milliseconds(now_ms));
        e.origin = who.origin;
        e.origin_conn = who.conn;
        out.push_back(e);
    };
    auto vouched = [&](const chat::Presence& who) {
        return std::any_of(entries.begin(), entries.end(), [&](const PresenceEntry& p) {
            return same(p.who, who.origin, who.conn) && p.expires_ms > now_ms;
        });
    };
    for (auto m = r.members.begin(); m != r.members.end();) {
        if (vouched(m->who)) {
            m->keep_until_ms = std::max(m->keep_until_ms, now_ms + grace_ms_);
            ++m;
        } else if (now_ms > m->keep_until_ms) {
            event(RoomEvent::Type::leave, m->who);
            m = r.members.erase(m);
        } else {
            ++m;
        }
    }
    for (const auto& p : entries) {
        if (p.who.origin == self_ || p.expires_ms <= now_ms) continue;
        bool known = std::any_of(r.members.begin(), r.members.end(),
                                 [&](const Member& m) { return same(m.who, p.who.origin, p.who.conn); });
        if (known) continue;
        r.members.push_back({p.who, now_ms + grace_ms_});
        event(RoomEvent::Type::join, p.who);
    }
    return out;
}

void RoomLedger::keep_members_until(std::int64_t until_ms) {
    for (auto& [name, room] : rooms_)
        for (auto& m : room.members) m.keep_until_ms = std::max(m.keep_until_ms, until_ms);
}

std::vector<chat::Presence> RoomLedger::members(const std::string& room) const {
    std::vector<chat::Presence> out;
    auto it = rooms_.find(room);
    if (it == rooms_.end()) return out;
    for (const auto& m : it->second.members) out.push_back(m.who);
    return out;
}

}  // namespace wskit::redis
