// Recordings read back: a --record NDJSON file (or connect's --json output)
// or a HAR (wskit's, or a browser's devtools export), each connection as its
// client saw it.
#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/tool/replay.hpp>

#include "proto/headers.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ctime>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

namespace wskit {
namespace {

using Json = nlohmann::json;

// "2026-12-06T22:47:12.282Z" (or with an offset, "+02:00", as Firefox
// writes) as seconds since the epoch; nullopt for anything else.
std::optional<double> iso_seconds(const std::string& text) {
    std::tm tm{};
    double fraction = 0;
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                    &tm.tm_min, &tm.tm_sec, &consumed) != 6)
        return std::nullopt;
    std::size_t end = static_cast<std::size_t>(consumed);
    if (end < text.size() && text[end] == '.') {
        double scale = 0.1;
        for (++end; end < text.size() && text[end] >= '0' && text[end] <= '9'; ++end) {
            fraction += (text[end] - '0') * scale;
            scale /= 10;
        }
    }
    // Local time at an offset from UTC: subtracted to give UTC.
    int offset = 0, hours = 0, minutes = 0;
    if (end < text.size() && (text[end] == '+' || text[end] == '-') &&
        std::sscanf(text.c_str() + end + 1, "%2d:%2d", &hours, &minutes) == 2)
        offset = (text[end] == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return static_cast<double>(::timegm(&tm)) + fraction - offset;
}

// A whole-number field as T, or `fallback` when it is absent or a decimal
// that T cannot hold: nlohmann's value() converts a decimal with a cast,
// undefined for 1e58 as a close code (found by fuzz_recording). Other types
// are value()'s to refuse.
template <class T>
T whole_number(const Json& j, const char* key, T fallback) {
    auto it = j.find(key);
    if (it != j.end() && it->is_number_float()) {
        double d = it->get<double>();
        bool fits = d >= static_cast<double>(std::numeric_limits<T>::lowest()) &&
                    d < static_cast<double>(std::numeric_limits<T>::max()) + 1;
        return fits ? static_cast<T>(d) : fallback;
    }
    return j.value(key, fallback);
}

// The handshake's own headers are made anew by whoever replays it; a
// masked value cannot be replayed (-H supplies it).
bool replayable_header(const std::string& name, const std::string& value) {
    static const char* const own[] = {"Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
                                      "Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol", "Sec-WebSocket-Accept",
                                      "Content-Length", "Server", "Date"};
    if (name.empty() || name.front() == ':') return false;  // HTTP/2 pseudo-headers in a browser's HAR
    for (auto* o : own)
        if (detail::same_header_name(name, o)) return false;
    return value.find("[hidden]") == std::string::npos;
}

void take_response(RecordedConversation& c, const Json& headers) {
    for (const auto& h : headers) {
        auto name = h.value("name", std::string());
        auto value = h.value("value", std::string());
        if (detail::same_header_name(name, "Sec-WebSocket-Protocol")) c.subprotocol = value;
        else if (replayable_header(name, value)) c.response_headers.push_back({name, value});
    }
}

void take_request(RecordedConversation& c, const Json& headers) {
    for (const auto& h : headers) {
        auto name = h.value("name", std::string());
        auto value = h.value("value", std::string());
        if (detail::same_header_name(name, "Sec-WebSocket-Protocol")) {
            for (auto& p : detail::split_list(value)) c.subprotocols.push_back(p);
            continue;
        }
        if (replayable_header(name, value)) c.headers.push_back({name, value});
    }
}

Message payload_of(const Json& j, bool binary) {
    Message m;
    m.opcode = binary ? Opcode::binary : Opcode::text;
    if (j.contains("text"))
        m.payload = j["text"].get<std::string>();
    else
        m.payload = base64_decode(j.value("base64", std::string())).value_or(std::string());
    return m;
}

[[noreturn]] void unreadable(const std::string& name, std::size_t line, const std::string& why) {
    throw Error(ExitCode::usage, line ? fmt::format("{}:{}: {}", name, line, why) : fmt::format("{}: {}", name, why));
}

std::vector<RecordedConversation> parse_ndjson(std::string_view text, const std::string& name) {
    std::string role = "client";
    std::map<std::uint64_t, RecordedConversation> conversations;
    std::map<std::uint64_t, double> opened_at;
    std::size_t number = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        auto line = text.substr(start, end - start);
        start = end + 1;
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        Json e = Json::parse(line, nullptr, false);
        if (e.is_discarded() || !e.is_object() || !e.contains("event"))
            unreadable(name, number, "not a JSON event (expected a --record NDJSON file or a HAR)");
        auto type = e.value("event", std::string());
        auto conn = whole_number(e, "conn", std::uint64_t{0});
        auto leg = e.value("leg", std::string());
        auto dir = e.value("dir", std::string());
        double ts = iso_seconds(e.value("ts", std::string())).value_or(0);
        if (type == "record") {
            role = e.value("role", std::string("client"));
            continue;
        }
        // Which of the proxy's events are its client's: the client leg's
        // open and close; messages of both legs (each as the proxy received it).
        bool from_client = role == "client" ? dir == "out" : role == "server" ? dir == "in" : leg == "client";
        if (type == "open") {
            if (role == "proxy" && leg == "upstream") {
                conversations[conn].url = e.value("url", std::string());  // the real server
                continue;
            }
            auto& c = conversations[conn];
            if (c.url.empty()) c.url = e.value("url", std::string());
            c.subprotocol = e.value("subprotocol", std::string());
            if (e.contains("request")) take_request(c, e["request"].value("headers", Json::array()));
            if (e.contains("response")) take_response(c, e["response"].value("headers", Json::array()));
            opened_at[conn] = ts;
            continue;
        }
        auto it = conversations.find(conn);
        if (it == conversations.end()) continue;
        if (type == "message") {
            RecordedConversation::Step step;
            step.sent = from_client;
            step.message = payload_of(e, e.value("opcode", std::string()) == "binary");
            step.at = std::max(0.0, ts - opened_at[conn]);
            it->second.steps.push_back(std::move(step));
        } else if (type == "close" && (role != "proxy" || leg == "client")) {
            // A proxy's client leg: "in" is its client's close.
            bool by_client = role == "proxy" ? dir == "in" : from_client;
            (by_client ? it->second.client_close : it->second.server_close) = whole_number(e, "code", 1000);
        }
    }
    std::vector<RecordedConversation> out;
    for (auto& [id, c] : conversations) out.push_back(std::move(c));
    return out;
}

