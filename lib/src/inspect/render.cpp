// handshake-inspect's human output: one section per subject, checks with
// expected vs actual, and the verdict last. Peer-controlled text escaped.
#include "inspect/http2_probe.hpp"
#include "inspect/text.hpp"

#include <wskit/encoding.hpp>
#include <wskit/secrets.hpp>
#include <wskit/tool/inspect.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace wskit {
namespace {

using detail::Style;

void section(std::string& out, const Style& s, const char* title) {
    out += fmt::format("{}{}{}\n", s.bold, title, s.reset);
}

void field(std::string& out, std::string_view name, std::string_view value) {
    out += fmt::format("  {:<13}{}\n", name, value);
}

std::string ms_text(double ms) { return ms < 0 ? "-" : fmt::format("{:.1f} ms", ms); }

void resolution(std::string& out, const Style& s, const InspectReport& r) {
    const auto& c = r.connection;
    section(out, s, "Resolution");
    if (c.resolved_host.empty()) {
        field(out, "resolved", "(not resolved)");
        return;
    }
    field(out, "name", c.resolved_host);
    field(out, "addresses", fmt::format("{}", fmt::join(c.addresses, ", ")));
    for (const auto& a : c.attempts)
        field(out, "tried", fmt::format("{}: {}", a.address, a.error.empty() ? "connected" : a.error));
    if (!c.connected_to.empty()) field(out, "connected to", c.connected_to);
}

void timings(std::string& out, const Style& s, const InspectReport& r) {
    const auto& t = r.connection.timings;
    section(out, s, "Timings");
    field(out, "DNS", ms_text(t.dns));
    field(out, "TCP", ms_text(t.tcp));
    if (t.proxy >= 0) field(out, "proxy", ms_text(t.proxy));
    if (r.connection.secure) field(out, "TLS", ms_text(t.tls));
    field(out, "to the 101", ms_text(t.upgrade));
    field(out, "total", ms_text(t.total));
    if (auto p = detail::ping_summary(r.ping_ms))
        field(out, "ping", fmt::format("min {:.2f} ms, median {:.2f} ms, max {:.2f} ms ({} round trips)", p->min,
                                       p->median, p->max, r.ping_ms.size()));
}

void certificate(std::string& out, std::size_t index, const CertificateInfo& c) {
    out += fmt::format("  certificate {}\n", index);
    auto line = [&](const char* name, const std::string& value) {
        out += fmt::format("    {:<11}{}\n", name, escape_controls(value));
    };
    line("subject", c.subject);
    line("issuer", c.issuer);
    line("SANs", c.sans.empty() ? "(none)" : fmt::format("{}", fmt::join(c.sans, ", ")));
    line("serial", c.serial);
    line("valid", fmt::format("{} to {} ({})", c.not_before, c.not_after,
                              c.days_left < 0 ? fmt::format("expired {} days ago", -c.days_left)
                                              : fmt::format("{} day{} left", c.days_left, c.days_left == 1 ? "" : "s")));
    line("key", fmt::format("{} {} bits", c.key_type, c.key_bits));
    line("signature", c.signature_algorithm);
}

void tls(std::string& out, const Style& s, const InspectReport& r) {
    const auto& c = r.connection;
    if (!c.secure || c.connected_to.empty()) return;
    const auto& t = c.tls;
    section(out, s, "TLS");
    if (t.handshake_done) {
        field(out, "version", t.version);
        field(out, "cipher", t.cipher);
        field(out, "ALPN", t.alpn.empty() ? "none" : escape_controls(t.alpn));
    }
    field(out, "SNI", t.sni.empty() ? "(none: an IP address)" : t.sni);
    const auto* color = t.verified ? s.green : t.verification_skipped ? s.yellow : s.red;
    field(out, "verification", fmt::format("{}{}{}", color, escape_controls(t.verify_result.empty() ? "failed" : t.verify_result), s.reset));
    if (t.handshake_done) field(out, "OCSP", t.ocsp.empty() ? "not stapled" : t.ocsp);
    for (std::size_t i = 0; i < t.chain.size(); ++i) certificate(out, i, t.chain[i]);
}

// Header lines (CRLF-ended), each escaped, secrets masked unless asked.
void head_lines(std::string& out, const char* prefix, const std::string& raw, const RenderOptions& o) {
    const auto text = o.show_secrets ? raw : mask_secrets(raw);
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find("\r\n", start);
        if (end == std::string::npos) end = text.size();
        if (end > start) out += fmt::format("  {}{}\n", prefix, escape_controls(text.substr(start, end - start)));
        start = end + 2;
    }
}

