#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/proxy.hpp>

#include <fmt/format.h>

#include <cstdlib>

namespace wskit {

std::string getenv_or_empty(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

namespace {

std::string trim_lower(std::string s) {
    auto b = s.find_first_not_of(" \t");
    auto e = s.find_last_not_of(" \t");
    s = b == std::string::npos ? "" : s.substr(b, e - b + 1);
    return ascii_lower(s);
}

}  // namespace

bool no_proxy_matches(const std::string& no_proxy, const std::string& host_in) {
    std::string host = trim_lower(host_in);
    std::size_t start = 0;
    while (start <= no_proxy.size()) {
        auto comma = no_proxy.find(',', start);
        if (comma == std::string::npos) comma = no_proxy.size();
        std::string entry = trim_lower(no_proxy.substr(start, comma - start));
        start = comma + 1;
        if (entry.empty()) continue;
        if (entry == "*") return true;
        if (entry.front() == '.') entry.erase(0, 1);
        if (entry.size() > 2 && entry.front() == '[' && entry.back() == ']') entry = entry.substr(1, entry.size() - 2);
        if (host == entry) return true;
        if (host.size() > entry.size() && host.compare(host.size() - entry.size(), entry.size(), entry) == 0 &&
            host[host.size() - entry.size() - 1] == '.')
            return true;
    }
    return false;
}

std::string proxy_from_environment(const Url& target, const EnvLookup& env) {
    auto first = [&env](std::initializer_list<const char*> names) {
        for (auto* n : names) {
            auto v = env(n);
            if (!v.empty()) return v;
        }
        return std::string();
    };
    if (!target.unix_socket.empty()) return {};  // a local socket, as curl's --unix-socket
    std::string no_proxy = first({"no_proxy", "NO_PROXY"});
    if (!no_proxy.empty() && no_proxy_matches(no_proxy, target.host)) return {};
    std::string proxy = target.secure ? first({"https_proxy", "HTTPS_PROXY"}) : first({"http_proxy"});
    if (proxy.empty()) proxy = first({"all_proxy", "ALL_PROXY"});
    return proxy;
}

const char* ProxySpec::scheme() const {
    switch (kind) {
        case ProxyKind::http: return "http";
        case ProxyKind::socks5: return "socks5";
        case ProxyKind::socks5h: return "socks5h";
    }
    return "http";
}

std::string ProxySpec::authority() const { return host_port(host, port); }

ProxySpec parse_proxy_url(std::string_view text) {
    auto bad = [text](std::string_view why) -> ProxySpec {
        throw Error(ExitCode::usage, fmt::format("invalid proxy '{}': {}", escape_controls(text), why));
    };
    ProxySpec spec;
    std::string_view rest = text;
    if (auto sep = rest.find("://"); sep != std::string_view::npos) {
        std::string scheme = trim_lower(std::string(rest.substr(0, sep)));
        rest.remove_prefix(sep + 3);
        if (scheme == "http") {
            spec.kind = ProxyKind::http;
        } else if (scheme == "socks5") {
            spec.kind = ProxyKind::socks5;
        } else if (scheme == "socks5h") {
            spec.kind = ProxyKind::socks5h;
        } else {
            return bad(fmt::format("unsupported scheme '{}://' (supported: http://, socks5://, socks5h://)",
                                   escape_controls(scheme)));
        }
    }
    // A trailing "/" is allowed, as in curl; a path is not.
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        if (slash + 1 != rest.size()) return bad("a proxy URL has no path");
        rest.remove_suffix(1);
    }
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
        auto userinfo = rest.substr(0, at);
        rest.remove_prefix(at + 1);
        auto colon = userinfo.find(':');
        spec.user = percent_decode(userinfo.substr(0, colon));
        if (colon != std::string_view::npos) spec.password = percent_decode(userinfo.substr(colon + 1));
    }
    std::string_view port;
    if (!rest.empty() && rest.front() == '[') {
        auto close = rest.find(']');
        if (close == std::string_view::npos) return bad("unclosed '[' in IPv6 address");
        spec.host = std::string(rest.substr(1, close - 1));
        auto after = rest.substr(close + 1);
        if (!after.empty() && after.front() != ':') return bad("unexpected characters after ']'");
        if (!after.empty()) port = after.substr(1);
    } else {
        auto colon = rest.find(':');
        if (colon != std::string_view::npos && rest.find(':', colon + 1) != std::string_view::npos)
            return bad("IPv6 addresses must be written in brackets, like [::1]");
        spec.host = std::string(rest.substr(0, colon));
        if (colon != std::string_view::npos) port = rest.substr(colon + 1);
        if (colon != std::string_view::npos && port.empty()) return bad("empty port");
    }
    if (spec.host.empty()) return bad("no host");
    if (!port.empty()) {
        unsigned value = 0;
        for (char c : port) {
            if (c < '0' || c > '9' || value > 65535) return bad(fmt::format("bad port '{}'", escape_controls(port)));
            value = value * 10 + static_cast<unsigned>(c - '0');
        }
        if (value == 0 || value > 65535) return bad(fmt::format("bad port '{}'", escape_controls(port)));
        spec.port = static_cast<std::uint16_t>(value);
    }
    return spec;
}

}  // namespace wskit
