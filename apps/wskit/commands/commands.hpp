// One register_x per subcommand; each keeps its options in a struct and
// sets Context::run when chosen.
#pragma once

#include "../cli.hpp"

#include <wskit/tool/exec_bridge.hpp>

namespace wskit::cli {

// The whole command tree: every subcommand, the version flag.
void build_app(CLI::App& app, Context& ctx);

void register_bench(CLI::App& app, Context& ctx);
// wskit bench merge, registered under bench's command.
void register_bench_merge(CLI::App& bench, Context& ctx);
void register_connect(CLI::App& app, Context& ctx);
void register_broadcast_chat(CLI::App& app, Context& ctx);
void register_echo(CLI::App& app, Context& ctx);
void register_listen(CLI::App& app, Context& ctx);
void register_proxy(CLI::App& app, Context& ctx);
void register_replay(CLI::App& app, Context& ctx);
void register_run(CLI::App& app, Context& ctx);
void register_generate(CLI::App& app, Context& ctx);
void register_handshake_inspect(CLI::App& app, Context& ctx);

// --exec and the options that go with it (exec_options.cpp): listen runs
// the program for each client, connect once for its connection.
enum class ExecRole { listen, connect };
struct ExecFlags {
    std::string command;            // --exec CMD
    std::vector<std::string> args;  // everything after CMD on the command line
    bool pty = false;
    double kill_after = 1;
    std::size_t max_forks = 0;      // listen only
    std::string stderr_to = "log";  // --exec-stderr
    int error_code = 1011;          // --exec-error-code
    bool enabled() const { return !command.empty(); }
    // `binary` is the command's --binary (an input option): stdout lines go
    // as binary messages.
    ExecOptions resolve(bool binary) const;
};
// Registers --exec (which takes the rest of the command line), --pty,
// --kill-after, --exec-stderr, --exec-error-code and, for listen,
// --max-forks; the others are refused without --exec.
void add_exec_options(Context& ctx, CLI::App& app, ExecFlags& flags, ExecRole role);

}  // namespace wskit::cli
