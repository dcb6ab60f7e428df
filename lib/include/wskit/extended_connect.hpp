// WebSockets on an HTTP/2 stream (RFC 8441): the extended CONNECT a client
// sends, and the checks of what the server says, as check lists like
// handshake_check.hpp's for HTTP/1.1. Over HTTP/2 a WebSocket opens with
// CONNECT and :protocol websocket, once the server's SETTINGS allowed it, and
// succeeds with a 2xx: no Upgrade, no 101, no Sec-WebSocket-Key or -Accept.
// Pure functions, no I/O: the HTTP/2 framing itself is not here.
#pragma once

#include <wskit/connect_failure.hpp>
#include <wskit/export.hpp>
#include <wskit/handshake_check.hpp>
#include <wskit/http.hpp>
#include <wskit/url.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wskit {

// RFC 8441 3: a server that sends 1 accepts the extended CONNECT.
constexpr std::uint16_t settings_enable_connect_protocol = 0x8;

// The setting's name as its RFC gives it ("SETTINGS_MAX_CONCURRENT_STREAMS"),
// or "unknown setting 0x..." for one that no RFC wskit knows defines.
WSKIT_API std::string http2_setting_name(std::uint16_t id);

// An HTTP/2 error code's name (RFC 9113 7) with its number:
// "PROTOCOL_ERROR (0x1)", "unknown error (0x2a)".
WSKIT_API std::string http2_error_name(std::uint32_t code);

// Whether the server's SETTINGS, in the order received (a later value of a
// setting replaces an earlier one), allow the extended CONNECT.
WSKIT_API CheckResult check_connect_protocol_setting(const std::vector<Http2Setting>& settings);

// What the client offers besides the URL: its subprotocols, its
// Sec-WebSocket-Extensions value, and any other header (-H).
struct ExtendedConnectOffer {
    std::vector<std::string> subprotocols;
    std::string extensions;
    std::vector<Header> headers;
};

// The header fields of the CONNECT that opens a WebSocket to `url` (RFC 8441
// 4 and 5): :method, :protocol, :scheme, :path, :authority, then
// sec-websocket-version: 13 and the offer. Names are lowercase (RFC 9113
// 8.2.1); a Host header gives :authority its value (8.3.1), a
// Sec-WebSocket-Version header sec-websocket-version its own; the headers
// HTTP/2 forbids (Connection, Upgrade, Keep-Alive, Proxy-Connection,
// Transfer-Encoding: 8.2.2), Sec-WebSocket-Key, which RFC 8441 5 does not
// use, and pseudo-headers are left out.
WSKIT_API std::vector<Header> extended_connect_request(const Url& url, const ExtendedConnectOffer& offer);

// What a client checks in the answer to its CONNECT: `fields` as received,
// pseudo-headers included, in order. A 2xx opens the WebSocket; a 101, which
// HTTP/2 does not have, fails with a word on why; a refusal gets the checks
// of an HTTP/1.1 refusal (Location, WWW-Authenticate...). Then the fields
// themselves (one :status and no other pseudo-header, first; lowercase
// names; nothing HTTP/2 forbids), Sec-WebSocket-Accept's absence (a warning:
// the server answered as over HTTP/1.1), the subprotocol and the extensions.
WSKIT_API std::vector<CheckResult> check_connect_response(const std::vector<Header>& fields,
                                                          const std::vector<std::string>& offered_subprotocols,
                                                          std::string_view offered_extensions);

// A client's one-line error for an answer that does not open the WebSocket:
// its first failed check ("the server answered the extended CONNECT with
// 403", "handshake rejected: subprotocol: expected one of chat, got x"), with
// the check's exit status; none when the answer opens it.
WSKIT_API std::optional<ConnectFailure> connect_answer_failure(const std::vector<Header>& fields,
                                                               const std::vector<std::string>& offered_subprotocols,
                                                               std::string_view offered_extensions);

// Header fields as a trace holds them (HandshakeTrace over HTTP/2, inspect's
// report): one "name: value" line each, CRLF-ended, pseudo-headers included.
WSKIT_API std::string http2_field_lines(const std::vector<Header>& fields);
WSKIT_API std::vector<Header> parse_http2_field_lines(std::string_view text);

// The same checks from the fields of both sides as a trace holds them, the
// offer read from the request's.
WSKIT_API std::vector<CheckResult> check_connect_exchange(std::string_view request, std::string_view response);

// The answer as a response head: status from :status (0 when it is missing
// or not three digits), version "HTTP/2", no reason phrase, the other
// fields as headers.
WSKIT_API ResponseHead http2_response_head(const std::vector<Header>& fields);

}  // namespace wskit
