// wskit connect: talk to a ws:// or wss:// server.
#include "commands.hpp"

#include <wskit/connect.hpp>

#include <memory>

namespace wskit::cli {
namespace {

struct ConnectCommand {
    std::string url;
    ClientFlags client;
    OutputFlags output;
    InputFlags input;
    std::vector<std::string> execute;
    double wait = 0;
    bool once = false;
    std::size_t count = 0;
    std::string until;
    double timeout = 0;
    bool keep_open = false;
    int close_code = 1000;
    std::string close_reason;
};

int run(const ConnectCommand& c) {
    ConnectOptions o;
    o.client = c.client.resolve(c.url);
    o.output = c.output.resolve();
    o.output.show_outgoing = o.output.format == OutputFormat::human;
    o.framing = c.input.framing();
    o.encoding = c.input.encoding();
    o.slash = c.input.slash;
    o.execute = c.execute;
    o.wait_seconds = c.wait;
    if (c.once) o.count = 1;
    if (c.count > 0) o.count = c.count;
    o.until = c.until;
    o.timeout_seconds = c.timeout;
    o.keep_open = c.keep_open;
    o.close_code = c.close_code;
    o.close_reason = c.close_reason;
    o.verbosity = c.client.verbosity;
    return run_connect(o);
}

}  // namespace

void register_connect(CLI::App& app, Context& ctx) {
    auto c = std::make_shared<ConnectCommand>();
    auto* sub = add_command(
        ctx, app, "connect", "c", "Talk to a ws:// or wss:// server, interactively or from a script",
        {"wskit connect [OPTIONS] URL",
         "Opens a WebSocket connection to URL and joins it to the terminal or to a pipeline. Each line of "
         "standard input is sent as a text message (see the input options for other framings); every message "
         "received is printed on standard output. At the end of input, wskit waits --wait seconds, sends a close "
         "frame (1000), prints what still arrives until the server's close, and exits.\n"
         "URL is ws://, wss://, http:// or https:// (taken as ws:// and wss://), or a bare host:port/path (ws://). "
         "IPv6 literals go in brackets: ws://[::1]:9000/. Every resolved address is tried.",
         {{"wskit connect ws://127.0.0.1:9000/", "an interactive session"},
          {"echo hello | wskit connect -1 ws://127.0.0.1:9000/", "send one message, print the first reply, exit"},
          {"wskit connect -x '{\"op\":\"sub\"}' --count 10 --json wss://example.test/feed",
           "subscribe and print ten messages as JSON lines"},
          {"seq 1 100000 | wskit connect ws://127.0.0.1:9000/ > echoes.txt", "a pipeline"}}});
    add_option(ctx, *sub, "url", c->url, "ws://, wss://, http(s):// or host:port/path", {}, Complete::url)
        ->required();
    add_client_options(ctx, *sub, c->client);
    add_output_options(ctx, *sub, c->output);
    add_input_options(ctx, *sub, c->input);
    add_option(ctx, *sub, "-x,--execute", c->execute, "Send this message after opening (repeatable); stdin is not read",
               {}, Complete::text);
    add_option(ctx, *sub, "-w,--wait", c->wait, "Seconds to wait after the end of input before closing (default 0)",
               {}, Complete::number)
        ->check(CLI::NonNegativeNumber);
    add_flag(ctx, *sub, "-1,--once", c->once, "Exit after the first message received");
    add_option(ctx, *sub, "--count", c->count, "Exit after N messages received (exit 7 if the connection ends first)",
               {}, Complete::number);
    add_option(ctx, *sub, "--until", c->until, "Exit after a text message matching this regex (ECMAScript)", {},
               Complete::text);
    add_option(ctx, *sub, "-m,--timeout,--max-time", c->timeout,
               "Bound the whole run to SECS; when it elapses, close and exit 7", {}, Complete::number)
        ->check(CLI::NonNegativeNumber);
    add_flag(ctx, *sub, "--keep-open", c->keep_open, "Stay connected after the end of input");
    add_option(ctx, *sub, "--close-code", c->close_code, "Close code to send (default 1000)", {}, Complete::number)
        ->check(CLI::Range(1000, 4999));
    add_option(ctx, *sub, "--close-reason", c->close_reason, "Close reason to send", {}, Complete::text);
    sub->callback([c, &ctx] { ctx.run = [c] { return run(*c); }; });
}

}  // namespace wskit::cli
