#include "proto/headers.hpp"

#include <wskit/encoding.hpp>
#include <wskit/handshake_check.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/sha.h>

#include <algorithm>

namespace wskit {
namespace {

constexpr const char* rfc_client = "RFC 6455 4.1";
constexpr const char* rfc_server = "RFC 6455 4.2.1";

// Whether a comma-separated header value holds `token`, case-insensitively.
bool has_token(std::string_view value, std::string_view token) {
    auto items = detail::split_list(value);
    return std::any_of(items.begin(), items.end(), [&](const auto& item) { return detail::same_header_name(item, token); });
}

CheckResult result(std::string id, std::string name, bool ok, std::string expected, std::string actual,
                   const char* rfc, ExitCode exit_class = ExitCode::handshake) {
    return {std::move(id), std::move(name), ok ? Verdict::pass : Verdict::fail, std::move(expected),
            std::move(actual), rfc, {}, exit_class};
}

std::string shown(const std::string& value, bool present) { return present ? value : "(absent)"; }

// Checks that only make sense for a non-101 answer: what a client needs to
// go on (where to, which version, which credentials).
void check_refusal(const ResponseHead& res, std::vector<CheckResult>& out) {
    auto present = [&](const char* header, std::string id, std::string name, const char* rfc) {
        bool has = res.has_header(header);
        out.push_back(result(std::move(id), std::move(name), has, fmt::format("a {} header", header),
                             shown(res.header(header), has), rfc));
    };
    if (res.status == 426)
        present("Sec-WebSocket-Version", "version_header", "Sec-WebSocket-Version of the 426", "RFC 6455 4.4");
    if (res.status >= 300 && res.status < 400 && res.status != 304)
        present("Location", "location", "Location of the redirect", "RFC 9110 10.2.2");
    if (res.status == 401) present("WWW-Authenticate", "challenge", "WWW-Authenticate of the 401", "RFC 9110 11.6.1");
    if (res.status == 407)
        present("Proxy-Authenticate", "challenge", "Proxy-Authenticate of the 407", "RFC 9110 11.7.1");
}

CheckResult check_subprotocol(const ResponseHead& res, const std::vector<std::string>& offered) {
    const bool chosen = res.has_header("Sec-WebSocket-Protocol");
    const auto value = res.header("Sec-WebSocket-Protocol");
    const auto expected = offered.empty() ? std::string("none (none offered)")
                                          : fmt::format("one of {}", fmt::join(offered, ", "));
    auto r = result("subprotocol", "subprotocol", true, expected, shown(value, chosen),
                    rfc_client);
    if (chosen && std::find(offered.begin(), offered.end(), value) == offered.end()) {
        r.verdict = Verdict::fail;
    } else if (!chosen && !offered.empty()) {
        // Allowed by the RFC, but the application asked for one.
        r.verdict = Verdict::warn;
        r.actual = "none chosen";
    } else if (!chosen) {
        r.actual = "none";
    }
    return r;
}

CheckResult check_extensions(const ResponseHead& res, std::string_view offered_value) {
    const auto offered = extension_names(offered_value);
    const auto value = res.header("Sec-WebSocket-Extensions");
    auto r = result("extensions", "extensions", true,
                    offered.empty() ? std::string("none (none offered)")
                                    : fmt::format("a subset of {}", fmt::join(offered, ", ")),
                    value.empty() ? std::string("none") : value, rfc_client);
    for (const auto& name : extension_names(value))
        if (std::find(offered.begin(), offered.end(), name) == offered.end()) r.verdict = Verdict::fail;
    // permessage-deflate's parameters (RFC 7692 7.1) decide memory and compression.
    for (const auto& item : detail::split_list(value))
        if (item.find(';') != std::string::npos)
            r.detail += fmt::format("{}negotiated: {}", r.detail.empty() ? "" : "; ", item);
    return r;
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
    return result("body", "no request body", !chunked && (!has_length || length == "0"), "none", std::move(actual),
                  "RFC 6455 4.1");
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
    out.push_back(result("status", "status", res.status == 101, "101",
                         res.status ? fmt::format("{} {}", res.status, res.reason) : "no status line", rfc_client));
    if (res.status != 101) {
        check_refusal(res, out);
        return out;
    }
    const auto upgrade = res.header("Upgrade");
    out.push_back(result("upgrade", "Upgrade header", detail::same_header_name(upgrade, "websocket"), "websocket",
                         shown(upgrade, res.has_header("Upgrade")), rfc_client));
    const auto connection = res.header("Connection");
    out.push_back(result("connection", "Connection header", has_token(connection, "upgrade"), "Upgrade",
                         shown(connection, res.has_header("Connection")), rfc_client));
    const auto expected = websocket_accept(key_sent);
    const auto accept = res.header("Sec-WebSocket-Accept");
    auto r = result("accept", "Sec-WebSocket-Accept for the key sent", accept == expected, expected,
                    shown(accept, res.has_header("Sec-WebSocket-Accept")), rfc_client);
    r.detail = fmt::format("key sent: {}", key_sent);
    out.push_back(std::move(r));
    out.push_back(check_subprotocol(res, offered_subprotocols));
    out.push_back(check_extensions(res, offered_extensions));
    return out;
}

std::vector<CheckResult> check_request(const HttpRequest& req) {
    std::vector<CheckResult> out;
    out.push_back(result("method", "method", req.method == "GET", "GET", req.method, rfc_server));
    const bool v11 = req.version.rfind("HTTP/1.", 0) == 0 && req.version != "HTTP/1.0";
    out.push_back(result("http_version", "HTTP version", v11, "HTTP/1.1", req.version, rfc_server));
    bool has_host = std::any_of(req.headers.begin(), req.headers.end(),
                                [](const Header& h) { return detail::same_header_name(h.name, "Host"); });
    out.push_back(result("host", "Host header", has_host, "a Host header", shown(req.header("Host"), has_host),
                         rfc_server));
    const auto upgrade = req.header("Upgrade");
    out.push_back(result("upgrade", "Upgrade header", has_token(upgrade, "websocket"), "websocket",
                         upgrade.empty() ? "(absent)" : upgrade, rfc_server));
    const auto connection = req.header("Connection");
    out.push_back(result("connection", "Connection header", has_token(connection, "upgrade"), "Upgrade",
                         connection.empty() ? "(absent)" : connection, rfc_server));
    const auto key = req.header("Sec-WebSocket-Key");
    auto decoded = base64_decode(key);
    std::string key_actual = key.empty()     ? "(absent)"
                             : !decoded      ? fmt::format("{} (not base64)", key)
                                             : fmt::format("{} ({} bytes)", key, decoded->size());
    out.push_back(result("key", "Sec-WebSocket-Key", decoded && decoded->size() == 16,
                         "16 bytes in base64", key_actual, rfc_server));
    const auto version = req.header("Sec-WebSocket-Version");
    out.push_back(result("version", "Sec-WebSocket-Version", version == "13", "13",
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
