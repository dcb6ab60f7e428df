// HTTP heads of the opening handshake: parsing and looking up headers.
#include "proto/headers.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/http.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace wskit {

Header parse_header(std::string_view text) {
    auto colon = text.find(':');
    auto bad = [&](const char* why) -> Header {
        throw Error(ExitCode::usage, fmt::format("invalid header '{}': {} (expected 'Name: value')", escape_controls(text), why));
    };
    if (colon == std::string_view::npos) return bad("no colon");
    auto name = text.substr(0, colon);
    if (name.empty()) return bad("empty name");
    for (unsigned char c : name)
        if (!detail::is_token_char(c)) return bad("the name has a character not allowed in a header name");
    auto value = text.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    // RFC 9110 5.5: a field value is visible characters, spaces and tabs.
    for (unsigned char c : value) {
        if (c == '\r' || c == '\n') return bad("line breaks are not allowed in a header value");
        if ((c < 0x20 && c != '\t') || c == 0x7f) return bad("control characters are not allowed in a header value");
    }
    return {std::string(name), std::string(value)};
}

std::string HttpRequest::header(std::string_view name) const {
    for (const auto& h : headers) {
        if (detail::same_header_name(h.name, name)) return h.value;
    }
    return {};
}

std::string ResponseHead::header(std::string_view name) const {
    for (const auto& h : headers)
        if (detail::same_header_name(h.name, name)) return h.value;
    return {};
}

bool ResponseHead::has_header(std::string_view name) const {
    return std::any_of(headers.begin(), headers.end(),
                       [&](const Header& h) { return detail::same_header_name(h.name, name); });
}

namespace {

// Calls on_start_line with the first line, then on_header for each header
// line, up to the blank line that ends a head. Line ends are CRLF or LF.
template <class StartLine, class OnHeader>
void parse_head(std::string_view raw, StartLine on_start_line, OnHeader on_header) {
    bool first = true;
    while (!raw.empty()) {
        auto eol = raw.find('\n');
        auto line = raw.substr(0, eol);
        raw = eol == std::string_view::npos ? std::string_view() : raw.substr(eol + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) {
            if (first) continue;
            break;
        }
        if (first) {
            first = false;
            on_start_line(line);
            continue;
        }
        auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        auto value = line.substr(colon + 1);
        auto b = value.find_first_not_of(" \t");
        auto e = value.find_last_not_of(" \t");
        on_header(Header{std::string(line.substr(0, colon)),
                         b == std::string_view::npos ? std::string() : std::string(value.substr(b, e - b + 1))});
    }
}

// "A B C" -> {A, B, C}, C being the rest of the line (a reason phrase has spaces).
std::vector<std::string_view> split_start_line(std::string_view line) {
    std::vector<std::string_view> parts;
    for (int i = 0; i < 2 && !line.empty(); ++i) {
        auto sp = line.find(' ');
        parts.push_back(line.substr(0, sp));
        line = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
    }
    if (!line.empty()) parts.push_back(line);
    return parts;
}

}  // namespace

ResponseHead parse_response_head(std::string_view raw) {
    ResponseHead head;
    parse_head(
        raw,
        [&](std::string_view line) {
            auto parts = split_start_line(line);
            head.version = std::string(parts[0]);
            if (parts.size() > 1 && parts[1].size() == 3 &&
                std::all_of(parts[1].begin(), parts[1].end(), [](char c) { return c >= '0' && c <= '9'; }))
                head.status = std::stoi(std::string(parts[1]));
            if (parts.size() > 2) head.reason = std::string(parts[2]);
        },
        [&](Header h) { head.headers.push_back(std::move(h)); });
    return head;
}

HttpRequest parse_request_head(std::string_view raw) {
    HttpRequest req;
    parse_head(
        raw,
        [&](std::string_view line) {
            auto parts = split_start_line(line);
            req.method = std::string(parts[0]);
            if (parts.size() > 1) req.resource = std::string(parts[1]);
            if (parts.size() > 2) req.version = std::string(parts[2]);
        },
        [&](Header h) { req.headers.push_back(std::move(h)); });
    return req;
}

}  // namespace wskit
