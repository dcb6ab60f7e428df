#include "proto/client_failure.hpp"

#include <wskit/close_code.hpp>
#include <wskit/encoding.hpp>

#include <fmt/format.h>

namespace wskit::detail {

namespace {

constexpr int message_too_big = 1009;
constexpr int no_status = 1005;

// The transport failed (no answer, or one that stopped): its error, with
// TLS's own reason where it says more.
void transport_cause(const OpeningOutcome& o, FailureFacts& f) {
    f.cause = o.transport_cause;
    if (f.cause == FailureCause::tls_protocol) f.phase = ConnectPhase::tls;
    if (f.cause == FailureCause::tls_protocol || f.cause == FailureCause::closed) f.detail = o.tls_error;
    if (f.detail.empty()) f.detail = o.transport_error;
}

}  // namespace

ConnectFailure classify_opening(const OpeningOutcome& o) {
    FailureFacts f = o.facts;
    const bool refused = o.status != 0 && o.status != 101;
    // After the time ran out, an answer counts only when its head is in
    // (only its body was slow).
    if (refused && (o.response_complete || !o.timed_out)) {
        f.cause = FailureCause::http_status;
        f.status = o.status;
        f.status_text = o.status_text;
        f.location = o.location;
    } else if (o.timed_out) {
        f.cause = FailureCause::timed_out;
    } else if (o.status == 101 && o.response_complete) {
        f.cause = FailureCause::bad_upgrade;
        f.detail = o.upgrade_error;
    } else if (o.tunnel_failed) {
        return {ExitCode::connect, o.tunnel_error};  // the connector's message names the proxy and its answer
    } else if (!o.verify_failure.empty()) {
        f.phase = ConnectPhase::tls;
        f.cause = FailureCause::tls_verify;
        f.detail = o.verify_failure;
    } else {
        transport_cause(o, f);
    }
    return classify_connect_failure(f);
}

CloseOutcome close_outcome_of(const Event& close) {
    CloseOutcome o;
    o.clean = close.clean;
    o.code = close.code;
    o.reason = close.reason;
    return o;
}

std::optional<ConnectFailure> classify_close(const CloseOutcome& o) {
    if (o.failed_here) {
        if (o.code == message_too_big)
            return ConnectFailure{ExitCode::abnormal_close,
                                  fmt::format("a message from the server exceeds --max-size ({} bytes); closed with 1009",
                                              o.max_message_size)};
        return ConnectFailure{ExitCode::abnormal_close,
                              fmt::format("the server broke the protocol ({}); closed with {}",
                                          escape_controls(o.reason.empty() ? o.library_error : o.reason), o.code)};
    }
    if (!o.clean)
        return ConnectFailure{ExitCode::abnormal_close,
                              o.user_closed ? "the server did not complete the close handshake (1006)"
                                            : "the server dropped the connection without a close frame (1006)"};
    const bool echoes_ours = o.user_closed && o.remote_code == o.sent_close_code;
    if (o.remote_code != no_status && !echoes_ours && exit_code_for_close(o.remote_code) != ExitCode::ok)
        return ConnectFailure{exit_code_for_close(o.remote_code), server_close_explanation(o.remote_code, o.reason)};
    return std::nullopt;
}

}  // namespace wskit::detail
