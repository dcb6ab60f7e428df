#include "chat/redis/event_codec.hpp"

#include <wskit/chat/rules.hpp>
#include <wskit/chat/wire.hpp>
#include <wskit/encoding.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>

namespace wskit::redis {
namespace {

using json = nlohmann::json;
using chat::RoomEvent;

// Version 2 numbers messages (seq, epoch); a version 1 event is refused.
constexpr int version = 2;

const RoomEvent::Type types[] = {RoomEvent::Type::message, RoomEvent::Type::action, RoomEvent::Type::join,
                                 RoomEvent::Type::leave, RoomEvent::Type::rename};

// Microseconds since 1970 up to the year 3000: a time, not any number.
constexpr std::int64_t latest_ts = 32503680000LL * 1000000;

struct Refused {
    std::string why;
};

[[noreturn]] void refuse(std::string why) { throw Refused{std::move(why)}; }

const json& field(const json& j, const char* name) {
    auto it = j.find(name);
    if (it == j.end()) refuse(fmt::format("no \"{}\"", name));
    return *it;
}

const std::string& text_field(const json& j, const char* name) {
    const auto& v = field(j, name);
    if (!v.is_string()) refuse(fmt::format("\"{}\" is not a string", name));
    return v.get_ref<const std::string&>();
}

std::uint64_t unsigned_field(const json& j, const char* name) {
    const auto& v = field(j, name);
    if (!v.is_number_unsigned()) refuse(fmt::format("\"{}\" is not a whole number", name));
    return v.get<std::uint64_t>();
}

// A name the hub could have given: as clean_name makes it, and not one
// name_refusal turns down.
bool is_name(const std::string& name, const EventLimits& limits) {
    return !name.empty() && chat::clean_name(name, limits.max_name_chars) == name && chat::name_refusal(name).empty();
}

std::string clean_name_or_refuse(const std::string& name, const EventLimits& limits, const char* what) {
    if (!is_name(name, limits)) refuse(fmt::format("\"{}\" is not a name a client could have", what));
    return name;
}

// Said text as the hub keeps it (chat::clean_text), and no more than a
// client may send.
void check_text(const std::string& text, const EventLimits& limits) {
    if (text.size() > limits.max_text) refuse(fmt::format("a text of {} bytes (over {})", text.size(), limits.max_text));
    if (!is_valid_utf8(text)) refuse("a text that is not UTF-8");
    if (text.find_first_not_of(" \t\n") == std::string::npos) refuse("an empty text");
    if (chat::clean_text(text) != text) refuse("a text with control characters");
}

Envelope decode(const json& j, const EventLimits& limits) {
    if (!j.is_object()) refuse("not a JSON object");
    if (!field(j, "v").is_number_integer() || field(j, "v").get<std::int64_t>() != version)
        refuse(fmt::format("not version {}", version));
    Envelope out;
    auto& e = out.event;
    const auto& type = text_field(j, "type");
    auto known = std::find_if(std::begin(types), std::end(types), [&](auto t) { return type == chat::type_name(t); });
    if (known == std::end(types)) refuse("an unknown type");
    e.type = *known;
    // The fields of this type, and no other.
    std::vector<const char*> fields{"v", "type", "room", "from", "ts", "id", "origin", "conn"};
    if (e.said()) fields.insert(fields.end(), {"text", "seq", "epoch"});
    if (e.type == RoomEvent::Type::rename) fields.push_back("old");
    for (auto it = j.begin(); it != j.end(); ++it) {
        const auto& key = it.key();
        if (std::none_of(fields.begin(), fields.end(), [&](const char* f) { return key == f; }))
            refuse("a field of no use");
    }
    e.room = text_field(j, "room");
    if (!is_room_name(e.room)) refuse("not a room name");
    e.from = clean_name_or_refuse(text_field(j, "from"), limits, "from");
    if (e.type == RoomEvent::Type::rename) e.old_name = clean_name_or_refuse(text_field(j, "old"), limits, "old");
    if (e.said()) {
        e.text = text_field(j, "text");
        check_text(e.text, limits);
        out.seq = unsigned_field(j, "seq");
        out.epoch = static_cast<std::int64_t>(std::min<std::uint64_t>(unsigned_field(j, "epoch"), INT64_MAX));
        if (out.seq == 0) refuse("seq 0");
    }
    const auto& ts = field(j, "ts");
    if (!ts.is_number_integer() || ts.get<std::int64_t>() < 0 || ts.get<std::int64_t>() > latest_ts)
        refuse("\"ts\" is not a time");
    e.ts = chat::Time(std::chrono::duration_cast<chat::Time::duration>(std::chrono::microseconds(ts.get<std::int64_t>())));
    e.id = unsigned_field(j, "id");
    if (e.id == 0) refuse("id 0");
    e.origin = text_field(j, "origin");
    if (!is_origin(e.origin)) refuse("not a process name");
    e.origin_conn = unsigned_field(j, "conn");
    return out;
}

}  // namespace

std::string encode_event(const Envelope& env) {
    const auto& e = env.event;
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(e.ts.time_since_epoch()).count();
    json j{{"v", version}, {"type", chat::type_name(e.type)}, {"room", e.room}, {"from", e.from}, {"ts", micros},
           {"id", e.id}, {"origin", e.origin}, {"conn", e.origin_conn}};
    if (e.type == RoomEvent::Type::rename) j["old"] = e.old_name;
    if (e.said()) {
        j["text"] = e.text;
        j["seq"] = env.seq;
        j["epoch"] = env.epoch;
    }
    // Names and texts were cleaned by the hub; bytes that are not UTF-8
    // would be replaced here, and the event then refused by decode_event.
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<Envelope> decode_event(std::string_view payload, const EventLimits& limits, std::string* why) {
    // Text within the limit is at most twice as long in JSON (quotes,
    // backslashes and newlines escaped; control characters are refused):
    // anything longer is refused before it is parsed.
    if (payload.size() > 2 * limits.max_text + 4096) {
        if (why) *why = fmt::format("{} bytes, too long for a message of {} bytes", payload.size(), limits.max_text);
        return std::nullopt;
    }
    auto j = json::parse(payload, nullptr, false);
    try {
        if (j.is_discarded()) refuse("not JSON");
        return decode(j, limits);
    } catch (const Refused& r) {
        if (why) *why = r.why;
    } catch (const json::exception&) {
        if (why) *why = "a field of the wrong type";
    }
    return std::nullopt;
}

bool is_room_name(std::string_view room) {
    if (room.empty() || room.front() != '/') return false;
    // What parse_room_address makes of the room written with every byte
    // percent-encoded is the room itself only if it is a room name.
    std::string resource;
    for (unsigned char c : room) resource += fmt::format("%{:02X}", c);
    return chat::parse_room_address(resource).room == room;
}

bool is_origin(std::string_view origin) {
    return !origin.empty() && origin.size() <= 255 &&
           std::all_of(origin.begin(), origin.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

std::string presence_field(const std::string& origin, ConnId conn) { return origin + "/" + std::to_string(conn); }

std::string presence_value(const std::string& name, std::int64_t expires_ms) {
    return json{{"name", name}, {"expires", expires_ms}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<PresenceEntry> parse_presence(std::string_view field, std::string_view value, const EventLimits& limits) {
    auto slash = field.rfind('/');
    if (slash == std::string_view::npos) return std::nullopt;
    PresenceEntry out;
    out.who.origin = std::string(field.substr(0, slash));
    auto conn = field.substr(slash + 1);
    auto [end, ec] = std::from_chars(conn.data(), conn.data() + conn.size(), out.who.conn);
    if (!is_origin(out.who.origin) || conn.empty() || ec != std::errc() || end != conn.data() + conn.size())
        return std::nullopt;
    auto j = json::parse(value, nullptr, false);
    if (!j.is_object() || j.size() != 2 || !j.contains("name") || !j["name"].is_string() || !j.contains("expires") ||
        !j["expires"].is_number_integer())
        return std::nullopt;
    out.who.name = j["name"].get<std::string>();
    out.expires_ms = j["expires"].get<std::int64_t>();
    if (!is_name(out.who.name, limits)) return std::nullopt;
    return out;
}

std::string sequence_value(std::int64_t epoch, std::uint64_t seq) { return fmt::format("{} {}", epoch, seq); }

std::optional<SequenceMark> parse_sequence(std::string_view field, std::string_view value) {
    SequenceMark out;
    auto space = value.find(' ');
    if (!is_origin(field) || space == std::string_view::npos) return std::nullopt;
    auto epoch = value.substr(0, space), seq = value.substr(space + 1);
    auto e = std::from_chars(epoch.data(), epoch.data() + epoch.size(), out.epoch);
    auto s = std::from_chars(seq.data(), seq.data() + seq.size(), out.seq);
    if (epoch.empty() || seq.empty() || e.ec != std::errc() || e.ptr != epoch.data() + epoch.size() ||
        s.ec != std::errc() || s.ptr != seq.data() + seq.size() || out.epoch < 0 || out.seq == 0)
        return std::nullopt;
    out.origin = std::string(field);
    return out;
}

}  // namespace wskit::redis
