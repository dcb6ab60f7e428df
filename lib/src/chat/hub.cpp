#include "chat/hub_impl.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace wskit::chat {
namespace {

// A terminal's greeting names this many of the room's people and counts
// the others: in a room of thousands, a line of every name is unreadable
// and, made for each newcomer, quadratic in bytes (the list of names
// alone, freed at once, touched 10 KiB of fresh heap per client with 1000
// in a room). /who lists everyone.
constexpr std::size_t greeting_names = 50;

}  // namespace

void Hub::Impl::join(ConnId conn, std::string_view resource, WireFormat format, Time now) {
    latest = std::max(latest, now);
    auto address = parse_room_address(resource);
    auto& room = open_room(address.room);
    std::string wanted = clean_name(address.name, options.max_name_chars);
    auto refusal = wanted.empty() ? "" : name_refusal(wanted);
    auto& c = clients[conn];
    c = Client{};
    c.room = address.room;
    c.format = format;
    c.rate = RateLimiter(options.rate, options.burst ? options.burst : options.rate);
    if (!refusal.empty())
        tell(conn, c, fmt::format("the name {} is not allowed: {}; you join as a guest (/nick NAME picks a name)",
                                  wanted, refusal), now);
    if (wanted.empty() || !refusal.empty()) wanted = fmt::format("guest-{}", ++guests);
    if (room.loading) {
        // Its name is claimed once the room's people are known (on_loaded);
        // what it sends meanwhile is held, as while a claim is out.
        c.claiming = true;
        c.wanted = std::move(wanted);
        room.waiting.push_back(conn);
        return;
    }
    claim(conn, std::move(wanted), now);  // admit() once the bus grants a name
}

void Hub::Impl::admit(ConnId conn, Time now) {
    auto& c = clients.at(conn);
    auto& room = rooms.at(c.room);
    c.joined = true;
    c.first_id = next_id;
    room.local_of(c.format).push_back(conn);
    room.roster.push_back({node, conn, c.name});
    publish(conn, RoomEvent::Type::join, "", now);
    greet(conn, c, room, now);
}

void Hub::Impl::receive(ConnId conn, std::string_view text, Time now) {
    auto it = clients.find(conn);
    if (it == clients.end() || it->second.closing) return;
    latest = std::max(latest, now);
    auto& c = it->second;
    switch (c.rate.take(now)) {
        case RateLimiter::Verdict::pass: break;
        case RateLimiter::Verdict::warn:
            tell(conn, c, fmt::format("slow down: at most {} messages per second; this one was dropped, and "
                                      "the next one too soon disconnects you", options.rate), now);
            sink(notice(conn, "rate limit warning"));
            return;
        case RateLimiter::Verdict::close:
            return close(conn, c, fmt::format("more than {} messages per second", options.rate));
    }
    if (c.claiming) return hold(conn, c, text, now);
    handle(conn, c, text, now);
}

void Hub::Impl::handle(ConnId conn, Client& c, std::string_view text, Time now) {
    if (text.size() >= 2 && text[0] == '/' && text[1] == '/') text.remove_prefix(1);
    else if (!text.empty() && text[0] == '/') return command(conn, c, text, now);
    auto body = clean_text(text);
    if (body.find_first_not_of(" \t\n") == std::string::npos) return;
    publish(conn, RoomEvent::Type::message, std::move(body), now);
}

void Hub::Impl::leave(ConnId conn, Time now) {
    auto it = clients.find(conn);
    if (it == clients.end()) return;
    latest = std::max(latest, now);
    auto room_name = it->second.room;
    auto& room = rooms.at(room_name);
    room.claims.erase(conn);  // its claim's answer will find it gone
    room.waiting.erase(std::remove(room.waiting.begin(), room.waiting.end(), conn), room.waiting.end());
    if (it->second.joined) {
        auto& local = room.local_of(it->second.format);
        local.erase(std::remove(local.begin(), local.end(), conn), local.end());
        publish(conn, RoomEvent::Type::leave, "", now);  // before the client goes: it names the author
        release(room_name, conn, it->second.name);
    }
    clients.erase(it);
    if (room.empty_here() && room.claims.empty() && room.waiting.empty()) close_room(room_name);
}

Room& Hub::Impl::open_room(const std::string& name) {
    auto& room = rooms.try_emplace(name, name).first->second;
    if (room.subscription) return room;
    room.subscription = bus.subscribe(name, [this](const RoomEvent& e) { on_bus_event(e); });
    idle.erase(std::remove(idle.begin(), idle.end(), name), idle.end());
    // Others (processes sharing the room) may have been in it, and talked,
    // while nobody was here: the bus says, at once or later.
    room.loading = true;
    bus.load_room(name, [this, alive = std::weak_ptr<int>(alive), name, subscription = room.subscription](
                            RoomState state) {
        if (!alive.expired()) on_loaded(name, subscription, std::move(state));
    });
    return room;
}

