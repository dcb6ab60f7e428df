// The opening handshake's request (RFC 6455 4.1), built once for every
// client of wskit: connect and inspect (through net/client) and bench, so
// that the same flags put the same request on the wire. Pure and unit-tested.
#pragma once

#include <wskit/client.hpp>
#include <wskit/http.hpp>

#include <array>
#include <string>
#include <string_view>

namespace wskit::detail {

// The upgrade request for `options`, its headers in the order they go out:
// Host, Upgrade, Connection, Sec-WebSocket-Key (`key`), Sec-WebSocket-Version,
// then Origin, Authorization, Sec-WebSocket-Protocol, Sec-WebSocket-Extensions
// and User-Agent when there are any, then the user's -H lines, in the order
// given, repeats included (two Cookie lines stay two), as curl sends them.
// - Host is sent once: --host, else the first -H Host, else the URL's.
// - A -H line replaces wskit's own header of that name (the key, the
//   version, User-Agent); for Upgrade and Connection its value is kept and
//   the upgrade's token added when it lacks it ("keep-alive, Upgrade").
// - A flag of its own (-o, --auth or the URL's user, -s, --compress)
//   replaces the -H lines of its header.
HttpRequest build_upgrade_request(const ClientOptions& options, std::string_view key);

// A Sec-WebSocket-Key: the 16 random bytes of the nonce, in base64.
std::string websocket_key(const std::array<unsigned char, 16>& nonce);

// The request line and headers as they go on the wire, up to and including
// the blank line.
std::string format_request_head(const HttpRequest& request);

}  // namespace wskit::detail
