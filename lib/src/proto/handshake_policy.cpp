#include "proto/handshake_policy.hpp"

#include <wskit/encoding.hpp>
#include <wskit/server.hpp>

#include <fmt/format.h>

namespace wskit {
namespace detail {
namespace {

std::string quoted_list(const std::vector<std::string>& items) {
    if (items.empty()) return "none";
    std::string out;
    for (const auto& item : items) out += fmt::format("{}'{}'", out.empty() ? "" : ", ", escape_controls(item));
    return out;
}

}  // namespace

HttpResponse text_response(int status, std::string body) {
    return {status, {{"Content-Type", "text/plain; charset=utf-8"}}, std::move(body)};
}

std::optional<HttpResponse> rejection_for(const std::vector<CheckResult>& checks) {
    const auto* failed = first_failure(checks);
    if (!failed) return std::nullopt;
    if (failed->id == "version") {
        auto res = text_response(426, "Unsupported WebSocket version; this server speaks version 13 (RFC 6455).\n");
        res.headers.push_back({"Sec-WebSocket-Version", "13"});
        return res;
    }
    return text_response(400, fmt::format("Bad WebSocket handshake: {} (expected {}, got {}).\n", failed->name,
                                          failed->expected, escape_controls(failed->actual)));
}

HttpResponse server_full_response(std::size_t max_clients) {
    auto res = text_response(503, fmt::format("Server full: at most {} clients.\n", max_clients));
    res.headers.push_back({"Retry-After", "1"});
    return res;
}

std::string unchosen_subprotocol_warning(const std::string& remote, const std::vector<std::string>& offered,
                                         const std::vector<std::string>& accepted) {
    return fmt::format("{} offered subprotocol{} {}, none of which is accepted ({}): answered without one, "
                       "which browsers and Node's ws refuse",
                       escape_controls(remote), offered.size() > 1 ? "s" : "", quoted_list(offered),
                       quoted_list(accepted));
}

}  // namespace detail

HttpResponse upgrade_required_page(const std::string& url) {
    HttpResponse res = detail::text_response(
        426, fmt::format("This is a WebSocket endpoint. Connect with a WebSocket client, for example:\n"
                         "  wskit connect {}\n",
                         url));
    res.headers.push_back({"Upgrade", "websocket"});
    res.headers.push_back({"Connection", "Upgrade"});
    res.headers.push_back({"Sec-WebSocket-Version", "13"});
    return res;
}

}  // namespace wskit
