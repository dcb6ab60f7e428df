#include <wskit/encoding.hpp>
#include <wskit/error.hpp>

#include <csignal>
#include <string>

namespace wskit {

const std::vector<ExitCodeInfo>& exit_code_table() {
    static const std::vector<ExitCodeInfo> table{
        {ExitCode::ok, "ok", "success, or the connection closed normally (1000 or 1001)"},
        {ExitCode::runtime, "runtime", "runtime error"},
        {ExitCode::usage, "usage", "usage error: bad flag, bad URL"},
        {ExitCode::connect, "connect",
         "could not connect: DNS failure, connection refused, unreachable, or no TCP connection (through the proxy, "
         "if any) within --connect-timeout"},
        {ExitCode::tls, "tls", "TLS failure: certificate verification or TLS protocol error"},
        {ExitCode::handshake, "handshake",
         "handshake rejected: connected, but the answer to the upgrade request is not a valid 101: another status, "
         "a bad Sec-WebSocket-Accept, failed checks, bytes that are not HTTP (a TLS port reached with ws://), or "
         "the connection closed before an answer"},
        {ExitCode::abnormal_close, "abnormal-close",
         "connection closed abnormally: 1006, or a close code other than 1000/1001"},
        {ExitCode::timeout, "timeout",
         "timed out waiting: connected, but the TLS handshake or the answer to the upgrade request did not "
         "complete within --connect-timeout; or --timeout elapsed, --count or --until was not met before the "
         "server fell silent, a benchmark measured nothing"},
        {ExitCode::interrupted, "interrupted", "interrupted by SIGINT, after a clean close handshake"},
        {ExitCode::terminated, "terminated", "terminated by SIGTERM, after a clean close handshake"},
    };
    return table;
}

ExitCode exit_code_for_close(int close_code) {
    return (close_code == 1000 || close_code == 1001) ? ExitCode::ok : ExitCode::abnormal_close;
}

ExitCode exit_code_for_signal(int signo) { return signo == SIGINT ? ExitCode::interrupted : ExitCode::terminated; }

std::string close_code_problem(int code) {
    const std::string n = std::to_string(code);
    switch (code) {
        case 1005: return n + " (no status received) only reports a close frame without a code and is never sent";
        case 1006: return n + " (abnormal closure) only reports a connection lost without a close frame and is never sent";
        case 1015: return n + " (TLS handshake failure) only reports a failed TLS handshake and is never sent";
        case 1004: return n + " is reserved by RFC 6455 and is never sent";
        default: break;
    }
    if (code >= 1016 && code <= 2999) return n + " is reserved for future WebSocket standards and is never sent";
    if (code < 1000 || code > 4999) return n + " is not a close code (they run from 1000 to 4999)";
    return {};
}

const char* sendable_close_codes() { return "1000-1003, 1007-1014 or 3000-4999"; }

std::string close_reason_problem(std::string_view reason) {
    if (!is_valid_utf8(reason)) return "is not valid UTF-8 (a close reason is text)";
    if (reason.size() > 123)
        return "is " + std::to_string(reason.size()) + " bytes long; a close reason holds at most 123 bytes (UTF-8)";
    return {};
}

}  // namespace wskit
