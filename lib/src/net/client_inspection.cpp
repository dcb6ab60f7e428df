#include "net/client_inspection.hpp"
#include "net/tls_inspect.hpp"
#include "net/tls_trace.hpp"

#include <ctime>

namespace wskit::detail {

namespace {

std::string head_of(const std::string& raw) {
    auto end = raw.find("\r\n\r\n");
    return end == std::string::npos ? raw : raw.substr(0, end + 2);
}

using Time = std::optional<std::chrono::steady_clock::time_point>;

double ms(const Time& from, const Time& to) {
    return from && to ? std::chrono::duration<double, std::milli>(*to - *from).count() : -1.0;
}

void fill_tls(TlsInspection& tls, const InspectionFacts& f) {
    tls = read_tls_session(f.ssl, std::time(nullptr));
    if (f.insecure) {
        tls.verification_skipped = true;
        tls.verify_result = "not verified (--insecure)";
    } else if (!f.verify_failure.empty()) {
        tls.verify_result = f.verify_failure;
    } else if (tls.handshake_done) {
        tls.verified = true;
        tls.verify_result = "ok";
    }
}

}  // namespace

void capture_handshake(HandshakeTrace& trace, const std::string& request, const ResponseSeen& response,
                       const ConnectOutcome* connected) {
    trace.request = head_of(request);
    trace.status = response.status;
    if (trace.status != 0) {
        trace.response = head_of(response.head);
        trace.body = response.body;
        trace.location = response.location;
        trace.response_complete = response.head_done;
    }
    trace.connected = connected != nullptr;
    if (connected) trace.remote = connected->remote;
}

void fill_inspection(ConnectionInspection& in, const ConnectOutcome& o, const InspectionFacts& f) {
    const auto now = std::chrono::steady_clock::now();
    in.resolved_host = o.resolved_host;
    in.addresses = o.addresses;
    in.attempts.clear();
    for (const auto& [address, why] : o.attempts) in.attempts.push_back({address, why});
    in.connected_to = o.remote;
    auto& t = in.timings;
    t.dns = ms(o.started, o.resolved);
    t.tcp = ms(o.resolved, o.connected);
    t.proxy = ms(o.connected, o.tunneled);
    if (f.ssl) t.tls = ms(o.tunneled ? o.tunneled : o.connected, f.post_init_at);
    if (f.answered) {
        t.upgrade = ms(f.post_init_at, now);
        t.total = ms(o.started, now);
    }
    in.secure = f.ssl != nullptr;
    if (f.ssl) fill_tls(in.tls, f);
}

void trace_tls(SSL* ssl, const TraceHandler& trace) {
    if (!trace) return;
    for (auto& line : describe_tls_session(ssl)) trace(TraceLine{TraceLine::Kind::info, std::move(line)});
}

}  // namespace wskit::detail
