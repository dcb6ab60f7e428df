// What a server answers to an opening handshake, decided without I/O: the
// refusals (RFC 6455 4.2.1 checks, a full server) and the warning when no
// subprotocol could be chosen. The server (net/server.cpp) applies them.
#pragma once

#include <wskit/handshake_check.hpp>
#include <wskit/http.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace wskit::detail {

// A plain-text answer ("text/plain; charset=utf-8").
HttpResponse text_response(int status, std::string body);

// The answer to a request that fails the RFC 6455 4.2.1 checks: the first
// failure decides; a version other than 13 gets 426 naming the one spoken.
// nullopt when every check passed.
std::optional<HttpResponse> rejection_for(const std::vector<CheckResult>& checks);

// 503 with Retry-After, when --max-clients are already connected.
HttpResponse server_full_response(std::size_t max_clients);

// The one-line warning when a client offered subprotocols and none is
// chosen: peer-controlled names are escaped.
std::string unchosen_subprotocol_warning(const std::string& remote, const std::vector<std::string>& offered,
                                         const std::vector<std::string>& accepted);

}  // namespace wskit::detail
