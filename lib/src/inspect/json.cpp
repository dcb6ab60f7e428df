// handshake-inspect's JSON documents; their shape is the schema in
// docs/schema/handshake-inspect.schema.json (checked by the tests).
#include "proto/headers.hpp"
#include "inspect/http2_probe.hpp"
#include "inspect/text.hpp"

#include <wskit/encoding.hpp>
#include <wskit/extended_connect.hpp>
#include <wskit/secrets.hpp>
#include <wskit/tool/inspect.hpp>

#include <nlohmann/json.hpp>

namespace wskit {
namespace {

using nlohmann::json;

json ms(double value) { return value < 0 ? json(nullptr) : json(value); }

json headers_json(const std::vector<Header>& headers, const RenderOptions& o) {
    json out = json::array();
    for (const auto& h : headers)
        out.push_back({{"name", h.name}, {"value", o.show_secrets ? h.value : mask_secret(h.name, h.value)}});
    return out;
}

json checks_json(const std::vector<CheckResult>& checks) {
    json out = json::array();
    for (const auto& c : checks)
        out.push_back({{"id", c.id},
                       {"name", c.name},
                       {"verdict", verdict_name(c.verdict)},
                       {"expected", c.expected},
                       {"actual", c.actual},
                       {"rfc", c.rfc},
                       {"detail", c.detail},
                       {"exit_class", to_int(c.exit_class)}});
    return out;
}

json certificate_json(const CertificateInfo& c) {
    return {{"subject", c.subject},       {"issuer", c.issuer},
            {"sans", c.sans},             {"serial", c.serial},
            {"not_before", c.not_before}, {"not_after", c.not_after},
            {"days_left", c.days_left},   {"key_type", c.key_type},
            {"key_bits", c.key_bits},     {"signature_algorithm", c.signature_algorithm}};
}

json tls_json(const ConnectionInspection& c) {
    if (!c.secure) return nullptr;
    const auto& t = c.tls;
    json chain = json::array();
    for (const auto& cert : t.chain) chain.push_back(certificate_json(cert));
    return {{"handshake_done", t.handshake_done},
            {"version", t.version},
            {"cipher", t.cipher},
            {"alpn", t.alpn},
            {"sni", t.sni},
            {"verified", t.verified},
            {"verification_skipped", t.verification_skipped},
            {"verify_result", t.verify_result},
            {"ocsp", t.ocsp.empty() ? json(nullptr) : json(t.ocsp)},
            {"chain", chain}};
}

json timings_json(const Timings& t, const std::vector<double>& ping_ms) {
    json out = {{"dns_ms", ms(t.dns)}, {"tcp_ms", ms(t.tcp)},         {"proxy_ms", ms(t.proxy)},
                {"tls_ms", ms(t.tls)}, {"upgrade_ms", ms(t.upgrade)}, {"total_ms", ms(t.total)},
                {"ping_ms", ping_ms},  {"ping", nullptr}};
    if (auto p = detail::ping_summary(ping_ms)) out["ping"] = {{"min", p->min}, {"median", p->median}, {"max", p->max}};
    return out;
}

json close_json(const std::optional<CloseOutcome>& close) {
    if (!close) return nullptr;
    return {{"code", close->code}, {"reason", close->reason}, {"clean", close->clean}};
}

json http2_json(const std::optional<Http2Report>& h, const RenderOptions& o) {
    if (!h) return nullptr;
    json settings = json::array();
    for (const auto& setting : h->settings)
        settings.push_back({{"id", setting.id}, {"name", http2_setting_name(setting.id)}, {"value", setting.value}});
    const char* verdict = !h->enabled ? "unused" : h->exit == ExitCode::ok ? "pass" : "fail";
    return {{"prior_knowledge", h->prior_knowledge},
            {"negotiated", h->negotiated},
            {"enabled", h->enabled},
            {"alpn", h->alpn.empty() ? json(nullptr) : json(h->alpn)},
            {"settings", settings},
            {"request", h->request.empty() ? json(nullptr) : headers_json(parse_http2_field_lines(h->request), o)},
            {"response", h->response.empty() ? json(nullptr) : headers_json(parse_http2_field_lines(h->response), o)},
            {"checks", checks_json(h->checks)},
            {"timings", timings_json(h->timings, h->ping_ms)},
            {"close", close_json(h->close)},
            {"verdict", verdict},
            {"summary", detail::http2_summary(*h)},
            {"exit_code", to_int(h->exit)},
            {"error", h->error.empty() ? json(nullptr) : json(h->error)}};
}

// Text when the bytes are UTF-8, base64 otherwise: JSON strings are text.
void put_bytes(json& out, const std::string& key, const std::string& bytes) {
    if (is_valid_utf8(bytes))
        out[key] = bytes;
    else
        out[key + "_base64"] = base64_encode(bytes);
}

json response_json(const InspectReport& r, const RenderOptions& o) {
    if (r.response.empty()) return nullptr;
    auto head = parse_response_head(r.response);
    json out = {{"raw", o.show_secrets ? r.response : mask_secrets(r.response)},
                {"status", head.status},
                {"reason", head.reason},
                {"headers", headers_json(head.headers, o)},
                {"body_truncated", r.body_truncated}};
    put_bytes(out, "body", r.body);
    return out;
}

std::string dump(const json& doc) { return doc.dump(-1, ' ', false, json::error_handler_t::replace) + "\n"; }

}  // namespace

std::string render_json(const InspectReport& r, const RenderOptions& o) {
    const auto& c = r.connection;
    json redirects = json::array();
    for (const auto& hop : r.redirects) redirects.push_back({{"url", hop.url}, {"status", hop.status}, {"location", hop.location}});
    json attempts = json::array();
    for (const auto& a : c.attempts)
        attempts.push_back({{"address", a.address}, {"error", a.error.empty() ? json(nullptr) : json(a.error)}});
    auto sent = parse_request_head(r.request);
    json request = r.request.empty() ? json(nullptr)
                                     : json{{"raw", o.show_secrets ? r.request : mask_secrets(r.request)},
                                            {"method", sent.method},
                                            {"resource", sent.resource},
                                            {"version", sent.version},
                                            {"headers", headers_json(sent.headers, o)}};
    json doc = {{"type", "handshake"},
                {"url", r.url},
                {"redirects", redirects},
                {"resolution",
                 {{"host", c.resolved_host},
                  {"addresses", c.addresses},
                  {"attempts", attempts},
                  {"connected_to", c.connected_to.empty() ? json(nullptr) : json(c.connected_to)}}},
                {"timings", timings_json(c.timings, r.ping_ms)},
                {"tls", tls_json(c)},
                {"request", request},
                {"response", response_json(r, o)},
                {"checks", checks_json(r.checks)},
                {"after_open", {{"messages", r.first_messages}, {"close", close_json(r.close)}}},
                {"http2", http2_json(r.http2, o)},
                {"verdict", r.exit == ExitCode::ok ? "pass" : "fail"},
                {"exit_code", to_int(r.exit)},
                {"error", r.error.empty() ? json(nullptr) : json(r.error)}};
    return dump(doc);
}

std::string render_request_json(const RequestReport& r, const RenderOptions& o) {
    const auto& q = r.request;
    json doc = {{"type", "request"},
                {"number", r.number},
                {"remote", q.remote},
                {"method", q.method},
                {"resource", q.resource},
                {"version", q.version},
                {"headers", headers_json(q.headers, o)},
                {"offered",
                 {{"subprotocols", detail::split_list(q.header("Sec-WebSocket-Protocol"))},
                  {"extensions", detail::split_list(q.header("Sec-WebSocket-Extensions"))}}},
                {"origin", q.header("Origin")},
                {"user_agent", q.header("User-Agent")},
                {"checks", checks_json(r.checks)},
                {"answer", {{"status", r.answer.status}, {"headers", headers_json(r.answer.headers, o)}}},
                {"answer_checks", checks_json(r.answer_checks)},
                {"verdict", first_failure(r.checks) || first_failure(r.answer_checks) ? "fail" : "pass"},
                {"answered", r.answered}};
    return dump(doc);
}

}  // namespace wskit
