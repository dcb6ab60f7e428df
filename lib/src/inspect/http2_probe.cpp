#include "inspect/http2_probe.hpp"

#include "inspect/attempt.hpp"

#include <wskit/encoding.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace wskit::detail {

bool wants_http2_probe(const InspectOptions& options, const Url& url) {
    switch (options.http2) {
        case InspectOptions::Http2Probe::automatic: return url.secure;
        case InspectOptions::Http2Probe::prior_knowledge: return true;
        case InspectOptions::Http2Probe::off: return false;
    }
    return false;
}

Http2Report probe_http2(const InspectOptions& options, ClientOptions client) {
    InspectOptions probe = options;
    probe.pings = std::max(1, options.pings);  // a round trip on the stream, always
    probe.follow_redirects = false;
    client.http2 = true;
    Attempt attempt(probe, client);
    InspectReport r = attempt.run();
    const auto& hs = attempt.handshake();
    Http2Report h;
    h.prior_knowledge = !client.url.secure;
    h.negotiated = hs.http2;
    h.settings = hs.http2_settings;
    h.enabled = h.negotiated && check_connect_protocol_setting(h.settings).verdict == Verdict::pass;
    h.alpn = r.connection.tls.alpn;
    h.request = r.request;
    h.response = r.response;
    h.checks = std::move(r.checks);
    h.ping_ms = std::move(r.ping_ms);
    h.close = r.close;
    h.timings = r.connection.timings;
    h.error = std::move(r.error);
    h.exit = r.exit;
    return h;
}

std::string http2_state(const Http2Report& h) {
    if (!h.negotiated)
        return h.prior_knowledge ? "HTTP/2: not spoken with prior knowledge (h2c)"
                                 : fmt::format("HTTP/2: not offered (ALPN chose {})",
                                               h.alpn.empty() ? "no protocol" : escape_controls(h.alpn));
    if (!h.enabled) return "HTTP/2: spoken, without the extended CONNECT";
    return h.exit == ExitCode::ok ? "HTTP/2 extended CONNECT: PASS" : "HTTP/2 extended CONNECT: FAIL";
}

std::string http2_summary(const Http2Report& h) {
    if (h.enabled && h.exit != ExitCode::ok)
        return fmt::format("{} ({}): browsers that reuse an HTTP/2 connection to this host will fail", http2_state(h),
                           escape_controls(h.error));
    if (!h.enabled && !h.prior_knowledge) return http2_state(h) + ": browsers use HTTP/1.1 here";
    return http2_state(h);
}

}  // namespace wskit::detail
