// `wskit listen`: a server for debugging clients. It prints what every client
// does (with its id) and sends standard input to every client, or to one.
#pragma once

#include <wskit/exec_bridge.hpp>
#include <wskit/export.hpp>
#include <wskit/input.hpp>
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
    std::vector<std::string> origins;            // --origin allow-list; empty: any
    int verbosity = 0;                           // -v: each client's whole handshake request
    // --exec: each client talks to its own process (ExecBridge) instead of
    // stdin and stdout; only connections are printed, stdin is not read.
    std::optional<ExecOptions> exec;
};

// Serves until SIGINT/SIGTERM, /quit, or with --once the client's close;
// returns the exit status (see wskit-listen(1)). Throws Error when it
// cannot listen.
WSKIT_API int run_listen(const ListenOptions& options);

// The page-less check of --origin: whether a handshake with this Origin
// header (empty when there is none) may proceed. Clients that send no
// Origin (anything but a browser) are let in.
WSKIT_API bool origin_allowed(const std::vector<std::string>& allowed, const std::string& origin);

}  // namespace wskit
