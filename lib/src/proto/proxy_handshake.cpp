#include "proto/proxy_handshake.hpp"

#include "proto/headers.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace wskit::detail {
namespace {

// Headers that belong to one connection (RFC 9110 7.6.1) or to the
// opening handshake itself, which each leg makes its own.
constexpr std::array<std::string_view, 17> per_leg_headers{
    "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "Proxy-Authenticate", "TE", "Trailer",
    "Transfer-Encoding", "Upgrade", "Content-Length", "Host", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
    "Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol", "Sec-WebSocket-Accept", "Server"};

bool per_leg(std::string_view name, const std::vector<std::string>& named_by_connection) {
    auto same = [&](std::string_view other) { return same_header_name(name, other); };
    return std::any_of(per_leg_headers.begin(), per_leg_headers.end(), same) ||
           std::any_of(named_by_connection.begin(), named_by_connection.end(), same);
}

// The tokens of every Connection header: more hop-by-hop names.
std::vector<std::string> connection_tokens(const std::vector<Header>& headers) {
    std::vector<std::string> out;
    for (const auto& h : headers)
        if (same_header_name(h.name, "Connection"))
            for (auto& token : split_list(h.value)) out.push_back(std::move(token));
    return out;
}

std::pair<std::string, std::string> split_query(const std::string& target) {
    auto q = target.find('?');
    if (q == std::string::npos) return {target, ""};
    return {target.substr(0, q), target.substr(q + 1)};
}

}  // namespace

std::string upstream_resource(const std::string& base, const std::string& client_resource, bool fixed_path) {
    if (fixed_path) return base.empty() ? "/" : base;
    auto [base_path, base_query] = split_query(base.empty() ? "/" : base);
    auto [path, query] = split_query(client_resource.empty() ? "/" : client_resource);
    std::string out = base_path;
    // A target of only a query ("?room=1") asks for the root, as "/" does.
    if (!path.empty() && path != "/") {
        if (!out.empty() && out.back() == '/') out.pop_back();
        out += path.front() == '/' ? path : "/" + path;
    }
    if (!base_query.empty() || !query.empty())
        out += "?" + base_query + (!base_query.empty() && !query.empty() ? "&" : "") + query;
    return out;
}

UpstreamRequest upstream_request(const HttpRequest& client, bool keep_host) {
    UpstreamRequest out;
    auto hop_by_hop = connection_tokens(client.headers);
    for (const auto& h : client.headers) {
        if (same_header_name(h.name, "Sec-WebSocket-Protocol")) {
            for (auto& p : split_list(h.value)) out.subprotocols.push_back(std::move(p));
        } else if (same_header_name(h.name, "Sec-WebSocket-Extensions")) {
            // "permessage-deflate; client_max_window_bits": the name, then parameters.
            for (const auto& e : split_list(h.value)) {
                auto name = e.substr(0, e.find(';'));
                name.erase(name.find_last_not_of(" \t") + 1);
                if (name == "permessage-deflate") out.offered_deflate = true;
            }
        } else if (same_header_name(h.name, "Origin")) {
            if (out.origin.empty()) out.origin = h.value;  // the first, as HttpRequest::header gives
        } else if (same_header_name(h.name, "User-Agent")) {
            if (out.user_agent.empty()) out.user_agent = h.value;
        } else if (same_header_name(h.name, "Host")) {
            if (keep_host && out.host.empty()) out.host = h.value;
        } else if (!per_leg(h.name, hop_by_hop)) {
            out.headers.push_back(h);
        }
    }
    return out;
}

UpgradeAnswer answer_from_upstream(const ResponseHead& head, const std::string& body) {
    UpgradeAnswer out;
    auto hop_by_hop = connection_tokens(head.headers);
    std::vector<Header> kept;
    for (const auto& h : head.headers)
        if (!per_leg(h.name, hop_by_hop)) kept.push_back(h);
    if (head.status == 101) {
        out.subprotocol = head.header("Sec-WebSocket-Protocol");
        out.headers = std::move(kept);
        return out;
    }
    out.refusal = HttpResponse{head.status, std::move(kept), body};
    return out;
}

HttpResponse upstream_failure_answer(const std::string& why, bool timed_out) {
    return HttpResponse{timed_out ? 504 : 502,
                        {{"Content-Type", "text/plain; charset=utf-8"}},
                        "wskit proxy: the upstream server " + std::string(timed_out ? "did not answer in time" : "cannot be reached") +
                            ": " + why + "\n"};
}

RelayedClose relayed_close(int code, const std::string& reason, Leg closed_leg) {
    if (code == 1006 || code == 1015) {
        if (closed_leg == Leg::upstream) return {1014, "upstream connection lost"};
        return {1001, "client went away"};
    }
    return {code, reason};
}

}  // namespace wskit::detail
