// wskit proxy: a debugging proxy that shows both legs of every conversation.
#include "commands.hpp"

#include <wskit/error.hpp>
#include <wskit/tool/proxy.hpp>
#include <wskit/url.hpp>

#include <fmt/format.h>

#include <memory>
#include <unistd.h>

namespace wskit::cli {
namespace {

struct ProxyCommand {
    ServerFlags server;      // the clients' side
    AccessFlags access;
    // The upstream's side: -H, --connect-timeout, --ca, -k, --tls-min,
    // --proxy, and --upstream-compress[=PARAMS] as its compress.
    ClientFlags upstream;
    std::string upstream_url;
    bool no_upstream_compress = false;
    bool fixed_path = false;
    bool keep_host = false;
    OutputFlags output;
    RecordFlags record;
    bool slash = false;
    bool once = false;
    // Faults.
    std::string leg = "both";
    std::string delay;
    std::size_t throttle = 0;
    std::size_t drop_every = 0;
    std::string close_after;
    std::string kill_after;
    std::size_t refuse_every = 0;
};

ProxyFaults resolve_faults(const ProxyCommand& c) {
    ProxyFaults f;
    f.legs = c.leg == "client" ? ProxyFaults::Legs::client
             : c.leg == "upstream" ? ProxyFaults::Legs::upstream
                                   : ProxyFaults::Legs::both;
    if (!c.delay.empty()) std::tie(f.delay, f.jitter) = parse_fault_delay(c.delay);
    f.throttle = c.throttle;
    f.drop_every = c.drop_every;
    if (!c.close_after.empty()) {
        auto close = parse_close_fault(c.close_after, true);
        f.close_after = close.trigger;
        f.close_code = close.code;
        f.close_reason = close.reason;
    }
    if (!c.kill_after.empty()) f.kill_after = parse_close_fault(c.kill_after, false).trigger;
    f.refuse_every = c.refuse_every;
    return f;
}

int run(const ProxyCommand& c) {
    ProxyOptions o;
    o.server = c.server.resolve();
    o.access = c.access.resolve();
    o.upstream = c.upstream.resolve(c.upstream_url);
    c.upstream.print_warnings(o.upstream);
    if (o.upstream.compress) o.upstream_compress = true;
    if (c.no_upstream_compress) o.upstream_compress = false;
    o.fixed_path = c.fixed_path;
    o.keep_host = c.keep_host;
    o.output = c.output.resolve();
    // Both legs' lines, into a pipe too: raw payloads would not say which
    // way each went.
    if (c.output.output == "auto" && !c.output.raw && !c.output.json) o.output.format = OutputFormat::human;
    o.output.verbose = c.server.verbosity > 0;
    o.verbosity = c.server.verbosity;
    o.interactive = ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
    o.slash = c.slash;
    o.once = c.once;
    o.faults = resolve_faults(c);
    o.record = c.record.resolve(RecordRole::proxy);
    return run_proxy(o);
}

void add_fault_options(Context& ctx, CLI::App& sub, ProxyCommand& c) {
    add_option(ctx, sub, "--leg", c.leg, "Which leg the faults act on: client, upstream or both (default)",
               "The leg the fault options act on: client (what the proxy sends to its clients, and their "
               "connections), upstream (what it sends to the server, and its connections to it) or both (the "
               "default). --refuse-every acts on the clients' upgrades whatever the leg.",
               Complete::choices, {"client", "upstream", "both"})
        ->option_text("LEG");
    add_option(ctx, sub, "--delay", c.delay, "Hold each message MS milliseconds, give or take JITTER (MS[±JITTER])",
               "Hold each message (and ping, pong) this many milliseconds before sending it on; MS±JITTER (or "
               "MS+-JITTER) adds a random amount between -JITTER and +JITTER to each. Messages keep their order: "
               "one never leaves before the one ahead of it.",
               Complete::number)
        ->option_text("MS[±JITTER]");
    add_option(ctx, sub, "--throttle", c.throttle, "Send at most BYTES of payload per second on each leg",
               "Send at most BYTES of payload per second on each connection of the leg; messages wait in order, "
               "and a side whose messages pile up is no longer read (TCP slows it down).",
               Complete::number)
        ->check(count_validator())->option_text("BYTES/S");
    add_option(ctx, sub, "--drop-every", c.drop_every, "Drop every Nth data message (said on stdout)",
               "Drop every Nth text or binary message on its way (counted per connection and direction); each "
               "dropped message is said on stdout, so that what the peer never got is on record.",
               Complete::number)
        ->check(count_validator())->option_text("N");
    add_option(ctx, sub, "--close-after", c.close_after,
               "Close after N messages or a time (2.5s), with CODE and REASON: N|SECSs[:CODE[:REASON]]",
               "Close each connection of the leg after N messages sent on it, or once it has been open for a time "
               "(2.5s, 300ms), with CODE (default 1000) and REASON; the other leg then gets the same close, as "
               "when a peer closes.",
               Complete::text)
        ->option_text("N|TIME[:CODE[:REASON]]");
    add_option(ctx, sub, "--kill-after", c.kill_after, "Drop the TCP connection after N messages or a time, no close frame",
               "Drop each connection of the leg (its TCP connection ends with no close frame, as when a network "
               "fails) after N messages sent on it, or once it has been open for a time (2.5s, 300ms); the other "
               "leg then gets 1014 (towards a client) or 1001 (towards the server), never 1006.",
               Complete::text)
        ->option_text("N|TIME");
    add_option(ctx, sub, "--refuse-every", c.refuse_every, "Answer every Nth upgrade with 503",
               "Answer every Nth client's upgrade with 503 Service Unavailable (and Retry-After: 1), without "
               "contacting the server: for testing clients' reconnect logic.",
               Complete::number)
        ->check(count_validator())->option_text("N");
}

void add_upstream_options(Context& ctx, CLI::App& sub, ProxyCommand& c) {
    add_header_option(ctx, sub, c.upstream);
    add_connect_timeout_option(ctx, sub, c.upstream);
    add_client_trust_options(ctx, sub, c.upstream, /*short_n_alias=*/false);
    add_proxy_option(ctx, sub, c.upstream);
    add_unix_socket_option(ctx, sub, c.upstream);
    add_flag(ctx, sub, "--upstream-compress", c.upstream.compress,
             "Always offer permessage-deflate upstream; =PARAMS chooses the offer",
             "Offer permessage-deflate to the server whatever the client offered (by default the proxy offers it "
             "when the client did). --upstream-compress=PARAMS takes the parameters of connect's --compress. "
             "Compression is agreed on each leg on its own: the proxy inflates what it receives and prints the "
             "inflated payloads.")
        ->option_text("[=PARAMS]");
    add_flag(ctx, sub, "--no-upstream-compress", c.no_upstream_compress,
             "Never offer permessage-deflate upstream");
    add_flag(ctx, sub, "--fixed-path", c.fixed_path,
             "Send every client to UPSTREAM's path and query, ignoring the client's",
             "Every client's upstream connection goes to UPSTREAM's path and query as given. Without it, the "
             "client's path is appended to UPSTREAM's (ws://host/api + /feed = ws://host/api/feed) and both "
             "queries are kept.");
    add_flag(ctx, sub, "--keep-host", c.keep_host, "Send the client's Host header upstream",
             "Send the client's Host header to the server, instead of the upstream URL's host and port.");
}

}  // namespace

void register_proxy(CLI::App& app, Context& ctx) {
    auto c = std::make_shared<ProxyCommand>();
    CommandDoc doc{
        "wskit proxy [OPTIONS] [[HOST:]PORT] UPSTREAM",
        "Forwards each WebSocket client to UPSTREAM over a connection of its own, and prints everything that "
        "crosses either leg: '#1 C> hello' came from client 1 and went on to the server, '#1 <S {\"ok\":true}' "
        "came from the server and went on to the client; '#1 C: ...' and '#1 S: ...' lines say what happens to "
        "each leg (connected, closed, with codes and reasons). With --json, each event has 'conn', 'leg' "
        "('client' or 'upstream') and 'dir' as the leg sees it.\n"
        "The proxy is faithful. The client's upgrade waits for the server's answer: its headers (Origin, "
        "cookies, Authorization, User-Agent, any custom one) and its subprotocol offers go upstream, with the "
        "upstream's Host (--keep-host passes the client's); the server's answer (subprotocol chosen, cookies, "
        "custom headers) comes back, and a refusal (401, 404, a redirect) comes back as it was, body included. "
        "When the server cannot be reached the client gets 502 (504 after --connect-timeout), with the reason. "
        "Hop-by-hop headers and the handshake's own are made anew on each leg; permessage-deflate is agreed on "
        "each leg on its own (--compress for the clients, offered upstream when the client offered it), and "
        "payloads are printed inflated. Text stays text, binary stays binary, message boundaries are kept, pings "
        "and pongs cross with their payloads (the other side answers them), and close codes and reasons cross "
        "both ways. A leg that drops without a close closes the other with 1014 (towards the client) or 1001 "
        "(towards the server): 1006 never goes on the wire.\n"
        "Options for the clients' side are the server options (address, --cert, --key, --origin, --token, "
        "--max-clients, --max-size, --compress); those for the upstream side are a client's (-H, "
        "--connect-timeout, --ca, -k, --tls-min, --proxy, --upstream-compress). --max-size applies to both legs. "
        "Backpressure runs end to end: a client that does not read stops the proxy reading from the server, and "
        "the other way round, so memory stays bounded; a standard output that falls behind costs dropped lines "
        "(counted on stderr at exit), never a stalled relay.\n"
        "The fault options break the conversation on purpose, for testing how clients and servers cope: "
        "--delay, --throttle, --drop-every, --close-after, --kill-after and --refuse-every, on the leg --leg "
        "names. On a terminal (or with --slash from a pipe), slash commands inject messages and close pairs. "
        "SIGINT, SIGTERM or /quit close every pair with 1001 and exit.",
        {{"wskit proxy 9000 wss://api.example.test/feed", "see what a local app and the real server say"},
         {"wskit proxy -v --json 9000 ws://127.0.0.1:8080/ > trace.ndjson",
          "both handshakes on stderr, every event as JSON"},
         {"wskit proxy --cert c.pem --key k.pem 9443 ws://127.0.0.1:8080/", "serve wss:// in front of a ws:// server"},
         {"wskit proxy --delay 200±100 --drop-every 10 9000 ws://127.0.0.1:8080/",
          "a slow, lossy network between the client and the server"},
         {"wskit proxy --leg upstream --kill-after 30s 9000 ws://127.0.0.1:8080/",
          "the server's connection dies after 30 s: does the client reconnect?"}},
        {{ExitCode::runtime, "runtime error, such as an address already in use"},
         {ExitCode::usage, "bad options"},
         {ExitCode::tls, "the certificate or private key of --cert or --key cannot be loaded"},
         {ExitCode::abnormal_close, "with --once: the client's connection closed with a code other than 1000 or 1001"},
         {ExitCode::interrupted, "interrupted by SIGINT, after closing every pair"},
         {ExitCode::terminated, "terminated by SIGTERM, after closing every pair"}}};
    doc.reads_input = false;
    doc.slash_commands = proxy_slash_commands();
    doc.slash_intro = "On a terminal (and in piped input with --slash), lines are commands";
    auto* sub = add_command(ctx, app, "proxy", "p", "Forward clients to a server, showing both legs", std::move(doc));
    add_server_options(ctx, *sub, c->server, "0");
    auto* address = sub->get_option("address");
    add_option(ctx, *sub, "upstream", c->upstream_url, "ws:// or wss:// URL of the server to forward to",
               "The server to forward each client to, as a ws:// or wss:// URL. Its path is the base that each "
               "client's path is appended to (see --fixed-path).",
               Complete::url)
        ->option_text("UPSTREAM");
    add_access_options(ctx, *sub, c->access);
    add_upstream_options(ctx, *sub, *c);
    add_output_options(ctx, *sub, c->output);
    add_record_options(ctx, *sub, c->record);
    add_flag(ctx, *sub, "--slash", c->slash, "Read slash commands from standard input when it is not a terminal");
    add_flag(ctx, *sub, "--once", c->once,
             "Serve one client, exit when its pair is over (0 for close 1000/1001, 6 otherwise)");
    add_fault_options(ctx, *sub, *c);
    ctx.checks.emplace_back(sub, [c, address] {
        // One positional is the upstream: the address is then a free port.
        if (c->upstream_url.empty() && address->count() > 0) {
            c->upstream_url = c->server.address;
            c->server.address = "0";
        }
        if (c->upstream_url.empty())
            throw CLI::ValidationError("proxy needs the server to forward to, as in 'wskit proxy 9000 ws://127.0.0.1:8080/'");
        if (!c->upstream.compress.empty() && c->no_upstream_compress)
            throw CLI::ValidationError("--upstream-compress and --no-upstream-compress contradict each other");
    });
    sub->callback([c, &ctx] { ctx.run = [c] { return run(*c); }; });
}

}  // namespace wskit::cli
