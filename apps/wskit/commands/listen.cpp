// wskit listen: a server that shows what clients send, and talks back.
#include "commands.hpp"

#include <wskit/listen.hpp>

#include <memory>
#include <unistd.h>

namespace wskit::cli {
namespace {

struct ListenCommand {
    ServerFlags server;
    OutputFlags output;
    InputFlags input;
    std::vector<std::string> subprotocols;
    std::vector<std::string> origins;
    bool once = false;
    ExecFlags exec;
};

int run(const ListenCommand& c) {
    ListenOptions o;
    o.server = c.server.resolve();
    o.server.subprotocols = c.subprotocols;
    o.output = c.output.resolve();
    o.output.verbose = c.server.verbosity > 0;
    if (c.exec.enabled()) {
        o.exec = c.exec.resolve(c.input.binary);
        // Only connections are printed: human lines with the client's #ID,
        // into a pipe too (raw output would print nothing), as echo --log does.
        if (c.output.output == "auto" && !c.output.raw && !c.output.json) o.output.format = OutputFormat::human;
    }
    // As with connect: a person at a terminal gets the line editor and slash
    // commands, and the typed line stays on screen.
    o.interactive = !o.exec && ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
    o.output.show_outgoing = o.output.format == OutputFormat::human && !o.interactive;
    o.framing = c.input.framing();
    o.output.null_terminated = c.input.null;
    o.encoding = c.input.encoding();
    o.slash = c.input.slash || o.interactive;
    o.once = c.once;
    o.origins = c.origins;
    o.verbosity = c.server.verbosity;
    return run_listen(o);
}

}  // namespace

void register_listen(CLI::App& app, Context& ctx) {
    auto c = std::make_shared<ListenCommand>();
    CommandDoc doc{
        "wskit listen [OPTIONS] [HOST:]PORT [--exec CMD [ARGS...]]",
        "Serves any number of WebSocket clients and shows what each does: its connection (address, path and "
        "subprotocol; with -v the whole handshake request), every message, pings and pongs with -P, and its "
        "close (code, reason, whether it was clean). Each client has an id, shown in front of its lines ('#3 < "
        "hello') and as 'conn' in JSON.\n"
        "Each line of standard input is sent to every client (see the input options for other framings). What "
        "is read while no client is connected is kept, and sent to the first client that connects. The end of "
        "piped input does not stop the server. On a terminal, lines are typed in a line editor with history, "
        "slash commands talk to one client (/to), list (/list) or close (/kick) them, and Ctrl-D quits.\n"
        "Nothing clients send is dropped: when standard output's reader falls behind, clients are no longer read "
        "until it catches up (TCP then slows them). Input is read as fast as the quickest client takes it; a "
        "client that stops reading is closed with 1008 once its unsent data stays over --max-backlog for 10 s.\n"
        "A plain HTTP GET gets a 426 page saying this is a WebSocket endpoint. With --origin, a browser whose "
        "Origin is not listed gets 403 (clients that send no Origin are let in). SIGINT, SIGTERM or /quit close "
        "every connection with 1001 and exit.\n"
        "With --exec, listen is a bridge to a program instead, websocketd's model: each client gets its own "
        "process, whose stdout lines are sent to the client and whose stdin gets the client's messages (see "
        "--exec). Standard input is not read then, and only connections are printed.",
        {{"wskit listen 9000", "show what clients of ws://127.0.0.1:9000/ send, and type answers"},
         {"wskit listen --once 9000 > got.txt", "like nc -l: take one client, save what it sends, exit when it leaves"},
         {"tail -f app.log | wskit listen 9000", "broadcast a program's output to every connected browser"},
         {"wskit listen --json --origin https://app.example.test 0.0.0.0:9000",
          "accept one site's pages from any interface, log events as JSON"},
         {"wskit listen 9000 --exec cat", "each client talks to its own cat: an echo server"},
         {"wskit listen 9000 --pty --exec python3 bot.py", "a Python script that never flushes still answers line by line"}},
        {{ExitCode::runtime, "runtime error, such as an address already in use, or input that could not be sent"},
         {ExitCode::usage, "bad options, or a --exec program that cannot be found"},
         {ExitCode::tls, "the certificate or private key of --cert or --key cannot be loaded"},
         {ExitCode::abnormal_close, "with --once: the client's connection closed with a code other than 1000 or 1001"},
         {ExitCode::interrupted, "interrupted by SIGINT, after closing every connection"},
         {ExitCode::terminated, "terminated by SIGTERM, after closing every connection"}}};
    doc.slash_commands = listen_slash_commands();
    doc.slash_intro = "On a terminal (and in piped input with --slash), lines starting with a slash are commands";
    auto* sub = add_command(ctx, app, "listen", "l", "Serve clients, show what they send, and talk back", std::move(doc));
    add_server_options(ctx, *sub, c->server, "0");
    sub->get_option("address")->required();
    add_output_options(ctx, *sub, c->output);
    add_input_options(ctx, *sub, c->input);
    add_option(ctx, *sub, "-s,--subprotocol", c->subprotocols,
               "Accept this subprotocol (repeatable); the client's first match is chosen", {}, Complete::text)
        ->option_text("NAME");
    add_option(ctx, *sub, "--origin", c->origins,
               "Let in only browsers from this origin (repeatable), like https://app.example.test",
               "Let in only browsers whose Origin header is one of these (repeatable; compared without case, "
               "'*' allows any). Others get 403 Forbidden and a line on stderr. Clients that send no Origin (anything "
               "but a browser) are let in.",
               Complete::url)
        ->option_text("ORIGIN");
    add_flag(ctx, *sub, "--once", c->once,
             "Serve one client, exit when it leaves (0 for close 1000/1001, 6 otherwise)",
             "Serve one client and exit when it leaves, with that connection's status: 0 when it closed with 1000 "
             "or 1001, 6 otherwise. Other clients get 503 meanwhile. Usable like nc -l in scripts.");
    add_exec_options(ctx, *sub, c->exec);
    sub->callback([c, &ctx] { ctx.run = [c] { return run(*c); }; });
}

}  // namespace wskit::cli
