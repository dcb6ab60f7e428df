#include "proto/socks5.hpp"

#include <fmt/format.h>

namespace wskit::detail {
namespace {

constexpr char version = 5;
constexpr unsigned char no_auth = 0x00;
constexpr unsigned char user_password = 0x02;
constexpr unsigned char no_acceptable = 0xff;
constexpr char connect_command = 1;
constexpr char atyp_ipv4 = 1;
constexpr char atyp_domain = 3;
constexpr char atyp_ipv6 = 4;

std::string port_bytes(std::uint16_t port) {
    return {static_cast<char>(port >> 8), static_cast<char>(port & 0xff)};
}

}  // namespace

std::string socks5_reply_text(int code) {
    switch (code) {
        case 0: return "succeeded";
        case 1: return "general SOCKS server failure";
        case 2: return "connection not allowed by ruleset";
        case 3: return "network unreachable";
        case 4: return "host unreachable";
        case 5: return "connection refused by destination host";
        case 6: return "TTL expired";
        case 7: return "command not supported";
        case 8: return "address type not supported";
        default: return "unknown reply";
    }
}

Socks5Handshake::Socks5Handshake(std::string proxy, std::string target_authority, Socks5Target target,
                                 std::string user, std::string password)
    : proxy_(std::move(proxy)),
      target_authority_(std::move(target_authority)),
      target_(std::move(target)),
      user_(std::move(user)),
      password_(std::move(password)) {}

Socks5Handshake::Step Socks5Handshake::fail(std::string why) {
    state_ = State::failed;
    Step s;
    s.error = std::move(why);
    return s;
}

// Offers username/password only when there are credentials: a proxy that
// needs them then says "no acceptable method", which is reported as such.
Socks5Handshake::Step Socks5Handshake::start() {
    if (user_.size() > 255 || password_.size() > 255)
        return fail(fmt::format("SOCKS5 proxy {}: the user name and password must be at most 255 bytes each",
                                proxy_));
    if (target_.address.empty() && target_.name.size() > 255)
        return fail(fmt::format("SOCKS5 proxy {}: the host name {} is longer than 255 bytes", proxy_,
                                target_.name));
    bool credentials = !user_.empty() || !password_.empty();
    Step s;
    s.send = {version, 1, static_cast<char>(no_auth)};
    if (credentials) s.send = {version, 2, static_cast<char>(no_auth), static_cast<char>(user_password)};
    s.read = 2;
    state_ = State::greeting;
    return s;
}

Socks5Handshake::Step Socks5Handshake::request() {
    Step s;
    s.send = {version, connect_command, 0};
    if (target_.address.size() == 4) {
        s.send += atyp_ipv4;
    } else if (target_.address.size() == 16) {
        s.send += atyp_ipv6;
    } else {
        s.send += atyp_domain;
        s.send += static_cast<char>(target_.name.size());
    }
    s.send += target_.address.empty() ? target_.name : target_.address;
    s.send += port_bytes(target_.port);
    s.notes.push_back(target_.address.empty()
                          ? fmt::format("SOCKS5 connect to {} (remotely resolved)", target_authority_)
                          : fmt::format("SOCKS5 connect to {} (locally resolved)", target_authority_));
    // Version, reply, reserved, address type, and the first byte of the
    // address (a domain's length): enough to know the rest's size.
    s.read = 5;
    state_ = State::reply_head;
    return s;
}

Socks5Handshake::Step Socks5Handshake::feed(std::string_view in) {
    auto byte = [&in](std::size_t i) { return static_cast<unsigned char>(in[i]); };
    switch (state_) {
        case State::greeting: {
            if (in.size() < 2) return fail(fmt::format("SOCKS5 proxy {} sent a truncated answer", proxy_));
            if (byte(0) != 5)
                return fail(fmt::format("{} is not a SOCKS5 proxy (it answered with version {}, expected 5)",
                                        proxy_, byte(0)));
            if (byte(1) == no_auth) {
                auto s = request();
                s.notes.insert(s.notes.begin(), "SOCKS5 proxy accepted no authentication");
                return s;
            }
            if (byte(1) == user_password && (!user_.empty() || !password_.empty())) {
                Step s;
                s.send = {1, static_cast<char>(user_.size())};
                s.send += user_;
                s.send += static_cast<char>(password_.size());
                s.send += password_;
                s.read = 2;
                s.notes.push_back(fmt::format("SOCKS5 username/password authentication as {}", user_));
                state_ = State::auth;
                return s;
            }
            if (byte(1) == no_acceptable && user_.empty() && password_.empty())
                return fail(fmt::format("SOCKS5 proxy {} requires authentication: give it as "
                                        "socks5://user:pass@{}",
                                        proxy_, proxy_));
            if (byte(1) == no_acceptable)
                return fail(fmt::format("SOCKS5 proxy {} accepts none of the offered authentication methods",
                                        proxy_));
            return fail(fmt::format("SOCKS5 proxy {} chose an authentication method that was not offered ({})",
                                    proxy_, byte(1)));
        }
        case State::auth: {
            if (in.size() < 2 || byte(1) != 0)
                return fail(fmt::format("SOCKS5 proxy {}: authentication failed (check the user and password "
                                        "in socks5://user:pass@host:port)",
                                        proxy_));
            auto s = request();
            s.notes.insert(s.notes.begin(), "SOCKS5 authentication succeeded");
            return s;
        }
        case State::reply_head: {
            if (in.size() < 5) return fail(fmt::format("SOCKS5 proxy {} sent a truncated answer", proxy_));
            if (byte(0) != 5)
                return fail(fmt::format("{} is not a SOCKS5 proxy (it answered with version {}, expected 5)",
                                        proxy_, byte(0)));
            if (byte(1) != 0)
                return fail(fmt::format("SOCKS5 proxy {} refused the connection to {}: {} (reply {})", proxy_,
                                        target_authority_, socks5_reply_text(byte(1)), byte(1)));
            // The bound address (which the client does not need) and port
            // follow; 4 bytes of them were read with the head.
            std::size_t rest;
            switch (byte(3)) {
                case atyp_ipv4: rest = 4 - 1 + 2; break;
                case atyp_ipv6: rest = 16 - 1 + 2; break;
                case atyp_domain: rest = byte(4) + 2u; break;
                default:
                    return fail(fmt::format("SOCKS5 proxy {} answered with an unknown address type ({})", proxy_,
                                            byte(3)));
            }
            Step s;
            s.read = rest;
            state_ = State::reply_rest;
            return s;
        }
        case State::reply_rest: {
            Step s;
            s.done = true;
            s.notes.push_back("SOCKS5 request granted");
            state_ = State::done;
            return s;
        }
        case State::done:
        case State::failed: break;
    }
    return fail(fmt::format("SOCKS5 proxy {}: the handshake is already over", proxy_));
}

}  // namespace wskit::detail
