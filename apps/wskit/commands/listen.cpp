// wskit listen: a server that shows what clients send, and talks back.
#include "commands.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/tool/listen.hpp>
#include <wskit/url.hpp>

#include <fmt/format.h>

#include <memory>
#include <unistd.h>

namespace wskit::cli {
namespace {

struct ListenCommand {
    ServerFlags server;
    OutputFlags output;
    InputFlags input;
    std::vector<std::string> subprotocols;
    AccessFlags access;
    bool once = false;
    ExecFlags exec;
    std::string to;     // --to tcp:HOST:PORT | unix:PATH
    bool text = false;  // --text
    RecordFlags record;
    std::string replay;         // --replay FILE
    bool replay_timing = false;
};

int run(const ListenCommand& c) {
    ListenOptions o;
    o.server = c.server.resolve();
    o.server.subprotocols = c.subprotocols;
    o.server.answer_first_offer = c.subprotocols.empty();  // -s narrows the choice
    o.output = c.output.resolve();
    o.output.verbose = c.server.verbosity > 0;
    if (c.exec.enabled()) o.exec = c.exec.resolve(c.input.binary);
    if (!c.to.empty()) o.to = TcpBridgeOptions{parse_stream_target(c.to), c.text, c.server.verbosity};
    bool bridged = o.exec || o.to || !c.replay.empty();
    // A bridge's clients: only connections are printed, human lines with the
    // client's #ID, into a pipe too (raw output would print nothing), as
    // echo --log does.
    if (bridged && c.output.output == "auto" && !c.output.raw && !c.output.json) o.output.format = OutputFormat::human;
    // As with connect: a person at a terminal gets the line editor and slash
    // commands, and the typed line stays on screen.
    o.interactive = !bridged && ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
    o.output.show_outgoing = o.output.format == OutputFormat::human && !o.interactive;
    o.framing = c.input.framing();
    o.output.null_terminated = c.input.null;
    o.encoding = c.input.encoding();
    o.slash = c.input.slash || o.interactive;
    o.once = c.once;
    o.access = c.access.resolve();
    o.verbosity = c.server.verbosity;
    o.record = c.record.resolve(RecordRole::server);
    if (!c.replay.empty()) o.replay = ReplayServerOptions{c.replay, c.replay_timing, {}};
    return run_listen(o);
}

// `listen --exec cat 9000` gives the address to cat: say where it goes.
std::string missing_address(const ExecFlags& exec) {
    if (exec.enabled() && !exec.args.empty()) {
        const auto& last = exec.args.back();
        try {
            parse_listen_address(last);
            std::string program = exec.command;
            for (std::size_t i = 0; i + 1 < exec.args.size(); ++i) program += " " + exec.args[i];
            return fmt::format("--exec takes the rest of the command line (the program and its arguments), so "
                               "'{}' went to the program: give the address first, as in "
                               "'wskit listen {} --exec {}'",
                               escape_controls(last), escape_controls(last), escape_controls(program));
        } catch (const Error&) {
        }
    }
    return "listen needs the address to listen on, [HOST:]PORT (0 picks a free port), as in 'wskit listen 9000'";
}

}  // namespace

void register_listen(CLI::App& app, Context& ctx) {
    auto c = std::make_shared<ListenCommand>();
    CommandDoc doc{
        "wskit listen [OPTIONS] [HOST:]PORT [--exec CMD [ARGS...]]",
        "Serves any number of WebSocket clients and shows what each does: its connection (address, path and "
        "subprotocol; with -v its Origin and User-Agent, and the whole handshake request), every message, pings "
        "and pongs with -P, and its "
        "close (code, reason, whether it was clean). Each client has an id, shown in front of its lines ('#3 < "
        "hello') and as 'conn' in JSON.\n"
        "Each line of standard input is sent to every client (see the input options for other framings). What "
        "is read while no client is connected is kept, and sent to the first client that connects. The end of "
        "piped input does not stop the server. On a terminal, lines are typed in a line editor with history, "
        "slash commands talk to one client (/to), list (/list) or close (/kick) them, and Ctrl-D quits.\n"
        "Nothing clients send is dropped: when standard output's reader falls behind, clients are no longer read "
        "until it catches up (TCP then slows them). Input is read as fast as the quickest client takes it; a "
        "client that stops reading is closed with 1008 once its unsent data stays over --max-backlog for 10 s.\n"
        "A plain HTTP GET gets a 426 page saying this is a WebSocket endpoint. A client that offers subprotocols "
        "gets its first offer answered, or with -s its first offer among those listed. Web pages of other sites "
        "are refused with 403 (see --origin): clients that send no Origin (terminals, scripts, apps) and the "
        "server's own origin are let in. With --token, every client needs the secret. SIGINT, SIGTERM or /quit "
        "close every connection with 1001 and exit.\n"
        "With --exec, listen is a bridge to a program instead, websocketd's model: each client gets its own "
        "process, whose stdout lines are sent to the client and whose stdin gets the client's messages (see "
        "--exec). With --to, each client is relayed to its own TCP or Unix-socket connection instead, "
        "websockify's model (a browser's VNC client, ssh through a WebSocket gateway; see --to). With --replay, "
        "each client talks to a recorded server instead (a mock for a front end; see --replay). Standard input "
        "is not read then, and only connections are printed.",
        {{"wskit listen 9000", "show what clients of ws://127.0.0.1:9000/ send, and type answers"},
         {"wskit listen --once 9000 > got.txt", "like nc -l: take one client, save what it sends, exit when it leaves"},
         {"tail -f app.log | wskit listen 9000", "broadcast a program's output to every connected browser"},
         {"wskit listen --json --origin https://app.example.test 0.0.0.0:9000",
          "accept one site's pages from any interface, log events as JSON"},
         {"wskit listen 9000 --exec cat", "each client talks to its own cat: an echo server"},
         {"wskit listen 6080 --to tcp:127.0.0.1:5900", "noVNC in a browser reaches a VNC server, as websockify does"},
         {"wskit listen 9000 --pty --exec python3 bot.py", "a Python script that never flushes still answers line by line"},
         {"wskit listen --host 0.0.0.0 --token s3cret 9000 --exec-stderr client --exec python3 -q -u -i",
          "a Python prompt for clients that know the secret, tracebacks included"}},
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
    // Required, with a word about --exec taking the rest of the line (see below).
    auto* address = sub->get_option("address");
    add_output_options(ctx, *sub, c->output);
    add_input_options(ctx, *sub, c->input);
    add_option(ctx, *sub, "-s,--subprotocol", c->subprotocols,
               "Accept only this subprotocol (repeatable); default: answer the client's first offer",
               "Answer only these subprotocols (repeatable): a client gets its first offer that is among them. "
               "Without -s, a client's first offer is answered whatever it is, so that browsers and Node's ws, "
               "which fail a connection whose answer names none of their offers, connect. A client that offers "
               "subprotocols none of which is accepted is let in without one, with a line on stderr naming its "
               "offers.",
               Complete::text)
        ->allow_extra_args(false)  // one value each time: "-s chat 9000" leaves 9000 to the address
        ->option_text("NAME");
    add_access_options(ctx, *sub, c->access);
    add_flag(ctx, *sub, "--once", c->once,
             "Serve one client, exit when it leaves (0 for close 1000/1001, 6 otherwise)",
             "Serve one client and exit when it leaves, with that connection's status: 0 when it closed with 1000 "
             "or 1001, 6 otherwise. Other clients get 503 meanwhile. Usable like nc -l in scripts.");
    add_exec_options(ctx, *sub, c->exec, ExecRole::listen);
    add_option(ctx, *sub, "--to", c->to, "Relay each client to its own TCP or Unix-socket connection (tcp:HOST:PORT, unix:PATH)",
               "Relay each client to its own connection to TARGET, tcp:HOST:PORT (tcp:[::1]:22 for IPv6) or "
               "unix:PATH, as websockify does: what the target sends goes to the client as binary messages (see "
               "--text), and each message from the client goes to the target as its bytes. The target's end of "
               "its connection (EOF) closes the client with 1000 after what it sent; a reset, or a target that "
               "cannot be reached, closes it with 1011 and the reason; the client's close ends the target's "
               "connection once what it sent is written, or resets it (TCP RST) when the client's connection "
               "broke: dropped without a close, or closed with a code that says what went wrong (1002-1003, "
               "1007-1014). A side that does not read stops the reading of the "
               "other. Standard input is not read then, and only connections are printed (-v adds each pair's "
               "connection and its byte counts). The origin policy applies: a web page of another site must not "
               "reach your SSH or VNC port through a browser.",
               Complete::text)
        ->option_text("TARGET");
    add_flag(ctx, *sub, "--text", c->text,
             "With --to: send what the target sends as text messages when it is valid UTF-8");
    add_record_options(ctx, *sub, c->record);
    add_option(ctx, *sub, "--replay", c->replay, "Answer each client as the server of a recording did (a mock server)",
               "Be the server of a recording (wskit's --record NDJSON or HAR, or a browser's HAR; its first "
               "connection): each client gets that server's answer (its subprotocol, when the client offers it, and its "
               "other headers, like Set-Cookie), "
               "then the messages the server sent before the client's first one, then, each time the client has "
               "sent as many messages as it had then, the ones that followed (with --replay-timing, each at its "
               "recorded time after the open instead). A client message that differs from the recorded one is said "
               "on stderr ('#3 message differs from the recording: expected ..., received ...'), and the "
               "conversation goes on. Lets a front end work against a captured backend. Standard input is not read, "
               "and only connections are printed.",
               Complete::file)
        ->option_text("FILE");
    add_flag(ctx, *sub, "--replay-timing", c->replay_timing,
             "With --replay: send the server's messages at their recorded times, whatever the client sends");
    ctx.checks.emplace_back(sub, [c, address] {
        int bridges = c->exec.enabled() + !c->to.empty() + !c->replay.empty();
        if (bridges > 1) throw CLI::ValidationError("--to, --exec and --replay cannot go together: choose one bridge");
        if (c->replay_timing && c->replay.empty()) throw CLI::ValidationError("--replay-timing goes with --replay FILE");
        if (!c->record.path.empty() && (c->exec.enabled() || !c->to.empty() || !c->replay.empty()))
            throw CLI::ValidationError("--record records listen's own conversations, not a bridge's: record on the "
                                       "client's side (wskit connect --record), or put wskit proxy --record in front");
        if (c->text && c->to.empty()) throw CLI::ValidationError("--text goes with --to");
        if (address->count() > 0) return;
        throw CLI::ValidationError(missing_address(c->exec));
    });
    sub->callback([c, &ctx] { ctx.run = [c] { return run(*c); }; });
}

}  // namespace wskit::cli
