// Where -L goes next: a redirect's Location resolved against the URL that
// answered it (RFC 3986 section 5.2), made fit for a request line.
#pragma once

#include <wskit/export.hpp>
#include <wskit/url.hpp>

#include <string>
#include <string_view>

namespace wskit {

// Resolves `location` against `base`. Accepted: an absolute URL (ws, wss,
// http, https), a network-path reference (//host/path), an absolute path, a
// relative path (with "." and ".." segments), a query-only (?q) or
// fragment-only (#f) reference. The fragment is dropped; spaces, non-ASCII
// bytes and other characters not allowed in a path or query are
// percent-encoded. Throws Error(ExitCode::handshake), with the Location
// escaped in its message, for control characters, another scheme, or an
// unusable authority.
WSKIT_API Url resolve_redirect(const Url& base, std::string_view location);

// RFC 3986 5.2.4: removes "." and ".." segments from a path.
WSKIT_API std::string remove_dot_segments(std::string_view path);

}  // namespace wskit
