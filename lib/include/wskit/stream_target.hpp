// A byte stream's address, TCP or a Unix socket: where a bridge connects
// (listen --to tcp:HOST:PORT, unix:PATH).
#pragma once

#include <wskit/export.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace wskit {

struct StreamTarget {
    enum class Kind { tcp, unix_socket };
    Kind kind = Kind::tcp;
    std::string host;         // tcp
    std::uint16_t port = 0;   // tcp
    std::string path;         // unix_socket
    WSKIT_API std::string text() const;  // "tcp:127.0.0.1:22", "unix:/run/app.sock"
};

// "tcp:HOST:PORT" ("tcp:[::1]:22" for IPv6) or "unix:PATH". Throws
// Error(ExitCode::usage) saying what is expected.
WSKIT_API StreamTarget parse_stream_target(std::string_view text);

}  // namespace wskit
