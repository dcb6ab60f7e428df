#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/stream_target.hpp>
#include <wskit/url.hpp>

#include <fmt/format.h>


namespace wskit {
namespace {

[[noreturn]] void bad_url(std::string_view text, std::string_view why) {
    throw Error(ExitCode::usage,
                fmt::format("invalid URL '{}': {} (expected ws://host[:port]/path or wss://...)",
                            escape_controls(text), why));
}

// Parses "65535"-style ports; returns false on anything else.
bool parse_port(std::string_view digits, std::uint16_t& port) {
    if (digits.empty() || digits.size() > 5) return false;
    unsigned value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return false;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 65535) return false;
    port = static_cast<std::uint16_t>(value);
    return true;
}

struct HostPort {
    std::string host;
    std::string_view port;  // empty when absent
    bool has_port = false;
};

// Splits "host", "host:port", "[v6]", "[v6]:port". Returns an error string, or
// empty on success.
std::string split_host_port(std::string_view hp, HostPort& out) {
    if (!hp.empty() && hp.front() == '[') {
        auto close = hp.find(']');
        if (close == std::string_view::npos) return "unclosed '[' in IPv6 address";
        out.host = std::string(hp.substr(1, close - 1));
        if (out.host.empty()) return "empty IPv6 address";
        auto rest = hp.substr(close + 1);
        if (rest.empty()) return {};
        if (rest.front() != ':') return "unexpected characters after ']'";
        out.port = rest.substr(1);
        out.has_port = true;
        return {};
    }
    auto colon = hp.rfind(':');
    if (colon != std::string_view::npos && hp.find(':') != colon)
        return "IPv6 addresses must be written in brackets, like [::1]";
    if (colon == std::string_view::npos) {
        out.host = std::string(hp);
    } else {
        out.host = std::string(hp.substr(0, colon));
        out.port = hp.substr(colon + 1);
        out.has_port = true;
    }
    return {};
}

// "9000" or ":9000" where a URL is expected: a port on this machine, as
// `listen 9000` is. A host name is never all digits (RFC 1123 2.1), and a
// dotless number taken as an IPv4 address (9000 is 0.0.35.40) is never
// what was meant.
bool is_bare_port(std::string_view authority) {
    if (!authority.empty() && authority.front() == ':') authority.remove_prefix(1);
    return !authority.empty() && authority.find_first_not_of("0123456789") == std::string_view::npos;
}

// sockaddr_un's sun_path holds 108 bytes with the final NUL.
constexpr std::size_t max_unix_path = 107;

// Why a Unix socket's path cannot be used, or "".
std::string unix_path_problem(std::string_view path) {
    if (path.empty()) return "the socket's path is empty";
    if (path.size() > max_unix_path) return fmt::format("a socket path has at most {} bytes", max_unix_path);
    return {};
}

// The path and query a request asks for: the fragment is never sent (RFC
// 6455 section 3), and the path starts with '/'.
std::string request_target(std::string_view resource) {
    auto hash = resource.find('#');
    if (hash != std::string_view::npos) resource = resource.substr(0, hash);
    if (resource.empty() || resource.front() != '/') return "/" + std::string(resource);
    return std::string(resource);
}

// "ws+unix:///run/app.sock:/path?q", Node ws's form: the socket's path up
// to the first ':', then the request's path ("/" when there is none). The
// Host header says localhost, as Node's and curl's do.
Url parse_unix_url(std::string_view text, std::string_view rest, bool secure) {
    Url url;
    url.secure = secure;
    url.host = "localhost";
    url.port = secure ? 443 : 80;
    auto colon = rest.find(':');
    url.unix_socket = std::string(rest.substr(0, colon));
    if (auto problem = unix_path_problem(url.unix_socket); !problem.empty())
        bad_url(text, problem + " (ws+unix:///run/app.sock:/path)");
    url.resource = request_target(colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1));
    return url;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            int hi = hex_value(text[i + 1]);
            int lo = hex_value(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

std::string host_port(std::string_view host, std::uint16_t port) {
    bool v6 = host.find(':') != std::string_view::npos;
    return fmt::format("{}{}{}:{}", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

std::string Url::authority() const {
    std::string out = is_ipv6_literal() ? "[" + host + "]" : host;
    if (port != (secure ? 443 : 80)) out += fmt::format(":{}", port);
    return out;
}

std::string Url::connection_target() const {
    return unix_socket.empty() ? host_port(host, port) : "unix:" + unix_socket;
}

std::string Url::str() const {
    if (!unix_socket.empty()) return fmt::format("{}+unix://{}:{}", scheme(), unix_socket, resource);
    return fmt::format("{}://{}{}", scheme(), authority(), resource);
}

Url parse_url(std::string_view text) {
    if (text.empty()) bad_url(text, "empty address");
    for (unsigned char c : text) {
        if (c <= 0x20 || c == 0x7f) bad_url(text, "contains whitespace or control characters");
    }

    Url url;
    std::string_view rest = text;
    auto scheme_end = text.find("://");
    const bool has_scheme = scheme_end != std::string_view::npos;
    if (has_scheme) {
        auto scheme = ascii_lower(text.substr(0, scheme_end));
        if (scheme == "ws" || scheme == "http") {
            url.secure = false;
        } else if (scheme == "wss" || scheme == "https") {
            url.secure = true;
        } else if (scheme == "ws+unix" || scheme == "wss+unix") {
            return parse_unix_url(text, text.substr(scheme_end + 3), scheme == "wss+unix");
        } else {
            bad_url(text, fmt::format("unsupported scheme '{}'", scheme));
        }
        rest = text.substr(scheme_end + 3);
    }

    auto resource_start = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, resource_start);
    std::string_view resource =
        resource_start == std::string_view::npos ? std::string_view{} : rest.substr(resource_start);

    std::string local;  // what a bare port stands for
    if (!has_scheme && is_bare_port(authority)) {
        local = "127.0.0.1:" + std::string(authority.substr(authority.front() == ':' ? 1 : 0));
        authority = local;
    }

    auto at = authority.rfind('@');
    if (at != std::string_view::npos) {
        auto userinfo = authority.substr(0, at);
        auto colon = userinfo.find(':');
        url.user = percent_decode(userinfo.substr(0, colon));
        if (colon != std::string_view::npos) url.password = percent_decode(userinfo.substr(colon + 1));
        authority = authority.substr(at + 1);
    }

    HostPort hp;
    if (auto err = split_host_port(authority, hp); !err.empty()) bad_url(text, err);
    if (hp.host.empty()) bad_url(text, "missing host name");
    url.host = ascii_lower(hp.host);
    if (hp.has_port) {
        if (!parse_port(hp.port, url.port)) bad_url(text, fmt::format("bad port '{}'", hp.port));
        if (url.port == 0) bad_url(text, "port 0 cannot be connected to");
        url.explicit_port = true;
    } else {
        url.port = url.secure ? 443 : 80;
    }

    url.resource = request_target(resource);
    return url;
}

void use_unix_socket(Url& url, std::string_view path) {
    if (auto problem = unix_path_problem(path); !problem.empty())
        throw Error(ExitCode::usage, fmt::format("--unix-socket '{}': {}", escape_controls(path), problem));
    url.unix_socket = std::string(path);
}

ListenAddress parse_listen_address(std::string_view text, std::string_view default_host) {
    auto fail = [&](std::string_view why) -> ListenAddress {
        throw Error(ExitCode::usage,
                    fmt::format("invalid listen address '{}': {} (expected [HOST:]PORT, like "
                                "8080, 0.0.0.0:8080 or [::1]:0; or unix:PATH)",
                                escape_controls(text), why));
    };
    ListenAddress out{std::string(default_host), 0, {}};
    if (text.empty()) return fail("empty");
    if (text.rfind("unix:", 0) == 0) {
        out.unix_path = std::string(text.substr(5));
        if (auto problem = unix_path_problem(out.unix_path); !problem.empty()) return fail(problem);
        return out;
    }
    std::uint16_t port = 0;
    if (parse_port(text, port)) {
        out.port = port;
        return out;
    }
    if (text.find_first_not_of("0123456789-+") == std::string_view::npos) return fail("bad port");
    HostPort hp;
    if (auto err = split_host_port(text, hp); !err.empty()) return fail(err);
    if (!hp.has_port) return fail("missing port");
    if (!parse_port(hp.port, out.port)) return fail(fmt::format("bad port '{}'", escape_controls(hp.port)));
    if (!hp.host.empty()) out.host = hp.host;
    return out;
}

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
        if (auto problem = unix_path_problem(t.path); !problem.empty()) throw bad(problem);
        return t;
    }
    if (text.rfind("tcp:", 0) != 0) throw bad("expected tcp:HOST:PORT or unix:PATH");
    HostPort hp;
    // Brackets enclose a whole IPv6 address, and nothing else has any.
    if (!split_host_port(text.substr(4), hp).empty() || hp.host.find_first_of("[]") != std::string::npos)
        throw bad("an IPv6 address goes in brackets: tcp:[::1]:22");
    if (hp.host.empty() || !hp.has_port) throw bad("expected tcp:HOST:PORT, like tcp:127.0.0.1:22");
    if (!parse_port(hp.port, t.port) || t.port == 0) throw bad("the port is a number from 1 to 65535");
    t.host = std::move(hp.host);
    return t;
}

}  // namespace wskit
