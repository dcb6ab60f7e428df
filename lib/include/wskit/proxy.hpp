// Which proxy a connection goes through, decided as curl does from the
// environment (https_proxy for wss, http_proxy for ws, all_proxy, no_proxy),
// and what a proxy URL means: an HTTP proxy (CONNECT) or a SOCKS5 one.
#pragma once

#include <wskit/export.hpp>
#include <wskit/url.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

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

enum class ProxyKind {
    http,     // HTTP CONNECT tunnel
    socks5,   // RFC 1928; the target's name is resolved here and its address sent
    socks5h,  // RFC 1928; the target's name is sent for the proxy to resolve
};

struct WSKIT_API ProxySpec {
    ProxyKind kind = ProxyKind::http;
    std::string host;           // without brackets for IPv6 literals
    std::uint16_t port = 1080;  // curl's default for every kind of proxy
    std::string user;           // percent-decoded; HTTP Basic or RFC 1929 credentials
    std::string password;

    const char* scheme() const;
    // host:port, bracketed if IPv6; what error messages call the proxy
    std::string authority() const;
};

// Parses a proxy URL as curl does: http://, socks5://, socks5h://, or no
// scheme (http), with optional user:pass@ and :port. Throws
// Error(ExitCode::usage) naming the supported schemes for any other one.
WSKIT_API ProxySpec parse_proxy_url(std::string_view text);

}  // namespace wskit
