// -v output, curl -v style, through the diagnostics sink (stderr): "* " for
// what happened, "> " for what was sent, "< " for what came back.
#pragma once

#include <wskit/client.hpp>
#include <wskit/trace.hpp>

#include <string>
#include <string_view>

namespace wskit {

// One line, as it happens (the client's default trace handler at -v), to
// the diagnostics sink.
void print_trace_line(const TraceLine& line);

// The handshake request and response headers (and a non-101 response's
// body) once they are known; the connection steps before them were printed
// as they happened.
void print_trace(const HandshakeTrace& t);
// The same lines, each ending with a newline and starting with
// `line_prefix` ("" before a connection).
std::string format_trace(const HandshakeTrace& t, std::string_view line_prefix = {});

}  // namespace wskit
