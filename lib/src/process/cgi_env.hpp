// The environment of an --exec process: what websocketd and CGI (RFC 3875)
// give a script about its request, as a pure function of the request, the
// server and the parent's environment. Unit-tested.
#pragma once

#include <wskit/event.hpp>
#include <wskit/export.hpp>
#include <wskit/server.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace wskit::detail {

struct CgiServer {
    std::string host;          // the address it listens on: SERVER_NAME when the request has no Host
    std::uint16_t port = 0;    // the port it really listens on: SERVER_PORT
    bool tls = false;          // SCHEME wss and HTTPS=on
};

// The parent's variables an --exec process keeps. Like websocketd, the rest of
// wskit's environment is not passed on: it may hold secrets (tokens, keys) that
// a script reachable from the network has no business seeing. These are the
// ones a program needs to run at all and to behave as in the user's shell.
const std::vector<std::string>& passed_environment_names();

// "NAME=value" entries, sorted by name:
// - from `parent` (entries "NAME=value"), those named in passed_environment_names();
// - GATEWAY_INTERFACE, SERVER_SOFTWARE, SERVER_PROTOCOL, REQUEST_METHOD, SCHEME,
//   HTTPS (on wss), SERVER_NAME (the Host header's host), SERVER_PORT,
//   REMOTE_ADDR, REMOTE_HOST (the address: no reverse lookup), REMOTE_PORT,
//   REQUEST_URI (as sent), SCRIPT_NAME (empty: one program serves every path),
//   PATH_INFO (the path, percent-decoded), QUERY_STRING (as sent, without "?"),
//   WSKIT_CONN_ID;
// - HTTP_NAME for every request header, NAME upper-cased with every character
//   other than a letter or digit made "_"; headers that map to the same name
//   are joined with ", " as CGI does. "Proxy" is left out (httpoxy: it would
//   become HTTP_PROXY, which many HTTP libraries take as their proxy).
// No value holds a control character from the request (HTAB aside): in
// header values (and the method, version and Host) they become spaces, as
// RFC 9110 5.5 allows, in REQUEST_URI and QUERY_STRING they are
// percent-encoded, in PATH_INFO they stay encoded.
WSKIT_API std::vector<std::string> cgi_environment(const HttpRequest& request, const CgiServer& server, ConnId id,
                                                   const std::vector<std::string>& parent);

// RFC 3986 percent-decoding for PATH_INFO. Control characters (%00-%1F,
// %7F) stay encoded, and raw ones are encoded: a script that reads its
// environment line by line (env, /proc/self/environ) must not find a
// variable forged by a %0A. Malformed escapes stay as they are.
WSKIT_API std::string percent_decode_path(std::string_view path);

}  // namespace wskit::detail
