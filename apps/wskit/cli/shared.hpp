// What the option groups of cli/ share and the commands do not need.
#pragma once

#include "cli.hpp"

#include <string>

namespace wskit::cli {

// A value as an error message quotes it: 'text', control characters escaped.
std::string in_quotes(const std::string& value);

// --cert and --key, for a client's certificate or a server's; `cert_help` is
// --cert's short help.
void add_tls_identity(Context& ctx, CLI::App& app, TlsOptions& tls, const std::string& cert_help);

}  // namespace wskit::cli
