// What `wskit proxy` passes between its legs' handshakes, on any request and
// answer: the input is a client's request head, a NUL, then the upstream's
// answer (head and body). No crash, no hop-by-hop or handshake header
// crosses, nothing else is lost or reordered, a 101 is accepted and any
// other status refused with that status, and the upstream target is the
// base's path and the client's joined as documented.
#include "fuzz_support.hpp"

#include "proto/proxy_handshake.hpp"

#include <wskit/http.hpp>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using wskit::Header;
using wskit::fuzz::require;

namespace {

bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

// A comma-separated list's items, trimmed of spaces and tabs (RFC 9110 OWS), empty ones skipped.
std::vector<std::string> items(std::string_view value) {
    std::vector<std::string> out;
    while (true) {
        auto comma = value.find(',');
        auto item = value.substr(0, comma);
        auto b = item.find_first_not_of(" \t");
        if (b != std::string_view::npos) out.emplace_back(item.substr(b, item.find_last_not_of(" \t") - b + 1));
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return out;
}

// The headers that belong to one connection (RFC 9110 7.6.1, and RFC 7230's
// older list) or to one leg's opening handshake: never passed to the other leg.
constexpr std::string_view per_leg[] = {
    "Connection",        "Keep-Alive",        "Proxy-Connection",      "Proxy-Authorization",      "Proxy-Authenticate",
    "TE",                "Trailer",           "Transfer-Encoding",     "Upgrade",                  "Content-Length",
    "Host",              "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Accept", "Server"};

struct HopByHop {
    std::vector<std::string> named;  // by the Connection headers
    bool operator()(std::string_view name) const {
        auto same = [&](std::string_view other) { return same_name(name, other); };
        return std::any_of(std::begin(per_leg), std::end(per_leg), same) ||
               std::any_of(named.begin(), named.end(), same);
    }
};

HopByHop hop_by_hop(const std::vector<Header>& headers) {
    HopByHop out;
    for (const auto& h : headers)
        if (same_name(h.name, "Connection"))
            for (auto& token : items(h.value)) out.named.push_back(std::move(token));
    return out;
}

bool same_headers(const std::vector<Header>& a, const std::vector<Header>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](const Header& x, const Header& y) {
               return x.name == y.name && x.value == y.value;
           });
}

// The value of one of the headers called `name`, or "" when there is none.
bool one_of(const std::vector<Header>& headers, std::string_view name, const std::string& value) {
    bool any = false;
    for (const auto& h : headers) {
        if (!same_name(h.name, name)) continue;
        any = true;
        if (h.value == value) return true;
    }
    return !any && value.empty();
}

void check_request(const wskit::HttpRequest& req) {
    const auto hop = hop_by_hop(req.headers);
    // What crosses: every header but the per-leg ones and those taken out.
    std::vector<Header> expected;
    std::vector<std::string> subprotocols;
    bool deflate_item = false, deflate_text = false;
    for (const auto& h : req.headers) {
        if (same_name(h.name, "Sec-WebSocket-Protocol"))
            for (auto& p : items(h.value)) subprotocols.push_back(std::move(p));
        if (same_name(h.name, "Sec-WebSocket-Extensions")) {
            deflate_text |= h.value.find("permessage-deflate") != std::string::npos;
            for (const auto& e : items(h.value)) {
                auto name = std::string_view(e).substr(0, e.find(';'));
                name = name.substr(0, name.find_last_not_of(" \t") + 1);
                deflate_item |= name == "permessage-deflate";
            }
        }
        if (!hop(h.name) && !same_name(h.name, "Origin") && !same_name(h.name, "User-Agent")) expected.push_back(h);
    }
    for (bool keep_host : {false, true}) {
        const auto up = wskit::detail::upstream_request(req, keep_host);
        for (const auto& h : up.headers)
            require(!hop(h.name), "a hop-by-hop or handshake header of the client goes upstream");
        require(same_headers(up.headers, expected),
                "the forwarded headers are not the client's others, all of them in order");
        require(up.subprotocols == subprotocols, "the subprotocols are not the client's offers in order");
        require(!deflate_item || up.offered_deflate, "a permessage-deflate offer was missed");
        require(!up.offered_deflate || deflate_text, "permessage-deflate seen where the client offered none");
        require(one_of(req.headers, "Origin", up.origin), "the origin is not the client's");
        require(one_of(req.headers, "User-Agent", up.user_agent), "the user agent is not the client's");
        if (keep_host) require(one_of(req.headers, "Host", up.host), "with keep_host the host is not the client's");
        else require(up.host.empty(), "without keep_host a host goes upstream");
    }
}

