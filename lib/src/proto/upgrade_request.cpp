#include "proto/upgrade_request.hpp"
#include "proto/headers.hpp"

#include <wskit/compression.hpp>
#include <wskit/encoding.hpp>

#include <algorithm>

namespace wskit::detail {

namespace {

bool has_header(const std::vector<Header>& headers, std::string_view name) {
    return std::any_of(headers.begin(), headers.end(), [&](const Header& h) { return same_header_name(h.name, name); });
}

// One Host, always: --host, else the first non-empty -H Host, else the URL's.
std::string host_of(const ClientOptions& o) {
    if (!o.host_header.empty()) return o.host_header;
    for (const auto& h : o.headers)
        if (same_header_name(h.name, "Host") && !h.value.empty()) return h.value;
    return o.url.authority();
}

// The user's lines of one name as one list (RFC 9110 5.3), with `token`
// added unless one of them names it: an upgrade request that lost its
// "Upgrade: websocket" or "Connection: Upgrade" would be no upgrade at all.
std::string with_token(const std::vector<Header>& given, std::string_view name, std::string_view token) {
    std::string value;
    bool named = false;
    for (const auto& h : given) {
        if (!same_header_name(h.name, name) || h.value.empty()) continue;
        for (const auto& item : split_list(h.value)) named = named || same_header_name(item, token);
        value += (value.empty() ? "" : ", ") + h.value;
    }
    if (named) return value;
    return value.empty() ? std::string(token) : value + ", " + std::string(token);
}

// Basic credentials: --auth, else the URL's user and password.
std::string credentials_of(const ClientOptions& o) {
    if (!o.auth.empty()) return o.auth;
    if (!o.url.user.empty()) return o.url.user + ":" + o.url.password;
    return {};
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

}  // namespace

HttpRequest build_upgrade_request(const ClientOptions& o, std::string_view key) {
    HttpRequest request;
    request.method = "GET";
    request.resource = o.url.resource;
    request.version = "HTTP/1.1";
    const auto& given = o.headers;
    auto& out = request.headers;
    // wskit's own headers give way to a -H line of that name, which then
    // goes out with the user's lines, as written.
    auto own = [&](std::string name, std::string value) {
        if (!has_header(given, name)) out.push_back({std::move(name), std::move(value)});
    };
    out.push_back({"Host", host_of(o)});
    out.push_back({"Upgrade", with_token(given, "Upgrade", "websocket")});
    out.push_back({"Connection", with_token(given, "Connection", "Upgrade")});
    own("Sec-WebSocket-Key", std::string(key));
    own("Sec-WebSocket-Version", "13");
    if (!o.origin.empty()) out.push_back({"Origin", o.origin});
    if (auto credentials = credentials_of(o); !credentials.empty())
        out.push_back({"Authorization", "Basic " + base64_encode(credentials)});
    if (!o.subprotocols.empty()) out.push_back({"Sec-WebSocket-Protocol", joined(o.subprotocols)});
    // --compress's offer replaces a hand-written one: the answer is checked
    // against it, and the messages inflated by it.
    if (o.compress) out.push_back({"Sec-WebSocket-Extensions", format_offer(*o.compress)});
    if (!o.user_agent.empty()) own("User-Agent", o.user_agent);
    // The user's lines, but for those a header above stands for.
    const std::vector<Header> ours = out;
    for (const auto& h : given)
        if (!has_header(ours, h.name)) out.push_back(h);
    return request;
}

std::string websocket_key(const std::array<unsigned char, 16>& nonce) {
    return base64_encode(std::string_view(reinterpret_cast<const char*>(nonce.data()), nonce.size()));
}

std::string format_request_head(const HttpRequest& request) {
    std::string out = request.method + " " + request.resource + " " + request.version + "\r\n";
    for (const auto& h : request.headers) out.append(h.name).append(": ").append(h.value).append("\r\n");
    return out + "\r\n";
}

}  // namespace wskit::detail
