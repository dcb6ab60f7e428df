// WebSocket addresses as users type them: ws://, wss://, http(s):// (taken as
// ws(s)://), a bare host:port/path (taken as ws://), and a bare port, 9000 or
// :9000 (with or without /path), taken as ws://127.0.0.1:9000/, as servers
// take `listen 9000`; and ws+unix:///run/app.sock:/path (wss+unix://...), a
// Unix-domain socket's path, then the request's.
#pragma once

#include <wskit/export.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace wskit {

struct WSKIT_API Url {
    bool secure = false;        // wss (or https)
    std::string host;           // without brackets for IPv6 literals
    std::uint16_t port = 0;     // explicit, or 80/443 from the scheme
    bool explicit_port = false; // the address named the port
    std::string resource = "/"; // path and query, never empty
    std::string user;           // from user:pass@, percent-decoded
    std::string password;
    // Set: the connection goes to this Unix-domain socket (ws+unix://, or
    // curl's --unix-socket), and host names only the Host header.
    std::string unix_socket;

    const char* scheme() const { return secure ? "wss" : "ws"; }
    bool is_ipv6_literal() const { return host.find(':') != std::string::npos; }
    // host, bracketed if IPv6, with ":port" unless it is the scheme's default
    std::string authority() const;
    // Where the connection goes, as errors name it: "example.test:80" (the
    // port even when it is the scheme's), "unix:/run/app.sock".
    std::string connection_target() const;
    // The canonical form, without credentials: ws://host[:port]/resource,
    // or ws+unix://SOCKET:resource.
    std::string str() const;
};

// Parses an address. Throws wskit::Error(ExitCode::usage) with a message that
// names the problem (unknown scheme, bad port, empty host, unclosed bracket...).
WSKIT_API Url parse_url(std::string_view text);

// Sends `url`'s connection to the Unix socket at `path` (curl's
// --unix-socket): the URL's host stays for the Host header. Throws
// Error(ExitCode::usage) for a path that cannot be one.
WSKIT_API void use_unix_socket(Url& url, std::string_view path);

// Parses a server's [HOST:]PORT argument: "9000", "0.0.0.0:9000", "[::1]:0",
// ":9000"; or unix:PATH, a Unix-domain socket. HOST defaults to
// default_host. Throws Error(ExitCode::usage).
struct ListenAddress {
    std::string host;
    std::uint16_t port = 0;
    std::string unix_path;  // set: a Unix-domain socket, and host/port unused
};
WSKIT_API ListenAddress parse_listen_address(std::string_view text,
                                             std::string_view default_host = "127.0.0.1");

WSKIT_API std::string percent_decode(std::string_view text);

// "host:port", an IPv6 address in brackets ("[::1]:9000").
WSKIT_API std::string host_port(std::string_view host, std::uint16_t port);

}  // namespace wskit
