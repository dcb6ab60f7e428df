// HTTP as the opening handshake uses it: header lines, a request as a server
// sees it, a response as a server sends it or a client reads it. Plain
// values; the parsers are pure functions.
#pragma once

#include <wskit/export.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wskit {

// A setting of an HTTP/2 SETTINGS frame (RFC 9113 6.5.1); extended_connect.hpp
// names and checks them.
struct Http2Setting {
    std::uint16_t id = 0;
    std::uint32_t value = 0;
};

struct Header {
    std::string name;
    std::string value;
};

// Parses "Name: value" (-H). Throws Error(ExitCode::usage) when there is no
// colon or the name is empty or not a token.
WSKIT_API Header parse_header(std::string_view text);

struct WSKIT_API HttpRequest {
    std::string method;
    std::string resource;              // path and query
    std::string version;               // "HTTP/1.1"
    std::vector<Header> headers;
    std::string remote;                // the peer's endpoint as printed: "127.0.0.1:5123", "[::1]:5123"
    std::string remote_address;        // its address alone ("::ffff:" of a mapped IPv4 address dropped)
    std::uint16_t remote_port = 0;
    // The first header with this name (case-insensitive), or "".
    std::string header(std::string_view name) const;
};

struct HttpResponse {
    int status = 200;
    std::vector<Header> headers;
    std::string body;
};

// A response's status line and headers, in order and with their case.
struct ResponseHead {
    std::string version;  // "HTTP/1.1"
    int status = 0;
    std::string reason;
    std::vector<Header> headers;
    // The first header with this name (case-insensitive), or "".
    WSKIT_API std::string header(std::string_view name) const;
    WSKIT_API bool has_header(std::string_view name) const;
};

// Parses the head of a response ("HTTP/1.1 101 ...\r\nName: value\r\n...").
// Lines that are not headers are skipped; status stays 0 without a status line.
WSKIT_API ResponseHead parse_response_head(std::string_view raw);

// Parses the head of a request ("GET /x HTTP/1.1\r\nName: value\r\n..."),
// headers in order and with their case; remote stays empty.
WSKIT_API HttpRequest parse_request_head(std::string_view raw);

}  // namespace wskit
