#include "chat/redis/url.hpp"

#include <wskit/error.hpp>

#include <fmt/format.h>

#include <charconv>

namespace wskit::redis {
namespace {

[[noreturn]] void bad(std::string_view url, std::string_view why) {
    throw Error(ExitCode::usage, fmt::format("bad Redis URL '{}': {}; expected "
                                             "redis://[:PASSWORD@]HOST[:PORT][/DB]",
                                             url, why));
}

int number(std::string_view url, std::string_view text, int max, const char* what) {
    int value = -1;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0 || value > max)
        bad(url, fmt::format("{} '{}' is not a number from 0 to {}", what, text, max));
    return value;
}

// %XX escapes, as a password with '@' or ':' must be written.
std::string unescape(std::string_view url, std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        int byte = 0;
        auto hex = text.substr(i + 1, 2);
        auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), byte, 16);
        if (hex.size() != 2 || ec != std::errc() || end != hex.data() + 2) bad(url, "a bad %XX escape");
        out += static_cast<char>(byte);
        i += 2;
    }
    return out;
}

}  // namespace

RedisUrl parse_redis_url(std::string_view url) {
    RedisUrl r;
    std::string_view rest = url;
    if (rest.substr(0, 8) == "redis://") rest.remove_prefix(8);
    else if (rest.substr(0, 9) == "rediss://") {
        rest.remove_prefix(9);
        r.tls = true;
    } else
        bad(url, "it must start with redis:// or rediss://");
    auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) {
        auto db = rest.substr(slash + 1);
        if (!db.empty()) r.db = number(url, db, 1 << 20, "the database");
    }
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        auto userinfo = authority.substr(0, at);
        auto colon = userinfo.find(':');
        // redis://:PASSWORD@ (and redis://USER:PASSWORD@, whose user Redis 5 has no use for).
        r.password = unescape(url, colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1));
        authority.remove_prefix(at + 1);
    }
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) bad(url, "an IPv6 address without its ']'");
        r.host = std::string(authority.substr(1, close - 1));
        auto after = authority.substr(close + 1);
        if (!after.empty() && after.front() != ':') bad(url, "something after the IPv6 address");
        if (!after.empty()) port = after.substr(1);
    } else {
        auto colon = authority.find(':');
        r.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    }
    if (r.host.empty()) bad(url, "no host");
    if (!port.empty() || authority.back() == ':') {
        r.port = number(url, port, 65535, "the port");
        if (r.port == 0) bad(url, "port 0");
    }
    return r;
}

bool redis_tls_supported() {
    // Debian's libhiredis0.14 has no hiredis_ssl (TLS came with hiredis 1.0).
    return false;
}

}  // namespace wskit::redis
