#include "proto/check_parts.hpp"
#include "proto/headers.hpp"

#include <wskit/encoding.hpp>
#include <wskit/extended_connect.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <optional>

namespace wskit {
namespace {

constexpr const char* rfc_websocket = "RFC 8441 5";
constexpr const char* rfc_fields = "RFC 9113 8.2";

// Fields that HTTP/1.1 uses to manage its connection: in HTTP/2 a message
// that has one is malformed (RFC 9113 8.2.2).
bool connection_specific(std::string_view name) {
    for (std::string_view forbidden : {"connection", "upgrade", "keep-alive", "proxy-connection", "transfer-encoding"})
        if (detail::same_header_name(name, forbidden)) return true;
    return false;
}

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The first thing that makes a response's fields malformed (RFC 9113 8.2,
// 8.3), or nullopt.
std::optional<std::string> malformed(const std::vector<Header>& fields) {
    bool regular_seen = false;
    bool status_seen = false;
    for (const auto& f : fields) {
        if (f.name.empty()) return std::string("a field with no name");
        if (f.name.find_first_of(std::string_view("\0\r\n", 3)) != std::string::npos ||
            f.value.find_first_of(std::string_view("\0\r\n", 3)) != std::string::npos)
            return fmt::format("{}: a NUL, CR or LF in the field", f.name);
        if (f.name[0] == ':') {
            if (regular_seen) return fmt::format("{} after a regular field", f.name);
            if (f.name != ":status") return fmt::format("{}, which a response does not have", f.name);
            if (status_seen) return std::string("a second :status");
            status_seen = true;
            continue;
        }
        regular_seen = true;
        if (std::any_of(f.name.begin(), f.name.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) return fmt::format("{}: a field name with uppercase", f.name);
        if (connection_specific(f.name)) return fmt::format("{}: a connection-specific field", f.name);
    }
    return std::nullopt;
}

}  // namespace

std::string http2_setting_name(std::uint16_t id) {
    switch (id) {
        case 0x1: return "SETTINGS_HEADER_TABLE_SIZE";
        case 0x2: return "SETTINGS_ENABLE_PUSH";
        case 0x3: return "SETTINGS_MAX_CONCURRENT_STREAMS";
        case 0x4: return "SETTINGS_INITIAL_WINDOW_SIZE";
        case 0x5: return "SETTINGS_MAX_FRAME_SIZE";
        case 0x6: return "SETTINGS_MAX_HEADER_LIST_SIZE";
        case settings_enable_connect_protocol: return "SETTINGS_ENABLE_CONNECT_PROTOCOL";
        case 0x9: return "SETTINGS_NO_RFC7540_PRIORITIES";
        default: return fmt::format("unknown setting 0x{:x}", id);
    }
}

std::string http2_error_name(std::uint32_t code) {
    static const char* names[] = {"NO_ERROR",       "PROTOCOL_ERROR",      "INTERNAL_ERROR",     "FLOW_CONTROL_ERROR",
                                  "SETTINGS_TIMEOUT", "STREAM_CLOSED",     "FRAME_SIZE_ERROR",   "REFUSED_STREAM",
                                  "CANCEL",         "COMPRESSION_ERROR",   "CONNECT_ERROR",      "ENHANCE_YOUR_CALM",
                                  "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"};
    const char* name = code < std::size(names) ? names[code] : "unknown error";
    return fmt::format("{} (0x{:x})", name, code);
}

CheckResult check_connect_protocol_setting(const std::vector<Http2Setting>& settings) {
    std::optional<std::uint32_t> value;
    bool withdrawn = false;
    for (const auto& s : settings) {
        if (s.id != settings_enable_connect_protocol) continue;
        withdrawn = withdrawn || (value == 1u && s.value == 0);
        value = s.value;
    }
    auto r = detail::check_result("enable_connect_protocol", "SETTINGS_ENABLE_CONNECT_PROTOCOL", value == 1u, "1",
                                  value ? std::to_string(*value) : "(absent)", "RFC 8441 3");
    if (!value || *value == 0)
        r.detail = "without it no extended CONNECT may be sent: browsers open this host's WebSockets over HTTP/1.1";
    if (value && *value > 1) r.detail = "a value other than 0 or 1 is a connection error (PROTOCOL_ERROR)";
    if (withdrawn) r.detail = "0 after 1: a server may not withdraw the setting";
    return r;
}

std::vector<Header> extended_connect_request(const Url& url, const ExtendedConnectOffer& offer) {
    std::string authority = url.authority();
    std::vector<Header> rest;
    rest.push_back({"sec-websocket-version", "13"});
    if (!offer.subprotocols.empty())
        rest.push_back({"sec-websocket-protocol", fmt::format("{}", fmt::join(offer.subprotocols, ", "))});
    if (!offer.extensions.empty()) rest.push_back({"sec-websocket-extensions", offer.extensions});
    for (const auto& h : offer.headers) {
        auto name = lowercase(h.name);
        if (name == "host") {
            authority = h.value;
            continue;
        }
        if (name == "sec-websocket-version") {  // replaces ours, as -H does over HTTP/1.1
            rest.front().value = h.value;
            continue;
        }
        if (name.empty() || name[0] == ':' || connection_specific(name) || name == "sec-websocket-key") continue;
        rest.push_back({std::move(name), h.value});
    }
    std::vector<Header> fields{{":method", "CONNECT"},
                               {":protocol", "websocket"},
                               {":scheme", url.secure ? "https" : "http"},
                               {":path", url.resource},
                               {":authority", std::move(authority)}};
    fields.insert(fields.end(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
    return fields;
}

ResponseHead http2_response_head(const std::vector<Header>& fields) {
    ResponseHead head;
    head.version = "HTTP/2";
    bool status_seen = false;
    for (const auto& f : fields) {
        if (f.name == ":status" && !status_seen) {
            status_seen = true;
            const auto& v = f.value;
            if (v.size() == 3 && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
                head.status = std::stoi(v);
        } else if (f.name.empty() || f.name[0] != ':') {
            head.headers.push_back(f);
        }
    }
    return head;
}

std::vector<CheckResult> check_connect_response(const std::vector<Header>& fields,
                                                const std::vector<std::string>& offered_subprotocols,
                                                std::string_view offered_extensions) {
    const auto res = http2_response_head(fields);
    const bool opened = res.status >= 200 && res.status < 300;
    std::vector<CheckResult> out;
    auto status = detail::check_result("status", "status", opened, "2xx (200)",
                                       res.status ? std::to_string(res.status) : "no valid :status", rfc_websocket);
    if (res.status == 101)
        status.detail = "101 Switching Protocols is HTTP/1.1's: HTTP/2 has none (RFC 9113 8.6), and a 2xx opens "
                        "the WebSocket";
    out.push_back(std::move(status));
    if (!opened) {
        detail::check_refusal(res, out);
        return out;
    }
    auto problem = malformed(fields);
    out.push_back(detail::check_result("fields", "HTTP/2 response fields", !problem,
                                       "one :status first, lowercase names, none connection-specific",
                                       problem ? *problem : "well-formed", rfc_fields));
    const bool accept = res.has_header("sec-websocket-accept");
    auto r = detail::check_result("accept", "no Sec-WebSocket-Accept", true, "(absent)",
                                  detail::shown(res.header("sec-websocket-accept"), accept), rfc_websocket);
    if (accept) {
        r.verdict = Verdict::warn;
        r.detail = "not used over HTTP/2: the server answered as it would over HTTP/1.1";
    }
    out.push_back(std::move(r));
    out.push_back(detail::check_subprotocol(res, offered_subprotocols, rfc_websocket));
    out.push_back(detail::check_extensions(res, offered_extensions, rfc_websocket));
    return out;
}

std::optional<ConnectFailure> connect_answer_failure(const std::vector<Header>& fields,
                                                    const std::vector<std::string>& offered_subprotocols,
                                                    std::string_view offered_extensions) {
    const auto status = http2_response_head(fields).status;
    for (const auto& check : check_connect_response(fields, offered_subprotocols, offered_extensions)) {
        if (check.verdict != Verdict::fail) continue;
        auto what = check.id == "status" && status >= 300
                        ? fmt::format("the server answered the extended CONNECT with {}", status)
                        : fmt::format("handshake rejected: {}: expected {}, got {}", check.name, check.expected,
                                      escape_controls(check.actual));
        return ConnectFailure{check.exit_class, what + (check.detail.empty() ? "" : " (" + check.detail + ")")};
    }
    return std::nullopt;
}

std::string http2_field_lines(const std::vector<Header>& fields) {
    std::string text;
    for (const auto& f : fields) text += f.name + ": " + f.value + "\r\n";
    return text;
}

std::vector<Header> parse_http2_field_lines(std::string_view text) {
    std::vector<Header> fields;
    while (!text.empty()) {
        auto end = text.find("\r\n");
        auto line = text.substr(0, end);
        auto colon = line.find(": ", line.empty() || line[0] != ':' ? 0 : 1);  // a pseudo-header starts with ':'
        if (colon == std::string_view::npos) fields.push_back({std::string(line), ""});
        else fields.push_back({std::string(line.substr(0, colon)), std::string(line.substr(colon + 2))});
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 2);
    }
    return fields;
}

std::vector<CheckResult> check_connect_exchange(std::string_view request, std::string_view response) {
    auto sent = http2_response_head(parse_http2_field_lines(request));  // the regular fields, as headers
    return check_connect_response(parse_http2_field_lines(response), detail::split_list(sent.header("sec-websocket-protocol")),
                                  sent.header("sec-websocket-extensions"));
}

}  // namespace wskit
