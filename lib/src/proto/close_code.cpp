#include <wskit/close_code.hpp>
#include <wskit/encoding.hpp>

#include <fmt/format.h>

namespace wskit {
namespace {

struct Meaning {
    std::string_view name;
    std::string_view from_server;  // what it means when a server sends it to this client
};

Meaning meaning(int code) {
    switch (code) {
        case 1002: return {"protocol error", "the server says this client broke the WebSocket protocol"};
        case 1003: return {"unsupported data", "the server does not accept this kind of message (text or binary)"};
        case 1007:
            return {"invalid data", "the server says this client sent data it cannot accept, such as text that is "
                                    "not UTF-8"};
        case 1008: return {"policy violation", "the server refused something this client sent or did"};
        case 1009: return {"message too big", "a message from this client is larger than the server accepts"};
        case 1010: return {"extension required", "the server needs an extension this client did not agree to"};
        case 1011:
            return {"internal error", "the server failed while serving the connection: its error, not this "
                                      "client's"};
        case 1012: return {"service restart", "the server is restarting; connect again (--reconnect does)"};
        case 1013: return {"try again later", "the server is overloaded or not ready; connect again later"};
        case 1014: return {"bad gateway", "a gateway got no valid answer from the server behind it"};
        default: break;
    }
    if (code >= 3000 && code <= 3999)
        return {"", "a code registered for a library or framework: the reason says what it means"};
    if (code >= 4000 && code <= 4999)
        return {"", "the application's own code: the reason says what it means"};
    return {};
}

}  // namespace

std::string_view close_code_name(int code) { return meaning(code).name; }

bool close_is_failure(int code, bool clean) { return !clean || !close_code_name(code).empty(); }

std::string server_close_explanation(int code, std::string_view reason) {
    auto m = meaning(code);
    std::string out = fmt::format("the server closed the connection with code {}", code);
    if (!m.name.empty()) out += fmt::format(" ({}: {})", m.name, m.from_server);
    else if (!m.from_server.empty()) out += fmt::format(" ({})", m.from_server);
    if (!reason.empty()) out += fmt::format(", reason: {}", escape_controls(reason));
    return out;
}

}  // namespace wskit

namespace wskit {

std::string close_reason_from(std::string_view text) {
    constexpr std::size_t max_reason = 123;  // a control frame's 125 bytes, less the code
    std::string reason = escape_controls(text);
    if (reason.size() <= max_reason) return reason;
    reason.resize(max_reason);
    while (ends_mid_character(reason)) reason.pop_back();
    return reason;
}

}  // namespace wskit
