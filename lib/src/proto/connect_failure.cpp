#include <wskit/connect_failure.hpp>
#include <wskit/encoding.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace wskit {
namespace {

// Of an answer that is not what was expected, the start is shown: enough to
// recognise a status line or a protocol, not a page of bytes.
constexpr std::size_t answer_shown = 24;

std::string seconds(std::chrono::milliseconds ms) {
    return fmt::format("{:g} s", static_cast<double>(ms.count()) / 1000);
}

// "... within 2 s (see --connect-timeout)".
std::string within(const FailureFacts& f) {
    return fmt::format("within {} (see {})", seconds(f.timeout), f.timeout_option);
}

std::string preview(std::string_view answer) {
    auto shown = escape_controls(answer.substr(0, answer_shown));
    return fmt::format("'{}'{}", shown, answer.size() > answer_shown ? "..." : "");
}

// "cannot connect to HOST:PORT: WHY", naming the proxy when the failure is
// between us and the proxy.
std::string cannot_connect(const FailureFacts& f, const std::string& why) {
    if (!f.proxy.empty() && f.phase == ConnectPhase::connect)
        return fmt::format("cannot connect to the proxy {} (for {}): {}", f.proxy, f.authority, why);
    return fmt::format("cannot connect to {}: {}", f.authority, why);
}

// TCP is up and what came back is no HTTP response: a handshake rejected
// (5), whatever the transport said afterwards. A TLS record means a TLS
// server took the request for a ClientHello.
ConnectFailure not_http(const FailureFacts& f) {
    if (classify_answer(f.answer) == AnswerKind::tls)
        return {ExitCode::handshake,
                fmt::format("handshake rejected: {} answered the upgrade request with TLS, not HTTP{}", f.target,
                            f.secure ? "" : " (it is a TLS port: use wss://)")};
    return {ExitCode::handshake,
            fmt::format("handshake rejected: {} answered the upgrade request with bytes that are not HTTP: {} (is it "
                        "a WebSocket server?)",
                        f.target, preview(f.answer))};
}

bool answer_is_http(const FailureFacts& f) {
    auto kind = classify_answer(f.answer);
    return kind == AnswerKind::none || kind == AnswerKind::http;
}

ConnectFailure timed_out(const FailureFacts& f) {
    switch (f.phase) {
        case ConnectPhase::connect:
            return {ExitCode::connect, cannot_connect(f, fmt::format("timed out after {} opening the TCP connection "
                                                                     "(see {})",
                                                                     seconds(f.timeout), f.timeout_option))};
        case ConnectPhase::proxy:
            return {ExitCode::connect, fmt::format("cannot connect to {}: the proxy {} did not open a tunnel {}",
                                                   f.authority, f.proxy, within(f))};
        case ConnectPhase::tls:
            return {ExitCode::timeout, fmt::format("the TLS handshake with {} did not complete {} (TCP was connected)",
                                                   f.authority, within(f))};
        case ConnectPhase::upgrade:
            if (!answer_is_http(f)) return not_http(f);
            if (f.answer.empty())
                return {ExitCode::timeout,
                        fmt::format("{} did not answer the upgrade request {}", f.target, within(f))};
            return {ExitCode::timeout,
                    fmt::format("{} began to answer, but the response head did not end {} (got {} bytes: {})",
                                f.target, within(f), f.answer.size(), preview(f.answer))};
    }
    return {ExitCode::timeout, fmt::format("timed out: nothing happened {}", within(f))};
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
            if (!answer_is_http(f)) return not_http(f);
            // A TLS server reading a plain request as a ClientHello gives up
            // without a word (OpenSSL sends no alert for "GET ...").
            if (f.answer.empty())
                return {ExitCode::handshake, fmt::format("handshake rejected: {} closed the connection without "
                                                         "answering the upgrade request (if it is a TLS port, use wss://)",
                                                         f.target)};
            return {ExitCode::handshake,
                    fmt::format("handshake rejected: {} closed the connection in the middle of its answer (after {} "
                                "bytes: {})",
                                f.target, f.answer.size(), preview(f.answer))};
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

AnswerKind classify_answer(std::string_view answer) {
    if (answer.empty()) return AnswerKind::none;
    // A record header: content type 20-23 (change_cipher_spec, alert,
    // handshake, application_data), then version major 3.
    const auto type = static_cast<unsigned char>(answer[0]);
    if (type >= 20 && type <= 23 && (answer.size() < 2 || answer[1] == 3)) return AnswerKind::tls;
    constexpr std::string_view http = "HTTP/";
    const auto n = std::min(answer.size(), http.size());
    return answer.substr(0, n) == http.substr(0, n) ? AnswerKind::http : AnswerKind::unknown;
}

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
                    cannot_connect(f, !f.proxy.empty() && f.phase == ConnectPhase::connect ? "connection refused"
                                      : f.authority.rfind("unix:", 0) == 0
                                          ? "connection refused (is the server running, on that socket?)"
                                          : "connection refused (is the server running, on that port?)")};
        case FailureCause::unreachable:
            return {ExitCode::connect, cannot_connect(f, detail.empty() ? "host unreachable" : detail)};
        case FailureCause::timed_out:
            return timed_out(f);
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
        case FailureCause::bad_negotiation:
            return {ExitCode::handshake,
                    fmt::format("handshake rejected: the 101 of {} does not match the offer: {}", f.target, detail)};
        case FailureCause::no_descriptors:
            return {ExitCode::runtime, fmt::format("out of file descriptors{}: raise the limit (ulimit -n) or open "
                                                   "fewer connections",
                                                   detail.empty() ? "" : " (" + detail + ")")};
        case FailureCause::other:
            break;
    }
    switch (f.phase) {
        case ConnectPhase::tls:
            return {ExitCode::tls, fmt::format("TLS handshake with {} failed: {}", f.authority, detail)};
        case ConnectPhase::upgrade:
            if (!answer_is_http(f)) return not_http(f);
            if (!f.answer.empty())
                return {ExitCode::handshake, fmt::format("handshake rejected: the answer of {} is not valid HTTP: {}",
                                                         f.target, preview(f.answer))};
            return {ExitCode::handshake, fmt::format("handshake with {} failed: {}", f.target, detail)};
        default:
            return {ExitCode::connect, cannot_connect(f, detail)};
    }
}

}  // namespace wskit
