// wskit listen: for now only its --exec bridge (listen_exec.cpp); the
// interactive server comes with the console.
#include "commands.hpp"

#include <wskit/error.hpp>

#include <memory>

namespace wskit::cli {
namespace {

struct ListenCommand {
    ServerFlags server;
    OutputFlags output;
    InputFlags input;
    ExecFlags exec;
};

int run(const ListenCommand& c) {
    if (!c.exec.enabled()) throw Error(ExitCode::usage, "listen without --exec is not available yet");
    ExecServeOptions o;
    o.server = c.server.resolve();
    o.output = c.output.resolve();
    // Connections are what is printed: human lines with the client's #ID,
    // into a pipe too (raw output would print nothing), as echo --log does.
    if (c.output.output == "auto" && !c.output.raw && !c.output.json) o.output.format = OutputFormat::human;
    o.output.show_conn = true;
    o.exec = c.exec.resolve(c.input.binary);
    return run_exec(o);
}

}  // namespace

void register_listen(CLI::App& app, Context& ctx) {
    auto c = std::make_shared<ListenCommand>();
    auto* sub = add_command(
        ctx, app, "listen", "l", "Serve clients; with --exec, bridge each one to its own process",
        {"wskit listen [OPTIONS] [[HOST:]PORT] [--exec CMD [ARGS...]]",
         "Accepts WebSocket clients. With --exec, each client gets its own process of CMD, websocketd's model: "
         "what the process prints is sent to the client a line at a time, and what the client sends is written "
         "to the process's stdin. Connections are printed on stdout with the client's id. SIGINT or SIGTERM "
         "closes every connection with 1001, ends every process and exits (130 or 143).",
         {{"wskit listen 9000 --exec cat", "each client talks to its own cat: an echo server"},
          {"wskit listen 9000 --pty --exec python3 bot.py", "a Python script that never flushes still answers line by line"},
          {"wskit listen 9000 --max-forks 10 --kill-after 5 --exec ./game.sh", "at most 10 games at once"}},
         {{ExitCode::runtime, "runtime error, such as an address already in use"},
          {ExitCode::usage, "bad options, or a --exec program that cannot be found"},
          {ExitCode::tls, "the certificate or private key of --cert or --key cannot be loaded"},
          {ExitCode::interrupted, "interrupted by SIGINT, after closing every connection and ending every process"},
          {ExitCode::terminated, "terminated by SIGTERM, after closing every connection and ending every process"}},
         /*reads_input=*/false});
    add_server_options(ctx, *sub, c->server, "0");
    add_output_options(ctx, *sub, c->output);
    add_input_options(ctx, *sub, c->input);
    add_exec_options(ctx, *sub, c->exec);
    sub->callback([c, &ctx] { ctx.run = [c] { return run(*c); }; });
}

}  // namespace wskit::cli
