// The two wire formats of a chat client. Any client gets plain text, one
// line per event ("alice: hello", "* bob joined"); a client that asks for
// subprotocol wskit.chat.v1.json gets one JSON envelope per message, as
// described by lib/share/chat/envelope.schema.json:
//   {"type":"message","room":"/","from":"alice","text":"hello","ts":"2026-11-29T10:00:00.000Z","id":7}
// Types: message, history (a message replayed to a newcomer), join, leave,
// rename, who, system.
#pragma once

#include <wskit/chat_bus.hpp>
#include <wskit/export.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace wskit::chat {

enum class WireFormat { text, json };

inline constexpr const char* json_subprotocol = "wskit.chat.v1.json";

// How one receiver sees an event.
struct View {
    bool history = false;  // replayed to a newcomer
    bool self = false;     // the receiver is its author
};

// A room event (message, action, join, leave, rename) for a client.
WSKIT_API std::string render_event(const RoomEvent& event, WireFormat format, View view = {});
// Who is in the room; `you` is the receiver's own name.
WSKIT_API std::string render_who(const std::string& room, const std::vector<std::string>& names,
                                 const std::string& you, WireFormat format, Time ts);
// A line from the server itself: a welcome, an answer, a warning.
WSKIT_API std::string render_system(const std::string& room, std::string_view text, WireFormat format, Time ts);

// Message text as a room keeps it: control characters other than newline
// and tab removed (they would drive a terminal), trailing white space cut.
WSKIT_API std::string clean_text(std::string_view text);

}  // namespace wskit::chat
