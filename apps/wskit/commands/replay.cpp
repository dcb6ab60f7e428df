// wskit replay: play a recorded conversation's client side against a server
// and say what changed.
#include "commands.hpp"

#include <wskit/tool/replay.hpp>

#include <cstdlib>
#include <memory>

namespace wskit::cli {
namespace {

struct ReplayCommand {
    std::string file;
    std::string url;
    ClientFlags client;
    OutputFlags output;
    double speed = 1;
    bool no_pacing = false;
    bool lockstep = false;
    std::vector<std::string> ignore;
    bool loose = false;
    double wait = 2;
    RecordFlags record;
};

int run(const ReplayCommand& c) {
    ReplayOptions o;
    o.path = c.file;
    // Without URL the recorded one is used; the flags' other options apply either way.
    o.client = c.client.resolve(c.url.empty() ? "ws://localhost/" : c.url);
    // Given, they win over the recorded headers as -H does.
    if (!c.client.user_agent.empty()) o.client.headers.push_back({"User-Agent", c.client.user_agent});
    if (!c.client.origin.empty()) o.client.headers.push_back({"Origin", c.client.origin});
    o.url_given = !c.url.empty();
    c.client.print_warnings(o.client);
    o.pacing = c.lockstep ? ReplayPacing::lockstep : c.no_pacing ? ReplayPacing::none : ReplayPacing::recorded;
    o.speed = c.speed;
    o.comparison.ignore = c.ignore;
    o.comparison.loose = c.loose;
    o.wait_seconds = c.wait;
    o.output = c.output.resolve();
    if (o.output.format == OutputFormat::raw) o.output.format = OutputFormat::human;  // a diff has no raw form
    o.record = c.record.resolve(RecordRole::client);
    o.verbosity = c.client.verbosity;
    return run_replay(o);
}

}  // namespace

void register_replay(CLI::App& app, Context& ctx) {
    auto c = std::make_shared<ReplayCommand>();
    CommandDoc doc{
        "wskit replay [OPTIONS] FILE [URL]",
        "Plays the client's side of a recorded conversation against a server and compares what the server sends "
        "with what it sent in the recording. FILE is a wskit recording (--record of connect, listen or proxy: "
        "NDJSON, or a HAR) or a HAR exported by a browser's devtools (Chromium's and Firefox's WebSocket entries, "
        "_webSocketMessages). Each connection in it is replayed in turn, against URL or else the URL recorded (a "
        "proxy's recording: its upstream), with the recorded request headers (Origin, User-Agent, cookies, custom "
        "ones: not the handshake's own, nor values masked as [hidden], which -H supplies; -H replaces a recorded "
        "header of its name) and the subprotocols offered (unless -s). The client's messages are sent in order, "
        "at their recorded times after the open (--speed, --no-pacing) or each once the server has sent as many "
        "messages as before it in the recording (--lockstep). The connection closes once every message was "
        "sent and every expected one came, or when the server has been silent for --wait seconds after that, "
        "with the recorded close code.\n"
        "The server's messages are compared in order: text exactly (with --ignore, JSON messages without the "
        "fields named), binary byte for byte; --loose compares only their number and types. Each difference is "
        "printed, 'message N differs' (expected and received), 'missing' or 'unexpected', then a line per "
        "connection; --json prints them as difference and replayed events. --record NEW records the replay "
        "itself, so that a server that changed on purpose is baselined again in one command.",
        {{"wskit replay session.ndjson", "replay against the recorded server; exit 0 when it answers the same"},
         {"wskit replay --ignore /id --ignore /ts session.har ws://127.0.0.1:9000/",
          "against a local build, ignoring fields that always change"},
         {"wskit replay --lockstep --record new.ndjson old.ndjson", "replay and record the new answers"}},
        {{ExitCode::ok, "the server sent what was recorded"},
         {ExitCode::runtime, "the server sent something else (see the differences), or a runtime error"},
         {ExitCode::usage, "bad options, or a FILE that is not a recording"},
         {ExitCode::connect, "the connection could not be made"},
         {ExitCode::tls, "TLS failed"},
         {ExitCode::handshake, "the server refused the handshake"},
         {ExitCode::abnormal_close, "the server closed with another code than 1000 or 1001 before the end"},
         {ExitCode::timeout, "the handshake did not complete in time"},
         {ExitCode::interrupted, "interrupted by SIGINT"},
         {ExitCode::terminated, "terminated by SIGTERM"}},
        /*reads_input=*/false};
    auto* sub = add_command(ctx, app, "replay", "", "Replay a recorded conversation against a server and compare",
                            std::move(doc));
    add_option(ctx, *sub, "file", c->file, "A recording: --record NDJSON, or a HAR (wskit's or a browser's)", {},
               Complete::file)
        ->required();
    add_option(ctx, *sub, "url", c->url, "The server to replay against (default: the recorded URL)", {}, Complete::url);
    add_handshake_options(ctx, *sub, c->client);
    add_connect_timeout_option(ctx, *sub, c->client);
    add_client_tls_options(ctx, *sub, c->client, /*short_n_alias=*/false);
    add_unix_socket_option(ctx, *sub, c->client);
    add_flag(ctx, *sub, "-v,--verbose", c->client.verbosity, "Show each handshake on stderr (curl -v)");
    add_output_options(ctx, *sub, c->output);
    add_option(ctx, *sub, "--speed", c->speed, "Play the recorded pacing N times faster (default 1)", {},
               Complete::number)
        ->check([](const std::string& text) {
            return std::strtod(text.c_str(), nullptr) > 0 ? std::string() : std::string("--speed is a number above 0");
        })
        ->option_text("N");
    add_flag(ctx, *sub, "--no-pacing", c->no_pacing, "Send the client's messages as fast as possible");
    add_flag(ctx, *sub, "--lockstep", c->lockstep,
             "Send each message once the server has sent what preceded it in the recording");
    add_option(ctx, *sub, "--ignore", c->ignore, "Leave out this JSON field when comparing (JSON Pointer; repeatable)",
               "Compare JSON messages without the member or element named by this JSON Pointer (RFC 6901), like "
               "/id or /data/0/timestamp, on both sides: for fields that change on every run. Repeatable.",
               Complete::text)
        ->check([](const std::string& text) { return json_pointer_problem(text); })
        ->allow_extra_args(false)  // one value each time: "--ignore /id FILE" leaves FILE alone
        ->option_text("POINTER");
    add_flag(ctx, *sub, "--loose", c->loose, "Compare only the number and types of the server's messages");
    add_option(ctx, *sub, "-w,--wait", c->wait,
               "Seconds of server silence after the last message sent before the rest is missing (default 2)", {},
               Complete::number)
        ->check(seconds_validator())->option_text("SECS");
    add_record_options(ctx, *sub, c->record);
    ctx.checks.emplace_back(sub, [c] {
        if (c->no_pacing && c->lockstep) throw CLI::ValidationError("--no-pacing and --lockstep: choose one pacing");
    });
    sub->callback([c, &ctx] { ctx.run = [c] { return run(*c); }; });
}

}  // namespace wskit::cli
