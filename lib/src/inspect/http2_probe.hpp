// handshake-inspect's HTTP/2 probe: the same URL opened as a browser on an
// HTTP/2 connection would (RFC 8441), on a connection of its own.
#pragma once

#include <wskit/tool/inspect.hpp>

namespace wskit::detail {

// Whether `options` ask for the probe on `url`: automatic probes wss://
// (ALPN offers h2 anyway), prior knowledge probes ws:// too.
bool wants_http2_probe(const InspectOptions& options, const Url& url);

// One attempt over HTTP/2 with `client`'s handshake options; at least one
// ping round trip on the stream, then the close.
Http2Report probe_http2(const InspectOptions& options, ClientOptions client);

// Where the probe got, in a few words: "HTTP/2 extended CONNECT: PASS" (or
// FAIL), "HTTP/2: not offered (ALPN chose http/1.1)"...
std::string http2_state(const Http2Report& report);
// The same with what it means for browsers: "... FAIL (why): browsers that
// reuse an HTTP/2 connection to this host will fail", "...: browsers use
// HTTP/1.1 here".
std::string http2_summary(const Http2Report& report);

}  // namespace wskit::detail
