// Which HTTP proxy a connection goes through, decided as curl does from the
// environment: https_proxy (wss), http_proxy (ws), all_proxy, and no_proxy.
#pragma once

#include <wskit/export.hpp>
#include <wskit/url.hpp>

#include <functional>
#include <string>

namespace wskit {

// Returns an environment variable's value, or "" when unset.
using EnvLookup = std::function<std::string(const char* name)>;

WSKIT_API std::string getenv_or_empty(const char* name);

// The proxy URL for `target`, or "" for a direct connection. Upper-case
// forms are honoured too, except HTTP_PROXY (curl ignores it: in CGI
// programs it can be set by a request header). no_proxy is a comma-separated
// list of host names (matching the host and its subdomains), IP addresses,
// or "*" for every host.
WSKIT_API std::string proxy_from_environment(const Url& target, const EnvLookup& env = getenv_or_empty);

// True when no_proxy excludes `host` from proxying.
WSKIT_API bool no_proxy_matches(const std::string& no_proxy, const std::string& host);

}  // namespace wskit
