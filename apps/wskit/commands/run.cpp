// wskit run: scripted sessions that CI can run.
#include "commands.hpp"

#include <wskit/tool/run.hpp>

#include <cmath>
#include <memory>
#include <unistd.h>

namespace wskit::cli {
namespace {

struct RunCommand {
    std::vector<std::string> args;  // SCRIPT... [URL]
    ClientFlags client;
    OutputFlags output;
    double timeout = 5;
    std::size_t jobs = 1;
    std::string junit;
};

// The last argument is the URL when it reads as one and names no file.
bool looks_like_url(const std::string& arg) {
    for (const char* scheme : {"ws://", "wss://", "http://", "https://", "ws+unix://", "wss+unix://"})
        if (arg.rfind(scheme, 0) == 0) return ::access(arg.c_str(), F_OK) != 0;
    return false;
}

int run(const RunCommand& c) {
    RunOptions o;
    o.scripts = c.args;
    if (o.scripts.size() > 1 && looks_like_url(o.scripts.back())) {
        o.url = o.scripts.back();
        o.scripts.pop_back();
    }
    o.client = c.client.resolve(o.url.empty() ? "ws://localhost/" : o.url);
    c.client.print_warnings(o.client);
    o.expect_timeout = std::chrono::milliseconds(std::llround(c.timeout * 1000));
    o.jobs = c.jobs;
    o.junit = c.junit;
    o.output = c.output.resolve();
    if (o.output.format == OutputFormat::raw) o.output.format = OutputFormat::human;  // results have no raw form
    o.verbosity = c.client.verbosity;
    return run_scripts(o);
}

}  // namespace

void register_run(CLI::App& app, Context& ctx) {
    auto c = std::make_shared<RunCommand>();
    CommandDoc doc{
        "wskit run [OPTIONS] SCRIPT... [URL]",
        "Runs scripted WebSocket sessions: each SCRIPT connects, sends, and expects what the server answers, one "
        "statement per line, and fails at the first step that does not go as written. A line per script says "
        "PASS or FAIL; a failure names the script's line, what was expected, what came instead and the last "
        "messages received. Scripts are all read first (a syntax error, with its line and column, is exit 2 "
        "before anything runs), then run in order, or --jobs at once. With URL (given last), every script "
        "connects there instead of the URLs it names, and a script that does not start with connect connects "
        "there first: the same script runs against a local build and against staging.",
        {{"wskit run login.ws", "run a script; exit 0 when every step passed"},
         {"wskit run --junit report.xml tests/*.ws ws://127.0.0.1:9000/", "every script against a local server, "
                                                                          "with a JUnit report for CI"},
         {"TOKEN=s3cret wskit run -j 4 smoke/*.ws", "four scripts at a time; $TOKEN comes from the environment"}},
        {{ExitCode::ok, "every script passed"},
         {ExitCode::runtime, "a step failed (or the JUnit report could not be written)"},
         {ExitCode::usage, "bad options, or a script that cannot be read or parsed"},
         {ExitCode::connect, "a connection could not be made"},
         {ExitCode::tls, "TLS failed"},
         {ExitCode::handshake, "a server refused the handshake"},
         {ExitCode::timeout, "a handshake did not complete in time"},
         {ExitCode::interrupted, "interrupted by SIGINT"},
         {ExitCode::terminated, "terminated by SIGTERM"}},
        /*reads_input=*/false};
    doc.sections.push_back(
        {"SCRIPTS",
         {{"Lines", "One statement per line. A line starting with # is a comment, and so is the rest of a line from "
                    "a # after a space (outside a quoted string, a JSON value or a /regex/). A message is written as "
                    "it is to the end of the line, or \"quoted\" with JSON's escapes (\\n, \\t, \\\", \\\\, \\$), or "
                    "as a JSON value, {...} or [...]. $NAME and ${NAME} are replaced by a variable captured with "
                    "'as NAME', else the environment's; $$ is a dollar sign; an unknown variable fails the step."},
          {"connect URL [-H \"Name: value\"]... [-s PROTOCOL]...",
           "Opens the connection (closing one that is open), with these headers and subprotocols added to the "
           "command line's."},
          {"send MESSAGE", "Sends a text message."},
          {"send-binary HEX", "Sends a binary message, given in hex (00ff10)."},
          {"ping [MESSAGE]", "Sends a ping; 'expect pong' waits for its answer."},
          {"expect MESSAGE [within DURATION]",
           "The next message received is this text exactly; when MESSAGE is a JSON value, the next message is "
           "JSON holding at least its members with the same values (a subset: {\"ok\":true} matches "
           "{\"ok\":true,\"id\":7}; arrays match element by element). Every expect waits for at most DURATION "
           "(2s, 500ms, 1.5s; default --timeout) and takes the next message: one that does not match fails the "
           "step at once. Quote a MESSAGE that starts with a keyword below."},
          {"expect /REGEX/ [within DURATION] [as NAME]",
           "The next message is text that RE2's REGEX matches somewhere; 'as NAME' keeps its capturing group (or "
           "the whole message) in $NAME: expect /\"id\":(\\d+)/ as ID, then send {\"ack\":$ID}."},
          {"expect N messages [within DURATION]", "Takes the next N messages, whatever they are."},
          {"expect binary HEX [within DURATION]", "The next message is binary, with these bytes."},
          {"expect pong [MESSAGE] [within DURATION]", "A pong came (with this payload)."},
          {"expect close [CODE] [within DURATION]", "The server closed (with this code)."},
          {"sleep DURATION", "Waits; messages that arrive meanwhile stay for the next expect."},
          {"close [CODE [REASON]]", "Closes the connection (1000 by default)."},
          {"repeat N { ... }", "Runs the lines up to a } on its own line N times; blocks nest."},
          {"The end", "When the last line has run, the connection is closed with 1000 and the script passed."}}});
    auto* sub = add_command(ctx, app, "run", "", "Run scripted sessions: send this, expect that; exit 1 when not",
                            std::move(doc));
    add_option(ctx, *sub, "script", c->args, "Scripts to run, then the URL they connect to (optional)", {},
               Complete::file)
        ->required()
        ->option_text("SCRIPT... [URL]");
    add_handshake_options(ctx, *sub, c->client);
    add_connect_timeout_option(ctx, *sub, c->client);
    add_client_tls_options(ctx, *sub, c->client, /*short_n_alias=*/false);
    add_unix_socket_option(ctx, *sub, c->client);
    add_flag(ctx, *sub, "-v,--verbose", c->client.verbosity, "Show each step on stderr as it runs");
    add_output_options(ctx, *sub, c->output);
    add_option(ctx, *sub, "--timeout", c->timeout, "Seconds an expect waits without 'within' (default 5)", {},
               Complete::number)
        ->check(positive_seconds_validator())->option_text("SECS");
    add_option(ctx, *sub, "-j,--jobs", c->jobs, "Run N scripts at once (default 1)", {}, Complete::number)
        ->check(CLI::Range(1, 1000))->option_text("N");
    add_option(ctx, *sub, "--junit", c->junit, "Write a JUnit XML report to FILE (a test case per script)",
               "Write a JUnit XML report to FILE when every script has run: one test case per script, a failed one "
               "with its step as the failure's message and the details as its text, which CI systems (GitLab, "
               "Jenkins, GitHub's test reporters) show.",
               Complete::file)
        ->option_text("FILE");
    sub->callback([c, &ctx] { ctx.run = [c] { return run(*c); }; });
}

}  // namespace wskit::cli
