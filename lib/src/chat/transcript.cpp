#include "chat/transcript.hpp"

#include <wskit/encoding.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace wskit::chat {
namespace {

using json = nlohmann::ordered_json;

std::string record_line(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n"; }

json base(const char* event, ConnId conn, const std::string& room, Time ts) {
    return json{{"event", event}, {"ts", format_iso_time(ts)}, {"conn", conn}, {"room", room}};
}

}  // namespace

void Transcript::human(ConnId conn, const std::string& room, std::string_view line) {
    std::string out;
    if (options_.timestamps) out += format_clock_time(std::chrono::system_clock::now()) + " ";
    if (conn) out += fmt::format("#{} ", conn);
    out += escape_controls(room) + " ";
    out += line;
    out += '\n';
    session_.print_record(out);
}

void Transcript::record(const RoomEvent& e, ConnId conn) {
    using T = RoomEvent::Type;
    if (options_.format == OutputFormat::json) {
        auto j = base(type_name(e.type), conn, e.room, e.ts);
        j["from"] = e.from;
        if (e.said()) j["text"] = e.text;
        if (e.type == T::rename) j["old"] = e.old_name;
        j["id"] = e.id;
        return session_.print_record(record_line(j));
    }
    auto from = escape_controls(e.from);
    switch (e.type) {
        case T::message: return human(conn, e.room, from + ": " + escape_controls(e.text));
        case T::action: return human(conn, e.room, "* " + from + " " + escape_controls(e.text));
        case T::join: return human(conn, e.room, "* " + from + " joined");
        case T::leave: return human(conn, e.room, "* " + from + " left");
        case T::rename: return human(conn, e.room, "* " + escape_controls(e.old_name) + " is now known as " + from);
    }
}

void Transcript::notice(ConnId conn, const std::string& room, const std::string& name, const std::string& text) {
    if (options_.format == OutputFormat::json) {
        auto j = base("notice", conn, room, std::chrono::system_clock::now());
        j["from"] = name;
        j["text"] = text;
        return session_.print_record(record_line(j));
    }
    human(conn, room, fmt::format("{}: {}", escape_controls(name), text));
}

void Transcript::drop(ConnId conn, const std::string& room, const std::string& name, DropReason why, int code,
                      const std::string& reason) {
    if (options_.format == OutputFormat::json) {
        auto j = base("drop", conn, room, std::chrono::system_clock::now());
        j["from"] = name;
        j["cause"] = drop_reason_name(why);
        j["code"] = code;
        j["reason"] = reason;
        return session_.print_record(record_line(j));
    }
    human(conn, room, fmt::format("{} dropped ({}): {} {}", escape_controls(name), drop_reason_name(why), code,
                                  escape_controls(reason)));
}

}  // namespace wskit::chat
