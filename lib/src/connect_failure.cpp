#include <wskit/connect_failure.hpp>
#include <wskit/encoding.hpp>

#include <fmt/format.h>

namespace wskit {
namespace {

std::string seconds(std::chrono::milliseconds ms) {
    return fmt::format("{:g} s", static_cast<double>(ms.count()) / 1000);
}

const char* waiting_for(ConnectPhase phase) {
    switch (phase) {
        case ConnectPhase::connect: return "opening the TCP connection";
        case ConnectPhase::proxy: return "waiting for the proxy to open the tunnel";
        case ConnectPhase::tls: return "during the TLS handshake";
        case ConnectPhase::upgrade: return "waiting for the answer to the upgrade request";
    }
    return "";
}

// "cannot connect to HOST:PORT: WHY", naming the proxy when the failure is
// between us and the proxy.
std::string cannot_connect(const FailureFacts& f, const std::string& why) {
    if (!f.proxy.empty() && f.phase == ConnectPhase::connect)
        return fmt::format("cannot connect to the proxy {} (for {}): {}", f.proxy, f.authority, why);
    return fmt::format("cannot connect to {}: {}", f.authority, why);
}

ConnectFailure closed_early(const FailureFacts& f) {
    switch (f.phase) {
        case ConnectPhase::connect:
            return {ExitCode::connect, cannot_connect(f, "the connection was closed")};
        case ConnectPhase::proxy:
            return {ExitCode::connect, fmt::format("the proxy {} closed the connection before opening a tunnel to {}",
                                                   f.proxy, f.authority)};
        case ConnectPhase::tls:
            return {ExitCode::tls, fmt::format("TLS handshake with {} failed: the server closed the connection (is it "
                                               "a TLS server? does it support TLS {}+?)",
                                               f.authority, f.tls_min_version)};
        case ConnectPhase::upgrade:
            // With TLS 1.3 the server checks the client's certificate after
            // the client's side of the handshake is done: a refusal shows up
            // as a reset or an alert on the first read or write.
            if (f.secure)
                return {ExitCode::tls, fmt::format("TLS session with {} failed: {} (does the server require a client "
                                                   "certificate? give one with --cert and --key)",
                                                   f.authority, f.detail.empty() ? "connection closed" : escape_controls(f.detail))};
            return {ExitCode::connect, fmt::format("{} closed the connection without answering the upgrade request "
                                                   "(if it is a TLS port, use wss://)",
                                                   f.authority)};
    }
    return {ExitCode::connect, cannot_connect(f, "the connection was closed")};
}

ConnectFailure rejected(const FailureFacts& f) {
    auto reason = escape_controls(f.status_text);
    bool redirect = f.status >= 300 && f.status < 400 && !f.location.empty();
    if (redirect)
        return {ExitCode::handshake,
                fmt::format("handshake rejected: {} answered {} {} redirecting to {} (use -L to follow)", f.target,
                            f.status, reason, escape_controls(f.location))};
    return {ExitCode::handshake, fmt::format("handshake rejected: {} answered HTTP {} {} instead of 101{}", f.target,
                                             f.status, reason, f.verbose ? "" : " (use -v to see the response)")};
}

}  // namespace

ConnectFailure classify_connect_failure(const FailureFacts& f) {
    const auto detail = escape_controls(f.detail);
    switch (f.cause) {
        case FailureCause::host_not_found:
            if (!f.proxy.empty() && f.phase == ConnectPhase::connect && f.host != f.proxy)
                return {ExitCode::connect, cannot_connect(f, "host name not found")};
            return {ExitCode::connect, fmt::format("cannot resolve host {} (check the name, or the network's DNS)",
                                                   escape_controls(f.host))};
        case FailureCause::refused:
            return {ExitCode::connect,
                    cannot_connect(f, f.proxy.empty() || f.phase != ConnectPhase::connect
                                          ? "connection refused (is the server running, on that port?)"
                                          : "connection refused")};
        case FailureCause::unreachable:
            return {ExitCode::connect, cannot_connect(f, detail.empty() ? "host unreachable" : detail)};
        case FailureCause::timed_out:
            return {ExitCode::connect, fmt::format("cannot connect to {}: timed out after {} {} (see --connect-timeout)",
                                                   f.authority, seconds(f.timeout), waiting_for(f.phase))};
        case FailureCause::closed:
            return closed_early(f);
        case FailureCause::tls_verify:
            return {ExitCode::tls, fmt::format("TLS verification of {} failed: {} (use --ca FILE to trust its CA, or -k "
                                               "to skip verification)",
                                               escape_controls(f.host), detail)};
        case FailureCause::tls_protocol:
            return {ExitCode::tls, fmt::format("TLS handshake with {} failed: {} (is it a TLS server? does it support "
                                               "TLS {}+?)",
                                               f.authority, detail, f.tls_min_version)};
        case FailureCause::http_status:
            return rejected(f);
        case FailureCause::bad_upgrade:
            return {ExitCode::handshake,
                    fmt::format("handshake rejected: invalid 101 response from {}: {} (bad Sec-WebSocket-Accept, "
                                "Upgrade or Connection header)",
                                f.target, detail)};
        case FailureCause::other:
            break;
    }
    switch (f.phase) {
        case ConnectPhase::tls:
            return {ExitCode::tls, fmt::format("TLS handshake with {} failed: {}", f.authority, detail)};
        case ConnectPhase::upgrade:
            return {ExitCode::handshake, fmt::format("handshake with {} failed: {}", f.target, detail)};
        default:
            return {ExitCode::connect, cannot_connect(f, detail)};
    }
}

}  // namespace wskit
