#include "proto/check_parts.hpp"
#include "proto/headers.hpp"

#include <wskit/encoding.hpp>
#include <wskit/handshake_check.hpp>

#include <fmt/format.h>
#include <openssl/sha.h>

#include <algorithm>

namespace wskit {
namespace {

using detail::check_result;
using detail::shown;

constexpr const char* rfc_client = "RFC 6455 4.1";
constexpr const char* rfc_server = "RFC 6455 4.2.1";

// Whether a comma-separated header value holds `token`, case-insensitively.
bool has_token(std::string_view value, std::string_view token) {
    auto items = detail::split_list(value);
    return std::any_of(items.begin(), items.end(), [&](const auto& item) { return detail::same_header_name(item, token); });
}

// A handshake is a GET: whatever follows its head is the client's frames.
// Content-Length: 0 is no body, and some clients send it.
CheckResult check_no_body(const HttpRequest& req) {
    const auto length = req.header("Content-Length");
    const bool has_length = std::any_of(req.headers.begin(), req.headers.end(), [](const Header& h) {
        return detail::same_header_name(h.name, "Content-Length");
    });
    const bool chunked = std::any_of(req.headers.begin(), req.headers.end(), [](const Header& h) {
        return detail::same_header_name(h.name, "Transfer-Encoding");
    });
    std::string actual = chunked      ? fmt::format("Transfer-Encoding: {}", req.header("Transfer-Encoding"))
                         : has_length ? fmt::format("Content-Length: {}", length)
                                      : std::string("none");
    return check_result("body", "no request body", !chunked && (!has_length || length == "0"), "none",
                        std::move(actual), "RFC 6455 4.1");
}

}  // namespace

const char* verdict_name(Verdict verdict) {
    switch (verdict) {
        case Verdict::pass: return "pass";
        case Verdict::warn: return "warn";
        case Verdict::fail: return "fail";
    }
    return "?";
}

std::string websocket_accept(std::string_view key) {
    std::string input(key);
    input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
    return base64_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::vector<std::string> extension_names(std::string_view value) {
    std::vector<std::string> names;
    for (const auto& item : detail::split_list(value)) {
        auto name = item.substr(0, item.find(';'));
        auto e = name.find_last_not_of(" \t");
        if (e != std::string::npos) names.push_back(name.substr(0, e + 1));
    }
    return names;
}

std::vector<CheckResult> check_response(const ResponseHead& res, std::string_view key_sent,
                                        const std::vector<std::string>& offered_subprotocols,
                                        std::string_view offered_extensions) {
    std::vector<CheckResult> out;
    auto status = res.status ? fmt::format("{} {}", res.status, res.reason) : std::string("no status line");
    out.push_back(check_result("status", "status", res.status == 101, "101", std::move(status), rfc_client));
    if (res.status != 101) {
        detail::check_refusal(res, out);
        return out;
    }
    const auto upgrade = res.header("Upgrade");
    out.push_back(check_result("upgrade", "Upgrade header", detail::same_header_name(upgrade, "websocket"), "websocket",
                               shown(upgrade, res.has_header("Upgrade")), rfc_client));
    const auto connection = res.header("Connection");
    out.push_back(check_result("connection", "Connection header", has_token(connection, "upgrade"), "Upgrade",
                               shown(connection, res.has_header("Connection")), rfc_client));
    const auto expected = websocket_accept(key_sent);
    const auto accept = res.header("Sec-WebSocket-Accept");
    auto r = check_result("accept", "Sec-WebSocket-Accept for the key sent", accept == expected, expected,
                          shown(accept, res.has_header("Sec-WebSocket-Accept")), rfc_client);
    r.detail = fmt::format("key sent: {}", key_sent);
    out.push_back(std::move(r));
    out.push_back(detail::check_subprotocol(res, offered_subprotocols, rfc_client));
    out.push_back(detail::check_extensions(res, offered_extensions, rfc_client));
    return out;
}

std::vector<CheckResult> check_request(const HttpRequest& req) {
    std::vector<CheckResult> out;
    out.push_back(check_result("method", "method", req.method == "GET", "GET", req.method, rfc_server));
    const bool v11 = req.version.rfind("HTTP/1.", 0) == 0 && req.version != "HTTP/1.0";
    out.push_back(check_result("http_version", "HTTP version", v11, "HTTP/1.1", req.version, rfc_server));
    bool has_host = std::any_of(req.headers.begin(), req.headers.end(),
                                [](const Header& h) { return detail::same_header_name(h.name, "Host"); });
    out.push_back(check_result("host", "Host header", has_host, "a Host header", shown(req.header("Host"), has_host),
                               rfc_server));
    const auto upgrade = req.header("Upgrade");
    out.push_back(check_result("upgrade", "Upgrade header", has_token(upgrade, "websocket"), "websocket",
                               upgrade.empty() ? "(absent)" : upgrade, rfc_server));
    const auto connection = req.header("Connection");
    out.push_back(check_result("connection", "Connection header", has_token(connection, "upgrade"), "Upgrade",
                               connection.empty() ? "(absent)" : connection, rfc_server));
    const auto key = req.header("Sec-WebSocket-Key");
    auto decoded = base64_decode(key);
    std::string key_actual = key.empty()     ? "(absent)"
                             : !decoded      ? fmt::format("{} (not base64)", key)
                                             : fmt::format("{} ({} bytes)", key, decoded->size());
    out.push_back(check_result("key", "Sec-WebSocket-Key", decoded && decoded->size() == 16,
                               "16 bytes in base64", key_actual, rfc_server));
    const auto version = req.header("Sec-WebSocket-Version");
    out.push_back(check_result("version", "Sec-WebSocket-Version", version == "13", "13",
                               version.empty() ? "(absent)" : version, rfc_server));
    out.push_back(check_no_body(req));
    return out;
}

std::vector<CheckResult> check_answer(const HttpRequest& req, const ResponseHead& answer) {
    const auto offered = detail::split_list(req.header("Sec-WebSocket-Protocol"));
    auto out = check_response(answer, req.header("Sec-WebSocket-Key"), offered, req.header("Sec-WebSocket-Extensions"));
    out.erase(out.begin());  // the status
    for (auto& r : out) {
        if (r.id == "subprotocol" && r.verdict == Verdict::warn) {
            r.verdict = Verdict::fail;
            r.detail =
                "browsers and Node's ws fail a connection whose answer names none of the subprotocols they offered";
        }
    }
    return out;
}

std::optional<std::string> choose_subprotocol(const std::vector<std::string>& offered,
                                              const std::vector<std::string>& accepted, bool else_first_offer) {
    for (const auto& offer : offered)
        if (std::find(accepted.begin(), accepted.end(), offer) != accepted.end()) return offer;
    if (else_first_offer && !offered.empty()) return offered.front();
    return std::nullopt;
}

std::string verdict_summary(const std::vector<CheckResult>& results) {
    if (const auto* failed = first_failure(results))
        return fmt::format("FAIL: {}: expected {}, got {} ({})", failed->name, failed->expected, failed->actual,
                           failed->rfc);
    auto warnings = std::count_if(results.begin(), results.end(), [](const auto& r) { return r.verdict == Verdict::warn; });
    return fmt::format("pass ({} checks{})", results.size(),
                       warnings ? fmt::format(", {} warning{}", warnings, warnings > 1 ? "s" : "") : "");
}

std::vector<CheckResult> check_exchange(std::string_view request, std::string_view response) {
    if (response.empty()) return {};
    auto sent = parse_request_head(request);
    return check_response(parse_response_head(response), sent.header("Sec-WebSocket-Key"),
                          detail::split_list(sent.header("Sec-WebSocket-Protocol")),
                          sent.header("Sec-WebSocket-Extensions"));
}

const CheckResult* first_failure(const std::vector<CheckResult>& results) {
    for (const auto& r : results)
        if (r.verdict == Verdict::fail) return &r;
    return nullptr;
}

ExitCode exit_code_of(const std::vector<CheckResult>& results) {
    const auto* failed = first_failure(results);
    return failed ? failed->exit_class : ExitCode::ok;
}

}  // namespace wskit
