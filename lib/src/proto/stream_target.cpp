#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/stream_target.hpp>
#include <wskit/url.hpp>

#include <fmt/format.h>

namespace wskit {
namespace {

constexpr std::size_t max_unix_path = 107;

}  // namespace

std::string StreamTarget::text() const {
    return kind == Kind::unix_socket ? "unix:" + path : "tcp:" + host_port(host, port);
}

StreamTarget parse_stream_target(std::string_view text) {
    auto bad = [&](std::string_view why) {
        return Error(ExitCode::usage, fmt::format("--to '{}': {}", escape_controls(text), why));
    };
    StreamTarget t;
    if (text.rfind("unix:", 0) == 0) {
        t.kind = StreamTarget::Kind::unix_socket;
        t.path = std::string(text.substr(5));
        if (t.path.empty()) throw bad("expected unix:PATH, the socket's path");
        // sockaddr_un's sun_path holds 108 bytes with the final NUL.
        if (t.path.size() > max_unix_path) throw bad(fmt::format("a socket path has at most {} bytes", max_unix_path));
        return t;
    }
    if (text.rfind("tcp:", 0) != 0) throw bad("expected tcp:HOST:PORT or unix:PATH");
    auto rest = text.substr(4);
    auto colon = rest.rfind(':');
    if (colon == std::string_view::npos || colon == 0) throw bad("expected tcp:HOST:PORT, like tcp:127.0.0.1:22");
    auto host = rest.substr(0, colon);
    // An IPv6 address in brackets, the brackets around the whole host;
    // any other host has neither brackets nor colons.
    bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    if (bracketed) host = host.substr(1, host.size() - 2);
    if (host.find_first_of("[]") != std::string_view::npos || (!bracketed && host.find(':') != std::string_view::npos))
        throw bad("an IPv6 address goes in brackets: tcp:[::1]:22");
    auto port = rest.substr(colon + 1);
    unsigned value = 0;
    for (char c : port) {
        if (c < '0' || c > '9' || value > 65535) throw bad("the port is a number from 1 to 65535");
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (port.empty() || value == 0 || value > 65535) throw bad("the port is a number from 1 to 65535");
    if (host.empty()) throw bad("expected tcp:HOST:PORT, like tcp:127.0.0.1:22");
    t.host = std::string(host);
    t.port = static_cast<std::uint16_t>(value);
    return t;
}

}  // namespace wskit