void head(std::string& out, const Style& s, const char* title, const char* prefix, const std::string& raw,
          const RenderOptions& o) {
    section(out, s, title);
    head_lines(out, prefix, raw, o);
}

void body(std::string& out, const InspectReport& r) {
    if (r.body.empty()) return;
    out += fmt::format("  body ({} bytes{}):\n", r.body.size(), r.body_truncated ? ", truncated at --max-body" : "");
    auto text = escape_controls(r.body, /*keep_layout=*/true);
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        out += fmt::format("  | {}\n", text.substr(start, end - start));
        start = end + 1;
    }
}

void checks(std::string& out, const Style& s, const InspectReport& r) {
    section(out, s, "Checks");
    for (const auto& c : r.checks) out += detail::check_line(c, s);
}

void after_open(std::string& out, const Style& s, const InspectReport& r) {
    if (!r.close && r.first_messages.empty()) return;
    section(out, s, "After the handshake");
    for (const auto& m : r.first_messages) field(out, "received", escape_controls(m));
    if (r.close)
        field(out, "close", fmt::format("{}{}{} ({})", r.close->code, r.close->reason.empty() ? "" : " ",
                                        escape_controls(r.close->reason), r.close->clean ? "clean" : "no close handshake"));
}

// The probe's findings, in the order they happened.
void http2(std::string& out, const Style& s, const Http2Report& h, const RenderOptions& o) {
    section(out, s, "HTTP/2 (RFC 8441)");
    field(out, "mode", h.prior_knowledge ? "prior knowledge (h2c)" : "TLS with ALPN h2");
    if (!h.prior_knowledge) field(out, "ALPN", h.alpn.empty() ? "none" : escape_controls(h.alpn));
    for (std::size_t i = 0; i < h.settings.size(); ++i)
        field(out, i ? "" : "SETTINGS",
              fmt::format("{} = {}", http2_setting_name(h.settings[i].id), h.settings[i].value));
    if (h.negotiated && h.settings.empty()) field(out, "SETTINGS", "(empty)");
    head_lines(out, "> ", h.request, o);
    head_lines(out, "< ", h.response, o);
    for (const auto& c : h.checks) out += detail::check_line(c, s);
    if (auto p = detail::ping_summary(h.ping_ms)) field(out, "ping", fmt::format("{:.2f} ms", p->median));
    if (h.close)
        field(out, "close", fmt::format("{}{}{} ({})", h.close->code, h.close->reason.empty() ? "" : " ",
                                        escape_controls(h.close->reason), h.close->clean ? "clean" : "no close handshake"));
}

}  // namespace

std::string render_human(const InspectReport& r, const RenderOptions& o) {
    const auto s = detail::style(o.color);
    std::string out;
    for (const auto& hop : r.redirects)
        out += fmt::format("{}redirect{} {} -> {} {}\n", s.dim, s.reset, hop.url, hop.status, escape_controls(hop.location));
    out += fmt::format("{}wskit handshake-inspect {}{}\n", s.bold, r.url, s.reset);
    resolution(out, s, r);
    timings(out, s, r);
    tls(out, s, r);
    if (!r.request.empty()) head(out, s, "Request", "> ", r.request, o);
    if (!r.response.empty()) {
        head(out, s, "Response", "< ", r.response, o);
        body(out, r);
    }
    checks(out, s, r);
    after_open(out, s, r);
    if (r.http2) http2(out, s, *r.http2, o);
    section(out, s, "Verdict");
    out += detail::verdict_line(r.checks, r.exit, r.error, s);
    if (r.http2)
        out += fmt::format("  HTTP/1.1 upgrade: {}; {}\n", first_failure(r.checks) ? "FAIL" : "PASS",
                           detail::http2_state(*r.http2));
    return out;
}

}  // namespace wskit
