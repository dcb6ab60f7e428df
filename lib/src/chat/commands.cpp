#include "chat/hub_impl.hpp"

#include <fmt/format.h>

namespace wskit::chat {
namespace {

std::pair<std::string_view, std::string_view> split_command(std::string_view line) {
    line.remove_prefix(1);  // the '/'
    auto space = line.find_first_of(" \t");
    if (space == std::string_view::npos) return {line, {}};
    auto rest = line.substr(space + 1);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    return {line.substr(0, space), rest};
}

}  // namespace

const std::vector<SlashCommandDoc>& chat_slash_commands() {
    static const std::vector<SlashCommandDoc> table{
        {"/nick NAME", "change your name (a suffix is added when it is taken)"},
        {"/me TEXT", "say TEXT as an action (* alice waves)"},
        {"/who", "list who is in this room"},
        {"/rooms", "list the rooms with people in them"},
        {"/help", "list these commands"},
        {"//text", "send the message \"/text\""},
    };
    return table;
}

void Hub::Impl::command(ConnId conn, Client& c, std::string_view line, Time now) {
    auto [name, args] = split_command(line);
    if (name == "nick") return nick(conn, c, args, now);
    if (name == "me") {
        auto body = clean_text(args);
        if (body.empty()) return tell(conn, c, "usage: /me TEXT, like /me waves", now);
        return publish(conn, RoomEvent::Type::action, std::move(body), now);
    }
    if (name == "who") {
        const auto& room = rooms.at(c.room);
        return deliver({conn}, render_who(c.room, names(room), room.roster.size(), c.name, c.format, now));
    }
    if (name == "rooms") return list_rooms(conn);
    if (name == "help" || name == "?")
        return tell(conn, c, "commands:\n" + format_slash_help(chat_slash_commands()), now);
    tell(conn, c,
         fmt::format("unknown command /{}: /help lists the commands; start a message with // to send it "
                     "with a leading /",
                     clean_name(name, 32)),
         now);
}

void Hub::Impl::nick(ConnId conn, Client& c, std::string_view args, Time now) {
    auto wanted = clean_name(args, options.max_name_chars);
    if (wanted.empty()) return tell(conn, c, "usage: /nick NAME", now);
    auto refusal = name_refusal(wanted);
    if (!refusal.empty()) return tell(conn, c, fmt::format("the name {} is not allowed: {}", wanted, refusal), now);
    if (wanted == c.name) return tell(conn, c, "you are already " + c.name, now);
    // Another case of its own name is its already: nothing to claim.
    if (same_name(wanted, c.name) && !taken(rooms.at(c.room), wanted, conn)) return rename(conn, c, wanted, now);
    claim(conn, std::move(wanted), now);  // rename() once the bus grants a name
}

void Hub::Impl::rename(ConnId conn, Client& c, const std::string& name, Time now) {
    auto old = c.name;
    c.name = name;
    for (auto& m : rooms.at(c.room).roster)
        if (m.origin == node && m.conn == conn) m.rename(name);
    RoomEvent e = make_event(conn, c, RoomEvent::Type::rename, "", now);
    e.old_name = old;
    send(e);
}

// A bus shared with other processes knows rooms this hub has never seen;
// it answers later.
void Hub::Impl::list_rooms(ConnId conn) {
    bus.list_rooms([this, alive = std::weak_ptr<int>(alive), conn](std::optional<std::vector<RoomCount>> elsewhere) {
        if (alive.expired()) return;
        auto it = clients.find(conn);
        if (it != clients.end()) tell(conn, it->second, rooms_line(elsewhere), latest);
    });
}

std::string Hub::Impl::rooms_line(const std::optional<std::vector<RoomCount>>& elsewhere) const {
    std::map<std::string, std::size_t> people;
    if (elsewhere)
        for (const auto& r : *elsewhere) people[r.room] = r.people;
    // A room open here: as this hub knows it, which is up to date.
    for (const auto& [name, room] : rooms)
        if (!room.roster.empty()) people[name] = room.roster.size();
    std::string line = "rooms:";
    bool any = false;
    for (const auto& [name, count] : people) {
        line += fmt::format("{} {} ({})", any ? "," : "", name, count);
        any = true;
    }
    return any ? line : "no rooms";
}

}  // namespace wskit::chat