std::vector<RecordedConversation> parse_har(const Json& har, const std::string& name) {
    if (!har.contains("log") || !har["log"].contains("entries")) unreadable(name, 0, "a HAR without log.entries");
    std::vector<RecordedConversation> out;
    for (const auto& entry : har["log"]["entries"]) {
        bool websocket = entry.contains("_webSocketMessages") || entry.value("_resourceType", "") == "websocket";
        if (!websocket) continue;
        RecordedConversation c;
        const auto& request = entry.value("request", Json::object());
        c.url = request.value("url", std::string());
        take_request(c, request.value("headers", Json::array()));
        take_response(c, entry.value("response", Json::object()).value("headers", Json::array()));
        double base = iso_seconds(entry.value("startedDateTime", std::string())).value_or(0);
        for (const auto& m : entry.value("_webSocketMessages", Json::array())) {
            int opcode = whole_number(m, "opcode", 1);
            if (opcode != 1 && opcode != 2) continue;  // a browser's control frames
            RecordedConversation::Step step;
            step.sent = m.value("type", std::string()) == "send";
            step.message.opcode = opcode == 2 ? Opcode::binary : Opcode::text;
            auto data = m.value("data", std::string());
            step.message.payload = opcode == 2 ? base64_decode(data).value_or(std::string()) : data;
            double time = m.value("time", 0.0);
            if (!base) base = time;
            step.at = std::max(0.0, time - base);
            c.steps.push_back(std::move(step));
        }
        if (entry.contains("_webSocketClose")) {
            const auto& close = entry["_webSocketClose"];
            (close.value("by", "") == "client" ? c.client_close : c.server_close) = whole_number(close, "code", 1000);
        }
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace

std::vector<RecordedConversation> parse_recording(std::string_view text, const std::string& name) {
    auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) unreadable(name, 0, "empty recording");
    // A HAR is one JSON document; NDJSON is one per line.
    Json whole = Json::parse(text, nullptr, false);
    bool har = !whole.is_discarded() && whole.is_object() && whole.contains("log");
    try {
        return har ? parse_har(whole, name) : parse_ndjson(text, name);
    } catch (const Json::exception& e) {
        // A field of the wrong type ("conn": "x", "text": 3...).
        unreadable(name, 0, fmt::format("not a recording wskit can read ({})", e.what()));
    }
}

std::vector<RecordedConversation> load_recording(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ExitCode::usage, fmt::format("cannot read {}", escape_controls(path)));
    std::ostringstream text;
    text << in.rdbuf();
    return parse_recording(text.str(), escape_controls(path));
}

}  // namespace wskit
