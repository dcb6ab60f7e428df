// wskit echo: a fast echo server for testing and benchmarking clients.
#include "commands.hpp"

#include <wskit/tool/echo.hpp>

#include <memory>

namespace wskit::cli {
namespace {

struct EchoCommand {
    ServerFlags server;
    OutputFlags output;
    unsigned delay_ms = 0;
    bool log = false;
    double stats = 0;
    std::vector<std::string> subprotocols;
};

int run(const EchoCommand& c) {
    EchoOptions o;
    o.server = c.server.resolve();
    o.server.subprotocols = c.subprotocols;
    o.server.answer_first_offer = c.subprotocols.empty();  // -s narrows the choice
    o.output = c.output.resolve();
    // A log is read to see who sent what: human lines with the client's #ID,
    // into a pipe or a file too (raw output there would show payloads with
    // no way to tell clients apart). --raw, --json or --output still decide.
    if (c.output.output == "auto" && !c.output.raw && !c.output.json) o.output.format = OutputFormat::human;
    o.output.show_conn = true;
    o.log = c.log;
    o.delay_ms = c.delay_ms;
    o.stats_seconds = c.stats;
    return run_echo(o);
}

}  // namespace

void register_echo(CLI::App& app, Context& ctx) {
    auto c = std::make_shared<EchoCommand>();
    auto* sub = add_command(
        ctx, app, "echo", "", "A fast echo server for testing and benchmarking clients",
        {"wskit echo [OPTIONS] [[HOST:]PORT]",
         "Serves WebSocket clients and sends every message back with its opcode; pings are answered with pongs. "
         "A client that offers subprotocols gets its first offer answered (or with -s its first offer among "
         "those listed), so that browsers and Node's ws clients asking for one connect. "
         "A plain GET of /healthz answers 'ok'; any other plain GET gets a 426 page naming the WebSocket URL. "
         "SIGINT or SIGTERM closes every connection with 1001 and exits (130 or 143). "
         "Printing never slows or stops the server: stdout and stderr are written without blocking, and when "
         "their reader falls behind by more than a buffer (1 MiB for stdout, 64 KiB for stderr), whole lines are "
         "dropped and counted, and one line on stderr says how many once the reader has caught up "
         "('wskit: output stalled: dropped N lines (B bytes) of stdout; ...').",
         {{"wskit echo 9000", "serve ws://127.0.0.1:9000/"},
          {"wskit echo 0 --log", "pick a free port, print every message"},
          {"wskit echo --stats 1 0.0.0.0:9000", "serve every interface, print rates each second"}},
         {{ExitCode::runtime, "runtime error, such as an address already in use"},
          {ExitCode::usage, ""},
          {ExitCode::tls, "the certificate or private key of --cert or --key cannot be loaded"},
          {ExitCode::interrupted, "interrupted by SIGINT, after closing every connection"},
          {ExitCode::terminated, "terminated by SIGTERM, after closing every connection"}},
         /*reads_input=*/false});
    add_server_options(ctx, *sub, c->server, "0");
    add_output_options(ctx, *sub, c->output);
    add_option(ctx, *sub, "-s,--subprotocol", c->subprotocols,
               "Accept only this subprotocol (repeatable); default: answer the client's first offer",
               "Answer only these subprotocols (repeatable): a client gets its first offer that is among them. "
               "Without -s, a client's first offer is answered whatever it is (browsers and Node's ws fail a "
               "connection whose answer names none of their offers). A client that offers subprotocols none of "
               "which is accepted is served without one, with a line on stderr naming its offers.",
               Complete::text)
        ->allow_extra_args(false)  // one value each time: "-s chat 9000" leaves 9000 to the address
        ->option_text("NAME");
    add_option(ctx, *sub, "--delay", c->delay_ms, "Wait MS milliseconds before echoing each message", {},
               Complete::number)->option_text("MS");
    add_flag(ctx, *sub, "--log", c->log, "Print every message and connection event on stdout",
             "Print every message and connection event on stdout, each line prefixed with the client's id "
             "('#3 < hello'). The log is human-readable even into a pipe or a file (without colors there); "
             "--raw prints payloads only, --json one JSON object per event with its 'conn'. A reader that falls "
             "behind costs dropped, counted lines, never a stalled server (see DESCRIPTION).");
    add_option(ctx, *sub, "--stats", c->stats, "Print rates (clients, msg/s, MB/s) every SECS seconds",
               "Every SECS seconds, print the number of clients and the message and byte rates: a line on "
               "stderr ('stats: 2 clients, 120 msg/s in, 120 msg/s out, 0.01 MB/s in, 0.01 MB/s out'), or with "
               "--json a stats event on stdout with the fields event (\"stats\"), ts, conn (0), clients, "
               "msg_in_per_s, msg_out_per_s, mb_in_per_s, mb_out_per_s and dropped_lines (MB is 10^6 bytes; dropped_lines counts the output lines dropped so far "
               "because stdout was not read).",
               Complete::number)
        ->check(seconds_validator())->option_text("SECS");
    sub->callback([c, &ctx] { ctx.run = [c] { return run(*c); }; });
}

}  // namespace wskit::cli
