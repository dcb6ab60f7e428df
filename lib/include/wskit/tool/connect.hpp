// `wskit connect`: a client session that joins stdin, the connection and
// stdout, with the exit conditions of scripting (-x, --count, --until...).
#pragma once

#include <wskit/client.hpp>
#include <wskit/export.hpp>
#include <wskit/tool/exec_bridge.hpp>  // ExecOptions, for --exec
#include <wskit/tool/input.hpp>
#include <wskit/tool/record.hpp>
#include <wskit/printer.hpp>
#include <wskit/redirect.hpp>  // resolve_redirect, used by -L
#include <wskit/url.hpp>

#include <optional>
#include <string>
#include <vector>

namespace wskit {

struct ConnectOptions {  // the flags of `wskit connect`, see wskit-connect(1)
    ClientOptions client;
    PrinterOptions output;                     // format already resolved (human on a TTY, raw otherwise)
    InputFraming framing = InputFraming::lines;
    InputEncoding encoding = InputEncoding::text;
    bool slash = false;                        // slash commands in piped input (--slash)
    std::vector<std::string> execute;          // -x: sent after opening; stdin is then not read
    double wait_seconds = 0.5;                 // -w: at the end of input, close after the server is silent this long
    std::optional<std::size_t> count;          // --count N (and -1/--once as 1)
    bool once = false;                         // -1/--once (count is 1): named so in messages
    std::string until;                         // --until REGEX (RE2 syntax)
    double timeout_seconds = 0;                // --timeout: 0 = none
    bool keep_open = false;                    // --keep-open: end of input does not close
    int close_code = 1000;                     // --close-code
    std::string close_reason;                  // --close-reason
    int verbosity = 0;                         // -v: connection steps and handshake on stderr; -vv: frames too
    bool follow_redirects = false;             // -L: follow 301/302/303/307/308 on the handshake
    bool location_trusted = false;             // --location-trusted: credentials to any origin, wss:// to ws:// too
    int max_redirects = 10;                    // --max-redirects
    bool reconnect = false;                    // --reconnect: after a drop, connect again with backoff
    int reconnect_max = 0;                     // --reconnect-max: attempts in a row; 0 = no limit
    bool interactive = false;                  // a line editor on the terminal (stdin and stdout are TTYs)
    bool history = true;                       // its history persists (WSKIT_HISTORY names where); --no-history
    // --tcp-listen: no session on stdin and stdout; every local TCP
    // connection to this address gets its own WebSocket to client.url, and
    // bytes are relayed both ways (run_tcp_tunnel).
    std::optional<ListenAddress> tcp_listen;
    // --exec: no session on stdin and stdout; once the connection is open,
    // the command runs with it in place of a terminal (run_exec_client).
    // max_forks means nothing here.
    std::optional<ExecOptions> exec;
    // --record FILE: every event of the session, with the handshake (role
    // client; see record.hpp).
    std::optional<RecordOptions> record;
};

// Delay before reconnect attempt `attempt` (1, 2, ...): exponential from
// 0.5 s, capped at 30 s, with "equal jitter" (half fixed, half random) so
// that many clients do not come back at once. `random01` is in [0, 1).
WSKIT_API long reconnect_delay_ms(int attempt, double random01);

// Runs a session to its end on the calling thread; returns the exit status
// (see ExitCode). Throws Error for bad options (an invalid --until regex).
WSKIT_API int run_connect(const ConnectOptions& options);

// connect --tcp-listen: serves until SIGINT/SIGTERM (130/143). Throws Error
// when it cannot listen. A local side's EOF closes its WebSocket once the
// server has been silent for wait_seconds (a WebSocket has no half-close).
WSKIT_API int run_tcp_tunnel(const ConnectOptions& options);

// connect --exec: each line the process writes on stdout is a message, each
// message a line on its stdin. Its exit closes the connection with 1000, or
// exec->error_close_code after a failure (exit 1); the server's close ends
// it (EOF on its stdin, a hang-up with a pty; SIGTERM after kill_after,
// SIGKILL as long again later), and the exit status is the connection's.
// Throws Error(usage) when the command cannot be found.
WSKIT_API int run_exec_client(const ConnectOptions& options);

}  // namespace wskit
