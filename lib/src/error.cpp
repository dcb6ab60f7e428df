#include <wskit/error.hpp>

namespace wskit {

const std::vector<ExitCodeInfo>& exit_code_table() {
    static const std::vector<ExitCodeInfo> table{
        {ExitCode::ok, "ok", "success, or the connection closed normally (1000 or 1001)"},
        {ExitCode::runtime, "runtime", "runtime error"},
        {ExitCode::usage, "usage", "usage error: bad flag, bad URL"},
        {ExitCode::connect, "connect",
         "could not connect: DNS failure, connection refused, unreachable, connect timeout"},
        {ExitCode::tls, "tls", "TLS failure: certificate verification or TLS protocol error"},
        {ExitCode::handshake, "handshake",
         "handshake rejected: non-101 status, bad Sec-WebSocket-Accept, failed checks"},
        {ExitCode::abnormal_close, "abnormal-close",
         "connection closed abnormally: 1006, or a close code other than 1000/1001"},
        {ExitCode::timeout, "timeout", "timed out waiting: --timeout elapsed, or --count not reached"},
        {ExitCode::interrupted, "interrupted", "interrupted by SIGINT, after a clean close handshake"},
        {ExitCode::terminated, "terminated", "terminated by SIGTERM, after a clean close handshake"},
    };
    return table;
}

ExitCode exit_code_for_close(int close_code) {
    return (close_code == 1000 || close_code == 1001) ? ExitCode::ok : ExitCode::abnormal_close;
}

}  // namespace wskit
