#include "event_codec.hpp"

#include <nlohmann/json.hpp>

namespace wskit::redis {
namespace {

using json = nlohmann::json;
using chat::RoomEvent;

const RoomEvent::Type types[] = {RoomEvent::Type::message, RoomEvent::Type::action, RoomEvent::Type::join,
                                 RoomEvent::Type::leave, RoomEvent::Type::rename};

}  // namespace

std::string encode_event(const RoomEvent& e) {
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(e.ts.time_since_epoch()).count();
    json j{{"v", 1}, {"type", chat::type_name(e.type)}, {"room", e.room}, {"from", e.from}, {"ts", micros},
           {"id", e.id}, {"origin", e.origin}, {"conn", e.origin_conn}};
    if (!e.old_name.empty()) j["old"] = e.old_name;
    if (!e.text.empty()) j["text"] = e.text;
    // Names and texts were cleaned by the hub, but may still hold bytes that
    // are not UTF-8: kept as they are rather than refused.
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<RoomEvent> decode_event(const std::string& payload) {
    auto j = json::parse(payload, nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.value("v", 0) != 1) return std::nullopt;
    try {
        RoomEvent e;
        auto type = j.at("type").get<std::string>();
        bool known = false;
        for (auto t : types)
            if (type == chat::type_name(t)) {
                e.type = t;
                known = true;
            }
        if (!known) return std::nullopt;
        e.room = j.at("room").get<std::string>();
        e.from = j.at("from").get<std::string>();
        e.old_name = j.value("old", "");
        e.text = j.value("text", "");
        e.ts = chat::Time(std::chrono::duration_cast<chat::Time::duration>(
            std::chrono::microseconds(j.at("ts").get<std::int64_t>())));
        e.id = j.at("id").get<std::uint64_t>();
        e.origin = j.at("origin").get<std::string>();
        e.origin_conn = j.at("conn").get<ConnId>();
        if (e.room.empty() || e.origin.empty()) return std::nullopt;
        return e;
    } catch (const json::exception&) {
        return std::nullopt;
    }
}

}  // namespace wskit::redis
