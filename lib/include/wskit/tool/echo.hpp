// `wskit echo`: the reference echo server.
#pragma once

#include <wskit/export.hpp>
#include <wskit/printer.hpp>
#include <wskit/server.hpp>

namespace wskit {

struct EchoOptions {
    ServerOptions server;
    PrinterOptions output;       // for --log and the listening line in --json
    bool log = false;            // print every event with its connection id
    unsigned delay_ms = 0;       // wait before echoing each message
    double stats_seconds = 0;    // print rates this often (stderr; stdout in JSON); 0 = never
};

// Serves until SIGINT/SIGTERM; returns the exit status (130/143), or throws
// Error when it cannot listen.
WSKIT_API int run_echo(const EchoOptions& options);

}  // namespace wskit