void Hub::Impl::on_loaded(const std::string& name, Bus::Subscription subscription, RoomState state) {
    auto it = rooms.find(name);
    // Closed here meanwhile (its clients left), perhaps opened again since.
    if (it == rooms.end() || it->second.subscription != subscription) return;
    auto& room = it->second;
    room.loading = false;
    if (!state.history.empty()) replace_history(room, std::move(state.history));
    for (auto& m : state.members) {
        bool known = std::any_of(room.roster.begin(), room.roster.end(),
                                 [&](const Member& r) { return r.origin == m.origin && r.conn == m.conn; });
        if (m.origin != node && !known) room.roster.push_back({m.origin, m.conn, m.name});
    }
    auto waiting = std::move(room.waiting);
    room.waiting.clear();
    for (auto conn : waiting) {
        auto c = clients.find(conn);
        if (c != clients.end() && c->second.room == name) claim(conn, c->second.wanted, latest);
    }
}

void Hub::Impl::close_room(const std::string& name) {
    auto& room = rooms.at(name);
    // Unsubscribed first: a reading of the room the bus gives up on now
    // finds it closed.
    bus.unsubscribe(std::exchange(room.subscription, 0));
    room.loading = false;
    room.roster.clear();  // who is elsewhere is no longer heard of here
    room.presence = {};   // nobody is left here to hear of it
    if (room.history.empty()) {
        rooms.erase(name);
        return;
    }
    idle.push_back(name);
    while (idle.size() > options.idle_rooms) forget_room(idle.front());
}

void Hub::Impl::forget_room(std::string name) {
    idle.erase(std::remove(idle.begin(), idle.end(), name), idle.end());
    auto it = rooms.find(name);
    if (it == rooms.end()) return;
    forget_history(it->second);
    rooms.erase(it);
}

// Whether someone other than `except` (a client here) goes by `name`.
bool Hub::Impl::taken(const Room& room, std::string_view name, ConnId except) const {
    auto key = name_key(name);
    return std::any_of(room.roster.begin(), room.roster.end(), [&](const Member& m) {
               return m.key == key && !(except && m.origin == node && m.conn == except);
           }) ||
           std::any_of(room.claims.begin(), room.claims.end(),
                       [&](const auto& claim) { return claim.first != except && claim.second == key; });
}

std::vector<std::string> Hub::Impl::names(const Room& room, std::size_t limit) {
    std::vector<std::string> out;
    for (const auto& m : room.roster) {
        if (out.size() == limit) break;
        out.push_back(m.name);
    }
    return out;
}

RoomEvent Hub::Impl::make_event(ConnId conn, const Client& c, RoomEvent::Type type, std::string text, Time now) {
    RoomEvent e;
    e.type = type;
    e.room = c.room;
    e.from = c.name;
    e.text = std::move(text);
    e.ts = now;
    e.id = next_id++;
    e.origin = node;
    e.origin_conn = conn;
    return e;
}

void Hub::Impl::publish(ConnId conn, RoomEvent::Type type, std::string text, Time now) {
    send(make_event(conn, clients.at(conn), type, std::move(text), now));
}

// The transcript has this process's events when they happen: a bus may
// return them later, after their room has closed here (its last leave).
void Hub::Impl::send(const RoomEvent& e) {
    sink(record(e));
    bus.publish(e);
}

Output Hub::Impl::record(const RoomEvent& e) const {
    Output o;
    o.kind = Output::Kind::record;
    o.event = e;
    o.conn = e.origin == node ? e.origin_conn : 0;
    return o;
}

void Hub::Impl::on_bus_event(const RoomEvent& e) {
    auto it = rooms.find(e.room);
    if (it == rooms.end()) return;
    auto& room = it->second;
    update_roster(room, e);
    bool presence = e.type == RoomEvent::Type::join || e.type == RoomEvent::Type::leave;
    if (e.said()) push_history(room, e);
    if (e.origin != node) sink(record(e));
    if (presence) return announce(room, e);
    flush_presence(room);  // what came before this event, first
    fan_out(room, e);
}

void Hub::Impl::update_roster(Room& room, const RoomEvent& e) {
    if (e.said()) return;
    auto same = [&](const Member& m) { return m.origin == e.origin && m.conn == e.origin_conn; };
    auto found = std::find_if(room.roster.begin(), room.roster.end(), same);
    switch (e.type) {
        case RoomEvent::Type::join:
            if (found == room.roster.end()) room.roster.push_back({e.origin, e.origin_conn, e.from});
            break;
        case RoomEvent::Type::leave:
            if (found != room.roster.end()) room.roster.erase(found);
            break;
        case RoomEvent::Type::rename:
            if (found != room.roster.end()) found->rename(e.from);
            break;
        default: break;
    }
}