void check_resource(const std::string& client) {
    auto cut = [](std::string_view target) {
        auto q = target.find('?');
        return std::pair{target.substr(0, q), q == std::string_view::npos ? std::string_view() : target.substr(q + 1)};
    };
    for (std::string_view base : {"", "/", "/api", "/api/", "/api?key=k", "/a/b/?x=1&y"}) {
        const std::string b(base);
        require(wskit::detail::upstream_resource(b, client, true) == (base.empty() ? "/" : b),
                "with fixed_path the target is not the base");
        const auto out = wskit::detail::upstream_resource(b, client, false);
        auto [base_path, base_query] = cut(base.empty() ? "/" : base);
        auto [path, query] = cut(client.empty() ? std::string_view("/") : std::string_view(client));
        std::string expected(base_path);
        if (!path.empty() && path != "/") {  // an empty path is the root (RFC 3986 6.2.3)
            if (expected.back() == '/') expected.pop_back();
            if (path.front() != '/') expected += '/';
            expected += path;
        }
        std::string joined(base_query);
        if (!base_query.empty() && !query.empty()) joined += '&';
        joined += query;
        if (!joined.empty()) expected += "?" + joined;
        require(out == expected, "the upstream target is not the base's path and the client's, then both queries");
        require(!out.empty() && out.front() == '/', "the upstream target does not start with /");
    }
}

void check_answer(const wskit::ResponseHead& head, const std::string& body) {
    const auto hop = hop_by_hop(head.headers);
    std::vector<Header> expected;
    for (const auto& h : head.headers)
        if (!hop(h.name)) expected.push_back(h);
    const auto answer = wskit::detail::answer_from_upstream(head, body);
    if (head.status == 101) {
        require(!answer.refusal, "a 101 from the upstream is refused");
        require(answer.subprotocol == head.header("Sec-WebSocket-Protocol"), "the subprotocol is not the upstream's");
        for (const auto& h : answer.headers)
            require(!hop(h.name), "a hop-by-hop or handshake header of the upstream's 101 goes to the client");
        require(same_headers(answer.headers, expected), "the 101's headers are not the upstream's others, in order");
    } else {
        require(answer.refusal.has_value(), "an upstream answer that is not a 101 is accepted");
        require(answer.refusal->status == head.status, "the refusal's status is not the upstream's");
        require(answer.refusal->body == body, "the refusal's body is not the upstream's");
        for (const auto& h : answer.refusal->headers)
            require(!hop(h.name), "a hop-by-hop header of the upstream's refusal goes to the client");
        require(same_headers(answer.refusal->headers, expected),
                "the refusal's headers are not the upstream's others, in order");
        require(answer.headers.empty() && answer.subprotocol.empty(), "a refusal carries a 101's headers");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto nul = input.find('\0');
    const auto request_text = input.substr(0, nul);
    const auto response_text = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);

    const auto req = wskit::parse_request_head(request_text);
    check_request(req);
    check_resource(req.resource);

    // The answer's body: what follows its head's blank line.
    auto end = response_text.find("\r\n\r\n");
    const std::string body(end == std::string_view::npos ? std::string_view() : response_text.substr(end + 4));
    check_answer(wskit::parse_response_head(response_text), body);

    for (bool timed_out : {false, true}) {
        const auto failure = wskit::detail::upstream_failure_answer(body, timed_out);
        require(failure.status == (timed_out ? 504 : 502), "the proxy's own answer is not 504 on a timeout, else 502");
        require(failure.body.find(body) != std::string::npos, "the proxy's own answer does not say why");
    }
    return 0;
}
