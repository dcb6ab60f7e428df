// One register_x per subcommand; each keeps its options in a struct and
// sets Context::run when chosen.
#pragma once

#include "../cli.hpp"

namespace wskit::cli {

// The whole command tree: every subcommand, the version flag.
void build_app(CLI::App& app, Context& ctx);

void register_bench(CLI::App& app, Context& ctx);
void register_connect(CLI::App& app, Context& ctx);
void register_echo(CLI::App& app, Context& ctx);
void register_generate(CLI::App& app, Context& ctx);

}  // namespace wskit::cli
