// The two wire formats of a chat client. Any client gets plain text, one
// line per event ("alice: hello", "* bob joined"); a client that asks for
// subprotocol wskit.chat.v1.json gets one JSON envelope per message, as
// described by lib/share/chat/envelope.schema.json:
//   {"type":"message","room":"/","from":"alice","text":"hello","ts":"2026-11-29T10:00:00.000Z","id":7}
// Types: message, history (a message replayed to a newcomer), join, leave,
// presence (joins and leaves of a busy room, announced together), rename,
// who, system.
// Plain text is for terminals: its bidi controls are escaped as \uNNNN
// (escape_controls), so that no message reorders its line on a terminal
// that applies them. JSON carries the exact text: a page isolates it.
#pragma once

#include <wskit/chat/bus.hpp>
#include <wskit/export.hpp>

#include <cstdint>
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
// Joins and leaves announced together (one of them: as render_event), with
// how many are `online` in the room after them. A busy room's batch names
// a few of its people and counts the others: it goes to every member, and
// a list as long as the room would make filling a room quadratic in bytes.
WSKIT_API std::string render_presence(const std::string& room, const std::vector<const RoomEvent*>& events,
                                      std::size_t online, WireFormat format, Time ts);
// Names listed by a batch: text (a line to read), JSON (a page's roster:
// complete unless more than 100 come or go in one batch, about 400 a second).
inline constexpr std::size_t presence_names_text = 5;
inline constexpr std::size_t presence_names_json = 100;

// Who is in the room: `online` people, of whom `names` are the first (all
// of them for JSON, a page's roster; a text line counts the others); `you`
// is the receiver's own name.
WSKIT_API std::string render_who(const std::string& room, const std::vector<std::string>& names, std::size_t online,
                                 const std::string& you, WireFormat format, Time ts);
// A line from the server itself: a welcome, an answer, a warning.
WSKIT_API std::string render_system(const std::string& room, std::string_view text, WireFormat format, Time ts);

// Message text as a room keeps it: control characters other than newline
// and tab removed (they would drive a terminal), trailing white space cut.
WSKIT_API std::string clean_text(std::string_view text);

}  // namespace wskit::chat
