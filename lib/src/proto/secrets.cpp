#include "proto/headers.hpp"

#include <wskit/encoding.hpp>
#include <wskit/secrets.hpp>

#include <fmt/format.h>

#include <array>

namespace wskit {
namespace {

bool secret_parameter(std::string_view name) {
    static constexpr std::array<std::string_view, 13> names{"token", "access_token", "auth", "key", "apikey",
                                                            "api_key", "password", "secret", "sig", "signature",
                                                            "jwt", "session", "id_token"};
    auto lower = ascii_lower(name);
    for (auto n : names)
        if (lower == n) return true;
    return false;
}

}  // namespace

std::string mask_secret(std::string_view name, std::string_view value) {
    using detail::same_header_name;
    if (same_header_name(name, "Authorization") || same_header_name(name, "Proxy-Authorization")) {
        auto space = value.find(' ');
        return space == std::string_view::npos ? "[hidden]" : std::string(value.substr(0, space)) + " [hidden]";
    }
    if (same_header_name(name, "Cookie") || same_header_name(name, "Set-Cookie")) {
        // Names are kept (which cookies were sent), values are not.
        std::string out;
        std::size_t start = 0;
        bool first_pair = true;
        while (start <= value.size()) {
            auto end = value.find(';', start);
            if (end == std::string_view::npos) end = value.size();
            auto pair = value.substr(start, end - start);
            auto b = pair.find_first_not_of(' ');
            if (b != std::string_view::npos) {
                pair.remove_prefix(b);
                auto eq = pair.find('=');
                // Set-Cookie's attributes (Path, HttpOnly) follow the first pair.
                bool secret = first_pair || !same_header_name(name, "Set-Cookie");
                out += fmt::format("{}{}", out.empty() ? "" : "; ",
                                   secret && eq != std::string_view::npos
                                       ? std::string(pair.substr(0, eq)) + "=[hidden]"
                                       : std::string(pair));
                first_pair = false;
            }
            start = end + 1;
        }
        return out;
    }
    return std::string(value);
}

std::string mask_secrets(std::string_view head) {
    std::string out;
    std::size_t start = 0;
    while (start < head.size()) {
        auto end = head.find('\n', start);
        auto line = head.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start + 1);
        start = end == std::string_view::npos ? head.size() : end + 1;
        auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0 || line.find(' ') < colon) {
            out += line;
            continue;
        }
        auto name = line.substr(0, colon);
        auto rest = line.substr(colon + 1);
        std::string_view eol = rest.size() >= 2 && rest.substr(rest.size() - 2) == "\r\n" ? "\r\n"
                               : !rest.empty() && rest.back() == '\n'                  ? "\n"
                                                                                       : "";
        rest.remove_suffix(eol.size());
        auto b = rest.find_first_not_of(" \t");
        auto value = b == std::string_view::npos ? std::string_view() : rest.substr(b);
        auto masked = mask_secret(name, value);
        out += masked == value ? std::string(line) : fmt::format("{}: {}{}", name, masked, eol);
    }
    return out;
}

std::string mask_query_secrets(std::string_view text) {
    // A parameter starts after '?' or '&'; its value ends where a URL's
    // query does in a line of text too.
    auto value_end = [&](std::size_t from) {
        auto end = text.find_first_of("&# \t\r\n\"'<>", from);
        return end == std::string_view::npos ? text.size() : end;
    };
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        char c = text[i];
        out += c;
        ++i;
        if (c != '?' && c != '&') continue;
        auto eq = text.find('=', i);
        auto stop = value_end(i);
        if (eq == std::string_view::npos || eq > stop || !secret_parameter(text.substr(i, eq - i))) continue;
        out += text.substr(i, eq + 1 - i);
        out += "[hidden]";
        i = value_end(eq + 1);
    }
    return out;
}

}  // namespace wskit
