// wskit connect: talk to a ws:// or wss:// server.
#include "commands.hpp"

#include <wskit/tool/connect.hpp>

#include <cstdio>
#include <memory>
#include <unistd.h>

namespace wskit::cli {
namespace {

struct ConnectCommand {
    std::string url;
    ClientFlags client;
    OutputFlags output;
    InputFlags input;
    std::vector<std::string> execute;
    double wait = 0.5;  // long enough for a reply on any network, short enough for a script
    bool once = false;
    std::size_t count = 0;
    std::string until;
    double timeout = 0;
    bool keep_open = false;
    int close_code = 1000;
    std::string close_reason;
    double ping_interval = 0;
    double ping_timeout = 0;
    bool reconnect = false;
    int reconnect_max = 0;
    bool no_history = false;
    bool stdio = false;
    std::string tcp_listen;  // --tcp-listen [HOST:]PORT
    bool tcp_listening = false;  // --tcp-listen was given (an empty value is an error)
    ExecFlags exec;
    RecordFlags record;
};

std::chrono::milliseconds to_ms(double seconds) {
    return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

int run(const ConnectCommand& c) {
    ConnectOptions o;
    o.client = c.client.resolve(c.url);
    o.client.ping_interval = to_ms(c.ping_interval > 0 ? c.ping_interval : c.ping_timeout);
    o.client.ping_timeout = to_ms(c.ping_timeout);
    o.output = c.output.resolve();
    // A person at a terminal gets the line editor, with slash commands; the
    // typed line stays on screen, so human output does not repeat sent
    // messages there. JSON always has them ("dir":"out"); raw never.
    o.interactive = c.execute.empty() && ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
    o.output.show_outgoing = o.output.format == OutputFormat::human && !o.interactive;
    o.framing = c.input.framing();
    o.output.null_terminated = c.input.null;
    o.encoding = c.input.encoding();
    o.slash = c.input.slash || o.interactive;
    o.history = !c.no_history;
    o.follow_redirects = c.client.follow_redirects || c.client.location_trusted;
    o.location_trusted = c.client.location_trusted;
    o.max_redirects = c.client.max_redirects;
    o.reconnect = c.reconnect;
    o.reconnect_max = c.reconnect_max;
    c.client.print_warnings(o.client);
    o.execute = c.execute;
    o.wait_seconds = c.wait;
    o.once = c.once && c.count == 0;
    if (c.once) o.count = 1;
    if (c.count > 0) o.count = c.count;
    o.until = c.until;
    o.timeout_seconds = c.timeout;
    o.keep_open = c.keep_open;
    o.record = c.record.resolve(RecordRole::client);
    o.close_code = c.close_code;
    o.close_reason = c.close_reason;
    o.verbosity = c.client.verbosity;
    o.output.verbose = o.verbosity > 0;  // says why --pretty left a payload as it is
    if (c.stdio) {
        // A byte stream both ways (ssh's ProxyCommand): each read of stdin
        // goes as a binary message, payloads come out as they are.
        o.framing = InputFraming::stream;
        o.encoding = InputEncoding::binary;
        o.output.format = OutputFormat::raw;
        o.output.stream = true;
        o.output.show_outgoing = false;
        o.interactive = false;
        o.slash = false;
    }
    if (c.tcp_listening) {
        o.tcp_listen = parse_listen_address(c.tcp_listen);
        return run_tcp_tunnel(o);
    }
    if (c.exec.enabled()) {
        o.exec = c.exec.resolve(c.input.binary);
        o.exec->max_message = c.client.max_size;
        // Only the connection's open and close are printed: human lines
        // into a pipe too (raw output would print nothing), as listen --exec.
        if (c.output.output == "auto" && !c.output.raw && !c.output.json) o.output.format = OutputFormat::human;
        return run_exec_client(o);
    }
    return run_connect(o);
}

CommandDoc connect_doc() {
    CommandDoc doc{
        "wskit connect [OPTIONS] URL",
        "Opens a WebSocket connection to URL and joins it to the terminal or to a pipeline. Each line of "
        "standard input is sent as a text message (see the input options for other framings); every message "
        "received is printed on standard output. At the end of input, wskit waits until the server has been "
        "silent for --wait seconds (0.5 by default), then closes with 1000 and still prints what arrives until "
        "the server's close.\n"
        "URL is ws://, wss://, http:// or https:// (taken as ws:// and wss://), or a bare host:port/path (ws://). "
        "A bare port, 9000 or :9000, means ws://127.0.0.1:9000/, as wskit listen 9000 serves. IPv6 literals go "
        "in brackets: ws://[::1]:9000/. Every resolved address is tried.\n"
        "The server's pings are answered one pong at a time: a ping that arrives while the last pong is still "
        "being written is answered once it has gone, and only the latest of such pings is (RFC 6455 5.5.3), so "
        "that a server that pings and never reads cannot make the client hold its answers. A server that leaves "
        "some 250 such pings owing stops being read until it takes the pong; one that leaves them owing for 5 s, "
        "or floods some 4000 of them at once, is closed with 1008 (exit 6). handshake-inspect does the same.",
        {{"wskit connect ws://127.0.0.1:9000/", "an interactive session"},
         {"echo hello | wskit connect -1 ws://127.0.0.1:9000/", "send one message, print the first reply, exit"},
         {"wskit connect -x '{\"op\":\"sub\"}' --count 10 --json wss://example.test/feed",
          "subscribe and print ten messages as JSON lines"},
         {"seq 1 100000 | wskit connect ws://127.0.0.1:9000/ > echoes.txt", "a pipeline"},
         {"ssh -o ProxyCommand='wskit connect --stdio wss://gw.example.test/ssh' host",
          "ssh through a WebSocket gateway (wskit listen --to tcp:127.0.0.1:22 on the other side)"}}};
    doc.slash_commands = client_slash_commands();
    doc.slash_intro =
        "On a terminal (and in piped input with --slash), these lines are commands. Any other line starting with "
        "a slash is the server's: it is sent as a text message, as typed, so a chat's /nick, /me or /who works "
        "(at the prompt, the first one sent says so)";
    return doc;
}

}  // namespace

void register_connect(CLI::App& app, Context& ctx) {
    auto c = std::make_shared<ConnectCommand>();
    auto* sub = add_command(ctx, app, "connect", "c", "Talk to a ws:// or wss:// server, interactively or from a script",
                            connect_doc());
    add_option(ctx, *sub, "url", c->url, "ws://, wss://, http(s)://, host:port/path, or a port of 127.0.0.1", {},
               Complete::url)
        ->required()
        ->option_text("URL");
    add_client_options(ctx, *sub, c->client);
    add_http2_options(ctx, *sub, c->client);
    add_output_options(ctx, *sub, c->output);
    add_input_options(ctx, *sub, c->input);
    add_option(ctx, *sub, "-x,--execute", c->execute, "Send this message after opening (repeatable); stdin is not read",
               {}, Complete::text)
        ->allow_extra_args(false)  // one value each time: "-x hi URL" leaves URL to the URL
        ->option_text("MESSAGE");
    add_option(ctx, *sub, "-w,--wait", c->wait,
               "At the end of input, close once the server has been silent for SECS (default 0.5)",
               "At the end of input (or after the last -x message), wskit writes everything queued, waits until the "
               "server has been silent for SECS seconds (default 0.5), then closes with 1000 and still prints what "
               "arrives until the server's close: servers that stop answering once they get a close frame (Python "
               "websockets, Node ws, most asyncio and Go servers) have their replies printed. -w 0 closes as soon as "
               "everything is written; --keep-open never closes at the end of input. --count, -1 and --until follow "
               "the same rule: not met once the server has been silent for SECS, they end the run with exit 7 "
               "('--count not reached (1 of 2)'), so that a script never hangs.",
               Complete::number)
        ->check(seconds_validator())->option_text("SECS");
    add_flag(ctx, *sub, "-1,--once", c->once, "Exit after the first message received",
             "Exit after the first message received; exit 7 when the connection ends first, or when none has come "
             "once the input has ended and the server has been silent for --wait seconds.");
    add_option(ctx, *sub, "--count", c->count,
               "Exit after N messages received (exit 7 if the connection ends or the server falls silent first)",
               "Exit after N messages received. Exit 7 ('--count not reached (1 of 2)') when the connection ends "
               "first, or when, after the end of input, the server has been silent for --wait seconds; --keep-open "
               "waits as long as it takes.",
               Complete::number)
        ->check(count_validator())
        ->option_text("N");
    add_option(ctx, *sub, "--until", c->until, "Exit after a text message matching this regex (RE2 syntax)",
               "Exit after a text message matching REGEX (RE2 syntax, matched anywhere in the message). Exit 7 "
               "('--until not matched') when the connection ends first, or when, after the end of input, the server "
               "has been silent for --wait seconds; --keep-open waits as long as it takes.",
               Complete::text)
        ->option_text("REGEX");
    add_option(ctx, *sub, "-m,--timeout,--max-time", c->timeout,
               "Bound the whole run to SECS; when it elapses, close and exit 7", {}, Complete::number)
        ->check(seconds_validator())->option_text("SECS");
    add_flag(ctx, *sub, "--keep-open", c->keep_open, "Stay connected after the end of input",
             "Stay connected after the end of input, until the server closes or another exit condition holds "
             "(--count, --until, --timeout, a signal): --count and --until then wait for the server as long as it "
             "takes.");
    add_option(ctx, *sub, "--close-code", c->close_code, "Close code to send (default 1000)",
               "The close code wskit sends when it closes (default 1000): 1000-1003, 1007-1014 or 3000-4999. "
               "1005, 1006 and 1015 only report what happened and are never sent (RFC 6455 7.4).",
               Complete::number)
        ->check(close_code_validator())->option_text("CODE");
    add_option(ctx, *sub, "--close-reason", c->close_reason, "Close reason to send (UTF-8, at most 123 bytes)", {},
               Complete::text)
        ->check(close_reason_validator())->option_text("TEXT");
    add_option(ctx, *sub, "--ping-interval", c->ping_interval, "Send a ping every SECS while connected", {},
               Complete::number)
        ->check(seconds_validator())->option_text("SECS");
    add_option(ctx, *sub, "--ping-timeout", c->ping_timeout,
               "Drop the connection (exit 6) when a ping gets no pong within SECS",
               "Drop the connection when a ping gets no pong within SECS: the connection counts as closed "
               "abnormally (1006, exit 6), or is reconnected with --reconnect. Without --ping-interval, pings are "
               "sent every SECS.",
               Complete::number)
        ->check(seconds_validator())->option_text("SECS");
    add_flag(ctx, *sub, "--reconnect", c->reconnect,
             "Reconnect after a drop, with exponential backoff and jitter",
             "When the connection drops or cannot be made, connect again after 0.5 s, 1 s, 2 s... (at most 30 s, "
             "with jitter), and report each attempt (a 'reconnect' event in JSON). Input read meanwhile waits and "
             "is sent after reconnecting. The end of input, a close you asked for, --count, --timeout and signals "
             "still end the session.");
    add_flag(ctx, *sub, "--no-history", c->no_history,
             "Keep no history of typed lines on disk (see WSKIT_HISTORY)",
             "At the interactive prompt, keep the history of typed lines for this session only: nothing is read "
             "from or written to the history file. By default every line typed is saved (up to 1000, in a file "
             "only its owner may read) to $WSKIT_HISTORY, else $XDG_STATE_HOME/wskit/history, else "
             "~/.local/state/wskit/history, and recalled with the arrow keys in later sessions; tokens and "
             "passwords typed into messages land there too. WSKIT_HISTORY= (empty) turns it off for every session, "
             "as this flag does for one.");
    add_option(ctx, *sub, "--reconnect-max", c->reconnect_max,
               "Give up after N reconnect attempts in a row (default: never)", {}, Complete::number)
        ->check(count_validator())->option_text("N");
    add_flag(ctx, *sub, "--stdio", c->stdio,
             "Relay stdin and stdout as a byte stream in binary messages (ssh ProxyCommand)",
             "Relay standard input and output as a byte stream, as websocat's binary mode and netcat do: each read "
             "of standard input goes as a binary message, with no framing by lines, and the payload of every "
             "message received (text or binary) is written to standard output as it is, with nothing between "
             "them. This is how ssh reaches a server through a WebSocket gateway: ssh -o "
             "ProxyCommand='wskit connect --stdio wss://gw.example.test/ssh' host. At the end of input the "
             "connection closes as usual (see --wait). It takes no input or output format options.");
    auto* tcp_listen = add_option(ctx, *sub, "--tcp-listen", c->tcp_listen,
               "Listen on [HOST:]PORT; each TCP connection there gets its own WebSocket, bytes relayed both ways",
               "Instead of a session on standard input and output, listen for TCP connections on [HOST:]PORT "
               "(127.0.0.1 unless a host is given; port 0 picks a free one, said on stderr as 'listening on "
               "tcp:HOST:PORT'): each one opens its own WebSocket to URL, what the local program sends goes as "
               "binary messages and what the server sends comes back as bytes (the twin of listen --to). The "
               "local side's end (EOF) closes the WebSocket with 1000 once the server has been silent for --wait "
               "seconds, since a WebSocket cannot be half-closed and the answer must still come back (1001 at once "
               "after a reset); "
               "the WebSocket's end gives the local side what the server sent, then EOF, or a reset (TCP RST) when "
               "the WebSocket failed or broke (as listen --to). -v says each connection's "
               "open and end with byte counts. Runs until SIGINT or SIGTERM.",
               Complete::text)
        ->option_text("[HOST:]PORT");
    add_exec_options(ctx, *sub, c->exec, ExecRole::connect);
    add_record_options(ctx, *sub, c->record);
    ctx.checks.emplace_back(sub, [c, tcp_listen] {
        c->tcp_listening = tcp_listen->count() > 0;
        if (c->tcp_listening && c->tcp_listen.empty())
            throw CLI::ValidationError("--tcp-listen needs [HOST:]PORT, like --tcp-listen 2222");
        if (c->tcp_listening && (c->stdio || !c->execute.empty() || c->reconnect || c->exec.enabled() ||
                                 !c->record.path.empty()))
            throw CLI::ValidationError("--tcp-listen relays local connections: it takes no --stdio, -x, --exec, "
                                       "--record or --reconnect");
        if (c->exec.enabled() && (c->stdio || !c->execute.empty() || c->reconnect || c->once || c->count ||
                                  !c->until.empty() || c->keep_open))
            throw CLI::ValidationError("--exec gives the connection to the program: it takes no --stdio, -x, "
                                       "--reconnect, --count, --once, --until or --keep-open");
        const auto& in = c->input;
        bool framed = in.null || in.paragraph || in.whole || in.binary || in.hex || in.base64 || in.slash;
        if (c->stdio && (framed || c->output.json || c->output.raw || c->output.pretty || !c->execute.empty()))
            throw CLI::ValidationError("--stdio relays bytes as they are: it takes no input framing, output format "
                                       "or -x");
    });
    sub->callback([c, &ctx] { ctx.run = [c] { return run(*c); }; });
}

}  // namespace wskit::cli
