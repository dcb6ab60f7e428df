// decode_event, parse_presence and parse_sequence (what a chat process reads
// from Redis, which anyone with access to it can write) on any bytes: no
// crash; an event taken holds only what a client could have said (a room
// name, clean names, clean UTF-8 text within the limit) and reads back to
// itself once encoded.
#include "fuzz_support.hpp"

#include "chat/redis/event_codec.hpp"

#include <wskit/chat/rules.hpp>
#include <wskit/chat/wire.hpp>
#include <wskit/encoding.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using wskit::fuzz::require;

namespace {

void check(const wskit::redis::Envelope& env, const wskit::redis::EventLimits& limits) {
    const auto& e = env.event;
    require(wskit::redis::is_room_name(e.room), "a room that is not a room name");
    require(!e.from.empty() && wskit::chat::clean_name(e.from, limits.max_name_chars) == e.from, "an unclean name");
    require(wskit::chat::name_refusal(e.from).empty(), "a name the hub refuses");
    require(wskit::redis::is_origin(e.origin), "an origin that is not a process name");
    require(wskit::fuzz::has_no_controls(e.from) && wskit::fuzz::has_no_controls(e.room), "control characters");
    if (e.said()) {
        require(e.text.size() <= limits.max_text, "a text over the limit");
        require(wskit::is_valid_utf8(e.text), "a text that is not UTF-8");
        require(wskit::chat::clean_text(e.text) == e.text, "an unclean text");
        require(env.seq > 0, "a message without its number");
    } else {
        require(e.text.empty(), "a text on a join, leave or rename");
    }
    auto again = wskit::redis::decode_event(wskit::redis::encode_event(env), limits);
    require(again.has_value(), "an event taken did not read back");
    require(again->event.type == e.type && again->event.room == e.room && again->event.from == e.from &&
                again->event.old_name == e.old_name && again->event.text == e.text && again->event.ts == e.ts &&
                again->event.id == e.id && again->event.origin == e.origin &&
                again->event.origin_conn == e.origin_conn && again->seq == env.seq && again->epoch == env.epoch,
            "an event changed on its way back");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    for (const wskit::redis::EventLimits limits : {wskit::redis::EventLimits{}, wskit::redis::EventLimits{16, 4}})
        if (auto e = wskit::redis::decode_event(bytes, limits)) check(*e, limits);

    // A hash's field and value: the bytes split at the first NUL.
    auto nul = bytes.find('\0');
    auto field = bytes.substr(0, nul), value = nul == std::string_view::npos ? "" : bytes.substr(nul + 1);
    if (auto p = wskit::redis::parse_presence(field, value, {})) {
        require(wskit::redis::is_origin(p->who.origin), "a presence entry of no process");
        require(!p->who.name.empty() && wskit::chat::clean_name(p->who.name, 32) == p->who.name,
                "a presence entry with an unclean name");
    }
    if (auto m = wskit::redis::parse_sequence(field, value))
        require(m->seq > 0 && m->epoch >= 0 && wskit::redis::is_origin(m->origin), "a bad sequence mark");
    return 0;
}