// One frame per format for everyone but the author; the author sees
// its own message marked as its own (JSON) or not at all (a terminal
// already shows what it sent), and no notice of its own join.
void Hub::Impl::fan_out(const Room& room, const RoomEvent& e) {
    ConnId author = e.origin == node ? e.origin_conn : 0;
    bool author_sees = e.type == RoomEvent::Type::rename;
    bool json_author_sees = author_sees || e.said();
    // Only this process's joins and renames can be known already (see already_known).
    bool maybe_known = e.origin == node && (e.type == RoomEvent::Type::join || e.type == RoomEvent::Type::rename);
    for (auto format : {WireFormat::text, WireFormat::json}) {
        const auto& local = room.local[static_cast<std::size_t>(format)];
        std::vector<ConnId> to;
        to.reserve(local.size());
        ConnId self = 0;
        for (ConnId id : local) {
            if (maybe_known && already_known(clients.at(id), e)) continue;
            if (id == author) self = id;
            else to.push_back(id);
        }
        if (!to.empty()) deliver(std::move(to), render_event(e, format));
        bool sees = format == WireFormat::json ? json_author_sees : author_sees;
        if (self && sees) deliver({self}, render_event(e, format, View{false, true}));
    }
}

// A join or rename of this process that a bus returns after a client
// joined was already in the roster that client was shown: said again, it
// would be a second "bob joined". (Messages are not: history takes them
// when they come back.)
bool Hub::Impl::already_known(const Client& c, const RoomEvent& e) const {
    return e.origin == node && e.id < c.first_id &&
           (e.type == RoomEvent::Type::join || e.type == RoomEvent::Type::rename);
}

void Hub::Impl::greet(ConnId conn, const Client& c, const Room& room, Time now) {
    for (const auto& e : room.history) deliver({conn}, render_event(e, c.format, View{true, e.origin == node && e.origin_conn == conn}));
    auto listed = names(room, c.format == WireFormat::text ? greeting_names : SIZE_MAX);
    deliver({conn}, render_who(c.room, listed, room.roster.size(), c.name, c.format, now));
    if (c.format == WireFormat::text)
        tell(conn, c, fmt::format("you are {} in {}; /help lists the commands", c.name, c.room), now);
}

void Hub::Impl::tell(ConnId conn, const Client& c, std::string_view text, Time now) {
    deliver({conn}, render_system(c.room, text, c.format, now));
}

void Hub::Impl::deliver(std::vector<ConnId> to, std::string text) {
    Output o;
    o.kind = Output::Kind::deliver;
    o.to = std::move(to);
    o.text = std::move(text);
    sink(std::move(o));
}

// Closed with 1008 (policy): what it still sends is ignored.
void Hub::Impl::close(ConnId conn, Client& c, std::string reason) {
    c.closing = true;
    Output o;
    o.kind = Output::Kind::close;
    o.conn = conn;
    o.code = 1008;
    o.reason = std::move(reason);
    sink(std::move(o));
}

Output Hub::Impl::notice(ConnId conn, std::string reason) {
    Output o;
    o.kind = Output::Kind::notice;
    o.conn = conn;
    o.reason = std::move(reason);
    return o;
}

Hub::Hub(Bus& bus, HubOptions options, Sink sink, std::string node)
    : impl_(std::make_unique<Impl>(bus, options, std::move(sink), std::move(node))) {}
Hub::~Hub() {
    for (auto& [name, room] : impl_->rooms)
        if (room.subscription) impl_->bus.unsubscribe(room.subscription);
}

void Hub::join(ConnId conn, std::string_view resource, WireFormat format, Time now) {
    impl_->join(conn, resource, format, now);
}
void Hub::flush(Time now) { impl_->flush_due(now); }
void Hub::receive(ConnId conn, std::string_view text, Time now) { impl_->receive(conn, text, now); }
void Hub::leave(ConnId conn, Time now) { impl_->leave(conn, now); }

std::vector<Hub::RoomInfo> Hub::rooms() const {
    std::vector<RoomInfo> out;
    for (const auto& [name, room] : impl_->rooms)
        if (!room.roster.empty()) out.push_back({name, room.roster.size()});
    return out;
}
std::size_t Hub::client_count() const { return impl_->clients.size(); }
std::string Hub::room_of(ConnId conn) const {
    auto it = impl_->clients.find(conn);
    return it == impl_->clients.end() ? "" : it->second.room;
}
std::string Hub::name_of(ConnId conn) const {
    auto it = impl_->clients.find(conn);
    return it == impl_->clients.end() ? "" : it->second.name;
}

}  // namespace wskit::chat
