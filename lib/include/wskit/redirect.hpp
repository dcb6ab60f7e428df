// Where -L goes next: a redirect's Location resolved against the URL that
// answered it (RFC 3986 section 5.2), made fit for a request line.
#pragma once

#include <wskit/client.hpp>
#include <wskit/export.hpp>
#include <wskit/url.hpp>

#include <string>
#include <string_view>
#include <vector>

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

// What -L sends to where a redirect points, by curl's rules (and its CVEs:
// 2018-1000007, 2022-27774, 2022-27776). Credentials (Authorization and
// Cookie headers, --auth, a URL's user:pass) are meant for the origin the
// user named, scheme, host and port: they go to that origin only, unless
// --location-trusted. A redirect from wss:// to ws:// would send the rest of
// the session in the clear: it is refused, unless --location-trusted.
struct RedirectPlan {
    ClientOptions options;              // for the next request: its url, and the credentials it may carry
    std::vector<std::string> dropped;   // what was not sent on ("Authorization", "Cookie", "--auth"...), for -v
    std::string refusal;                // not empty: do not follow, for this reason (exit 5)
};

// `first` are the options as given (their url the one the user named);
// `from` answered with the redirect to `next` (from resolve_redirect).
// Pure.
WSKIT_API RedirectPlan plan_redirect(const ClientOptions& first, const Url& from, const Url& next, bool trusted);

// Scheme (ws or wss), host and port are the same.
WSKIT_API bool same_origin(const Url& a, const Url& b);

// RFC 3986 5.2.4: removes "." and ".." segments from a path.
WSKIT_API std::string remove_dot_segments(std::string_view path);

}  // namespace wskit
