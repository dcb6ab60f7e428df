// The client side of a SOCKS5 handshake (RFC 1928, with RFC 1929
// username/password authentication) as a pure state machine: it says what
// to send and how many bytes to read next, and turns each answer into the
// next step or a one-line error. The connector does the I/O; this file does
// no I/O, so every answer a proxy can give is unit-tested.
#pragma once

#include <wskit/export.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wskit::detail {

// What the proxy is asked to connect to: a domain name (socks5h, resolved
// by the proxy) or an address resolved here (4 or 16 raw bytes).
struct Socks5Target {
    std::string name;     // the name as the user gave it, for messages
    std::string address;  // 4 (IPv4) or 16 (IPv6) raw bytes; empty: send `name` as a domain
    std::uint16_t port = 0;
};

// RFC 1928 6: the text of a reply code, as curl words them.
WSKIT_API std::string socks5_reply_text(int code);

class WSKIT_API Socks5Handshake {
public:
    // `proxy` (host:port) and `target_authority` only appear in messages.
    // Credentials longer than 255 bytes cannot be sent (RFC 1929): start()
    // then fails.
    Socks5Handshake(std::string proxy, std::string target_authority, Socks5Target target, std::string user,
                    std::string password);

    struct Step {
        std::string send;               // bytes to write before reading
        std::size_t read = 0;           // then read exactly this many bytes and feed() them
        bool done = false;              // the tunnel is open
        std::string error;              // the handshake failed: one line, for "wskit: "
        std::vector<std::string> notes; // what happened, for -v
    };

    Step start();
    Step feed(std::string_view bytes);

private:
    enum class State { greeting, auth, reply_head, reply_rest, done, failed };
    Step fail(std::string why);
    Step request();

    std::string proxy_;
    std::string target_authority_;
    Socks5Target target_;
    std::string user_;
    std::string password_;
    State state_ = State::greeting;
};

}  // namespace wskit::detail
