// Names claimed through the bus: a name is given (a join, a /nick) only
// once the bus grants it, so that two processes sharing a room cannot both
// give "alice" to clients joining at the same moment. A refused name is
// followed by the next suffix (alice-2, alice-3...). While a claim is in
// flight the client is not in its room yet (joining) or keeps its old name
// (/nick); what it sends meanwhile is held, in order, and handled once the
// answer came: nothing it said is lost or overtakes the name it asked for.
#include "chat/hub_impl.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace wskit::chat {
namespace {

// Messages held for a client whose name is being claimed (its rate was
// checked as they came). A bus answers within a round trip; a client that
// sends this many meanwhile is closed rather than kept in memory.
constexpr std::size_t held_limit = 64;

}  // namespace

void Hub::Impl::claim(ConnId conn, std::string wanted, Time now) {
    auto& c = clients.at(conn);
    c.claiming = true;
    c.wanted = std::move(wanted);
    c.refused.clear();
    try_claim(conn, now);
}

// The name asked for, or its first suffix that nobody here has, is taking
// or was refused; the answer may come at once (a bus serving one process).
void Hub::Impl::try_claim(ConnId conn, Time now) {
    auto& c = clients.at(conn);
    auto& room = rooms.at(c.room);
    auto name = unique_name(c.wanted, options.max_name_chars, [&](std::string_view n) {
        return taken(room, n, conn) ||
               std::any_of(c.refused.begin(), c.refused.end(), [&](const std::string& r) { return same_name(r, n); });
    });
    auto id = c.claim = ++claims;
    // Its own name (/nick alice when alice-2 is taken): already its own.
    if (c.joined && same_name(name, c.name)) return on_claim(conn, id, c.room, name, true, now);
    room.claims[conn] = name_key(name);
    bus.claim_name(c.room, name, {node, conn, name},
                   [this, alive = std::weak_ptr<int>(alive), conn, id, room = c.room, name, now](bool granted) {
                       if (!alive.expired()) on_claim(conn, id, room, name, granted, now);
                   });
}

void Hub::Impl::on_claim(ConnId conn, std::uint64_t id, const std::string& room, const std::string& name,
                         bool granted, Time now) {
    auto it = clients.find(conn);
    if (it == clients.end() || it->second.claim != id) {
        // Its client left while the bus was asked: the name goes back.
        if (granted) bus.release_name(room, name, {node, conn, name});
        return;
    }
    auto& c = it->second;
    rooms.at(c.room).claims.erase(conn);
    if (!granted) {
        c.refused.push_back(name);
        return try_claim(conn, now);
    }
    c.claiming = false;
    c.refused.clear();
    if (!c.joined) {
        c.name = name;
        admit(conn, now);
    } else {
        auto old = c.name;
        rename(conn, c, name, now);
        if (!same_name(old, name)) release(c.room, conn, old);
    }
    replay_held(conn);
}

void Hub::Impl::hold(ConnId conn, Client& c, std::string_view text, Time now) {
    if (c.held.size() < held_limit) return void(c.held.emplace_back(std::string(text), now));
    close(conn, c, fmt::format("more than {} messages before your name was confirmed", held_limit));
}

// What the client sent while its name was claimed, in order; a /nick among
// it starts another claim, and the rest waits again.
void Hub::Impl::replay_held(ConnId conn) {
    for (;;) {
        auto it = clients.find(conn);
        if (it == clients.end() || it->second.claiming || it->second.held.empty()) return;
        auto& held = it->second.held;
        auto [text, when] = std::move(held.front());
        held.erase(held.begin());  // a few at most (held_limit)
        if (held.empty()) decltype(it->second.held)().swap(held);
        handle(conn, it->second, text, when);
    }
}

void Hub::Impl::release(const std::string& room, ConnId conn, const std::string& name) {
    bus.release_name(room, name, {node, conn, name});
}

}  // namespace wskit::chat
