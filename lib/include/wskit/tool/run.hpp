// `wskit run SCRIPT... [URL]`: scripted sessions (send this, expect that)
// that exit non-zero when the server misbehaves; the language is in
// wskit-run(1).
#pragma once

#include <wskit/client.hpp>
#include <wskit/export.hpp>
#include <wskit/printer.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace wskit {

struct RunOptions {
    std::vector<std::string> scripts;  // paths
    // Given: every script connects here (its own connect URLs are replaced),
    // and a script that starts without connect connects here first.
    std::string url;
    ClientOptions client;              // -H (added to each connect's), TLS trust, timeouts...
    std::chrono::milliseconds expect_timeout{5000};  // an expect without `within`
    std::size_t jobs = 1;              // scripts run at once
    std::string junit;                 // --junit FILE: a JUnit XML report
    PrinterOptions output;             // human or json
    int verbosity = 0;                 // -v: each step on stderr as it runs
};

// Parses every script first (a syntax error is exit 2 before anything
// runs), then runs them; returns 0 when all passed, 1 when a step failed,
// and a connection's exit status when one could not be opened. Throws Error.
WSKIT_API int run_scripts(const RunOptions& options);

}  // namespace wskit
