// HTTP header helpers of the opening handshake: plain C++, unit-tested.
#pragma once

#include <wskit/export.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace wskit::detail {

// RFC 9110 5.6.2: a character allowed in a token (a header name).
bool is_token_char(unsigned char c);

// Case-insensitive comparison of header names.
bool same_header_name(std::string_view a, std::string_view b);

// Splits a comma-separated header value into trimmed, non-empty items.
WSKIT_API std::vector<std::string> split_list(std::string_view value);

// RFC 6455 4.1: a client fails the connection when the server selects a
// subprotocol or an extension it did not offer (websocketpp checks neither).
// Returns what is wrong, in words for an error message, or "" when nothing.
// `offered` are the subprotocols offered; `protocol` and `extensions` the
// response's Sec-WebSocket-Protocol and Sec-WebSocket-Extensions values.
WSKIT_API std::string negotiation_problem(const std::vector<std::string>& offered, const std::string& protocol,
                                          const std::string& extensions);

}  // namespace wskit::detail
