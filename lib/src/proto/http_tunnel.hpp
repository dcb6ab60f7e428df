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

// Why the answer does not open a tunnel, for "the proxy P refused to open a
// tunnel to T: ...", or "" when it does (a 2xx with nothing after its head:
// the client speaks first in the tunnel, so bytes after it are not ours).
WSKIT_API std::string connect_refusal(const ConnectAnswer& answer, bool data_after_head);

}  // namespace wskit::detail
