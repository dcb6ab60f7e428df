// The HTTP CONNECT exchange with a proxy (RFC 9110 9.3.6), as pure
// functions: the request to send and the reading of the proxy's answer.
#pragma once

#include <wskit/export.hpp>

#include <string>
#include <string_view>

namespace wskit::detail {

// "CONNECT host:port HTTP/1.1" with Host, User-Agent and, when there are
// credentials, Proxy-Authorization (Basic), ending with the blank line.
WSKIT_API std::string http_connect_request(const std::string& authority, const std::string& user,
                                           const std::string& password, const std::string& user_agent);

struct ConnectAnswer {
    int status = 0;      // 0 when the status line is not HTTP
    std::string reason;  // reason phrase, as sent
};

// Reads the status line of the proxy's answer (its head, up to the blank line).
WSKIT_API ConnectAnswer parse_connect_answer(std::string_view head);

}  // namespace wskit::detail
