#include <wskit/chat/wire.hpp>
#include <wskit/encoding.hpp>
#include <wskit/printer.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace wskit::chat {
namespace {

using json = nlohmann::ordered_json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Continuation lines are indented, so that no line of a message can pass
// for a line of the server ("* bob joined") or of someone else.
std::string indent_continuations(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        out += c;
        if (c == '\n') out += "  ";
    }
    return out;
}

// A line of the plain-text format goes to terminals (wskit connect, but
// also websocat or wscat, which print it as it is): bidi controls in it
// are escaped ("\u202e"), so that no text reorders the rest of its line
// or the lines the server vouches for ("alice: ", "* bob joined"). Names
// have none (clean_name); messages keep theirs in JSON, for the page,
// which isolates every name and message.
std::string for_terminal(std::string_view line) { return escape_controls(line, /*keep_layout=*/true); }

std::string text_line(const RoomEvent& e, View view) {
    using T = RoomEvent::Type;
    switch (e.type) {
        case T::message:
            return (view.history ? "[history] " : "") + e.from + ": " + indent_continuations(e.text);
        case T::action:
            return (view.history ? "[history] * " : "* ") + e.from + " " + indent_continuations(e.text);
        case T::join: return "* " + e.from + " joined";
        case T::leave: return "* " + e.from + " left";
        case T::rename:
            return view.self ? "* you are now known as " + e.from : "* " + e.old_name + " is now known as " + e.from;
    }
    return {};
}

// "alice", "alice and bob", "alice, bob and carol", "alice, bob and 7 others".
std::string name_list(const std::vector<std::string_view>& names, std::size_t limit) {
    std::string out;
    auto shown = std::min(names.size(), limit);
    std::size_t others = names.size() - shown;
    for (std::size_t i = 0; i < shown; ++i) {
        if (i) out += (i + 1 == shown && !others) ? " and " : ", ";
        out += names[i];
    }
    if (others) out += fmt::format(" and {} other{}", others, others == 1 ? "" : "s");
    return out;
}

}  // namespace

std::string render_presence(const std::string& room, const std::vector<const RoomEvent*>& events,
                            std::size_t online, WireFormat format, Time ts) {
    if (events.size() == 1) return render_event(*events.front(), format);
    std::vector<std::string_view> joined, left;
    for (const auto* e : events) (e->type == RoomEvent::Type::join ? joined : left).push_back(e->from);
    if (format == WireFormat::text) {
        std::string line = "*";
        if (!joined.empty()) line += " " + name_list(joined, presence_names_text) + " joined";
        if (!left.empty()) line += (joined.empty() ? " " : "; ") + name_list(left, presence_names_text) + " left";
        return for_terminal(line + fmt::format(" ({} online)", online));
    }
    auto listed = [](const std::vector<std::string_view>& names) {
        return std::vector<std::string_view>(names.begin(), names.begin() + std::min(names.size(), presence_names_json));
    };
    json j{{"type", "presence"}, {"room", room}, {"joined", listed(joined)}, {"left", listed(left)}};
    if (joined.size() > presence_names_json) j["more_joined"] = joined.size() - presence_names_json;
    if (left.size() > presence_names_json) j["more_left"] = left.size() - presence_names_json;
    j["online"] = online;
    j["ts"] = format_iso_time(ts);
    return dump(j);
}

std::string render_event(const RoomEvent& e, WireFormat format, View view) {
    if (format == WireFormat::text) return for_terminal(text_line(e, view));
    using T = RoomEvent::Type;
    bool is_message = e.said();
    json j;
    j["type"] = is_message ? (view.history ? "history" : "message") : type_name(e.type);
    j["room"] = e.room;
    j["from"] = e.from;
    if (is_message) j["text"] = e.text;
    if (e.type == T::action) j["action"] = true;
    if (e.type == T::rename) j["old"] = e.old_name;
    j["ts"] = format_iso_time(e.ts);
    j["id"] = e.id;
    if (view.self) j["self"] = true;
    return dump(j);
}

std::string render_who(const std::string& room, const std::vector<std::string>& names, std::size_t online,
                       const std::string& you, WireFormat format, Time ts) {
    if (format == WireFormat::text) {
        std::string line = "* online in " + room + " (" + std::to_string(online) + "): ";
        for (std::size_t i = 0; i < names.size(); ++i) line += (i ? ", " : "") + names[i];
        if (names.size() < online) line += fmt::format(" and {} others (/who lists everyone)", online - names.size());
        return for_terminal(line);
    }
    json j{{"type", "who"}, {"room", room}, {"names", names}, {"you", you}, {"ts", format_iso_time(ts)}};
    return dump(j);
}

std::string render_system(const std::string& room, std::string_view text, WireFormat format, Time ts) {
    if (format == WireFormat::text) return for_terminal("* " + indent_continuations(text));
    json j{{"type", "system"}, {"room", room}, {"text", text}, {"ts", format_iso_time(ts)}};
    return dump(j);
}

std::string clean_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto b = static_cast<unsigned char>(text[i]);
        if ((b < 0x20 && b != '\n' && b != '\t') || b == 0x7f) continue;
        // C1 controls: U+0080..U+009F, encoded C2 80..C2 9F.
        if (b == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xa0) {
            ++i;
            continue;
        }
        out += text[i];
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == '\n' || out.back() == '\t')) out.pop_back();
    return out;
}

}  // namespace wskit::chat
