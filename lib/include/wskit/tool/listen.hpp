// `wskit listen`: a server for debugging clients. It prints what every client
// does (with its id) and sends standard input to every client, or to one.
#pragma once

#include <wskit/access.hpp>
#include <wskit/tool/exec_bridge.hpp>
#include <wskit/tool/record.hpp>
#include <wskit/tool/replay.hpp>
#include <wskit/tool/tcp_bridge.hpp>
#include <wskit/export.hpp>
#include <wskit/tool/input.hpp>
#include <wskit/printer.hpp>
#include <wskit/server.hpp>

#include <optional>
#include <string>
#include <vector>

namespace wskit {

struct ListenOptions {  // the flags of `wskit listen`, see wskit-listen(1)
    ServerOptions server;
    PrinterOptions output;                       // format already resolved
    InputFraming framing = InputFraming::lines;
    InputEncoding encoding = InputEncoding::text;
    bool slash = false;                          // slash commands (--slash, or interactive)
    bool interactive = false;                    // the line editor (stdin and stdout are terminals)
    bool once = false;                           // serve one client, exit when it leaves
    // --origin and --token. Browsers' pages get in only from the server's
    // own origin or a listed one; clients without Origin always do (after
    // the token, when there is one). `secure` is set from server.tls.
    AccessPolicy access;
    int verbosity = 0;                           // -v: each client's whole handshake request
    // --exec: each client talks to its own process (ExecBridge) instead of
    // stdin and stdout; only connections are printed, stdin is not read.
    std::optional<ExecOptions> exec;
    // --to: each client is relayed to its own connection to a TCP or Unix
    // socket (TcpBridge); stdin is not read, only connections are printed.
    std::optional<TcpBridgeOptions> to;
    // --record FILE: every client's events, with its handshake (role server;
    // see record.hpp). Not with a bridge, whose messages the session does
    // not see.
    std::optional<RecordOptions> record;
    // --replay FILE: each client talks to the recorded server (ReplayBridge);
    // stdin is not read, only connections and differences are printed.
    std::optional<ReplayServerOptions> replay;
};

// Serves until SIGINT/SIGTERM, /quit, or with --once the client's close;
// returns the exit status (see wskit-listen(1)). Throws Error when it
// cannot listen.
WSKIT_API int run_listen(const ListenOptions& options);

// The warnings listen prints as it starts (without "wskit: "), about who
// can reach a program of --exec or the target of --to: every web page with
// --origin '*', everyone who can reach the port when it is bound to a
// non-loopback address without an --origin list or a --token.
WSKIT_API std::vector<std::string> exposure_warnings(const ListenOptions& options);

}  // namespace wskit
