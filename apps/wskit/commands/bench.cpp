// wskit bench: load-tests a WebSocket server. The engine is in the library
// (wskit/bench.hpp); this file holds the options, the progress line and the
// exit status.
#include "commands.hpp"

#include <wskit/tool/bench.hpp>
#include <wskit/tool/bench_files.hpp>
#include <wskit/url.hpp>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>
#include <unistd.h>

namespace wskit::cli {
namespace {

struct BenchCommand {
    std::vector<std::string> urls;  // fan-out may spread its receivers over several servers
    std::string mode = "echo";
    std::string size = "32";
    std::string stages;
    std::vector<std::string> fail_if;
    BenchOptions options;  // the options bound as they are; run() adds the rest
    BenchFiles files;
    OutputFlags output;  // only --output human|json and --json are registered
    bool quiet = false;
    ClientFlags client;
};

std::atomic<int> caught_signal{0};
extern "C" void on_signal(int signal) { caught_signal = signal; }

// SIGINT and SIGTERM end the run early; the results so far are printed.
void catch_signals() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

BenchMode mode_of(const std::string& name) {
    if (name == "fanout") return BenchMode::fanout;
    if (name == "handshake") return BenchMode::handshake;
    if (name == "idle") return BenchMode::idle;
    return BenchMode::echo;
}

int run(const BenchCommand& c) {
    BenchOptions o = c.options;
    o.mode = mode_of(c.mode);
    o.client = c.client.resolve(c.urls.front());
    for (std::size_t i = 1; i < c.urls.size(); ++i) {
        o.other_servers.push_back(parse_url(c.urls[i]));
        if (!c.client.unix_socket.empty()) use_unix_socket(o.other_servers.back(), c.client.unix_socket);
    }
    o.size = *parse_byte_size(c.size);  // checked by the option's validator
    if (!c.stages.empty()) o.stages = parse_bench_stages(c.stages);
    for (const auto& t : c.fail_if) o.fail_if.push_back(parse_bench_threshold(t));
    check_bench_files(c.files);
    c.client.print_warnings(o.client);
    catch_signals();

    bool live = !c.quiet && ::isatty(STDERR_FILENO);
    auto progress = [live](const BenchProgress& p) {
        if (live) std::fprintf(stderr, "\r%s\033[K", bench_progress_line(p).c_str());
    };
    auto result = run_bench(o, progress, [] { return caught_signal != 0; });
    if (live) std::fprintf(stderr, "\r\033[K");

    if (c.output.json || c.output.output == "json") {
        std::printf("%s\n", bench_json(result).c_str());
    } else {
        std::printf("%s", bench_summary(result).c_str());
    }
    std::fflush(stdout);
    write_bench_files(result, c.files);
    if (result.client_saturated) {
        std::fprintf(stderr,
                     "wskit: warning: wskit bench used %.0f %% of a core per thread: it may be the bottleneck, not "
                     "the server; try --threads %u\n",
                     result.client_cpu_percent / result.options.threads, result.options.threads + 1);
    }
    // Interrupted, the results so far are all there is; otherwise whether
    // they measured the server decides.
    if (caught_signal == SIGINT) return to_int(ExitCode::interrupted);
    if (caught_signal == SIGTERM) return to_int(ExitCode::terminated);
    auto verdict = bench_verdict(result);
    if (verdict.code != ExitCode::ok) std::fprintf(stderr, "wskit: %s\n", verdict.message.c_str());
    if (verdict.code != ExitCode::ok) return to_int(verdict.code);
    auto failures = bench_threshold_failures(result, result.options.fail_if);
    for (const auto& f : failures) std::fprintf(stderr, "wskit: --fail-if %s\n", f.c_str());
    return to_int(failures.empty() ? ExitCode::ok : ExitCode::runtime);
}

const CLI::Validator& size_validator() {
    static const CLI::Validator v(
        [](std::string& text) -> std::string {
            if (parse_byte_size(text)) return {};
            return "expects a size in bytes like 32, 4k or 1m (at most 1 GiB), not '" + text + "'";
        },
        "");
    return v;
}

const CLI::Validator& rate_validator() {
    static const CLI::Validator v(
        [](std::string& text) -> std::string {
            char* end = nullptr;
            double value = std::strtod(text.c_str(), &end);
            if (!text.empty() && *end == '\0' && value >= 0 && value < 1e9) return {};
            return "expects a number of messages per second (like 1000), not '" + text + "'";
        },
        "");
    return v;
}

const char* json_fields =
    "Print one JSON object on stdout instead of the table. Fields: mode, url (the first), urls (all), "
    "connections, senders, window, size, binary, rate (0: closed loop), threads, warmup_s; seconds (the measured "
    "window); sent and received (messages of the whole run); unanswered (echo: sent but not echoed when the run "
    "stopped; sent = received + unanswered); measured (echoes, deliveries, handshakes, or open connections in "
    "idle mode, in the measured window) and per_second; mb_per_second (payload received, 10^6 bytes/s); "
    "latency_us with count, min, mean, p50, p90, p99, p99_9 and max (microseconds: echo round trip, fan-out "
    "delivery or handshake; with --rate from the intended send time); lost and duplicated (fan-out, all "
    "receivers) and receivers (one object per receiver with received, lost, duplicated and server, its index in "
    "urls); opened and open_at_end; compression (null without --compress) with offer, agreed (connections) and "
    "params (null when none agreed); errors with total, connect, tls, handshake, timeout, closed, protocol and "
    "first (the first error's text); client_cpu_s, client_cpu_percent (of one core), client_cpu_us_per_message "
    "and client_saturated; server (null without --server-pid) with cpu_s, cpu_us_per_message, rss_before_kib, "
    "rss_after_kib and rss_per_connection_kib (idle); error (null when the run measured the server, else the "
    "line printed on stderr); connect_rate, stages (seconds, connections, rate: null for --rate), templates (how "
    "many --message), messages_from, match and script (null when not given); first_sent (--first messages sent), "
    "unmatched (replies paired with no request in flight), dropped (--stages open loop: messages due when no "
    "connection could take them); thresholds (one object per --fail-if: condition, held, message). Numbers are rounded to what they can tell: latencies to 0.1 microsecond, "
    "per_second to a whole message, mb_per_second and seconds to 3 decimals, CPU percent to 0.1.";

void add_load_options(Context& ctx, CLI::App& sub, BenchCommand& c) {
    add_option(ctx, sub, "--mode", c.mode, "What to measure: echo (default), fanout, handshake, idle",
               "echo: each connection sends messages and counts their echoes. fanout: --senders connections send "
               "stamped messages (sender, number, send time) to a server that relays every message to every "
               "client; the -c receivers count deliveries, delivery latency, and lost and duplicated messages (a "
               "relay keeps each sender's order, as one over TCP does: a number seen again is a duplicate, a gap "
               "is a loss, counted from the first message each receiver sees and up to the last one sent). The "
               "stamp may follow a prefix or sit in a JSON envelope (a broadcast-chat room's 'NAME: ' or its "
               "wskit.chat.v1.json 'text'); messages without one, like a room's join lines, are not counted. The "
               "senders start once every receiver is ready: the server has said something to it (a room's "
               "greeting comes once it has joined), or 250 ms have passed in silence. A "
               "broadcast-chat room closes a client that sends more than its --rate (10 messages a second by "
               "default) with 1008: start it with --rate 0 to measure it. "
               "handshake: -c parallel loops of connect, upgrade, close. idle: open -c connections and hold them; "
               "with --server-pid, the server's memory per connection.",
               Complete::choices, {"echo", "fanout", "handshake", "idle"});
    add_option(ctx, sub, "-c,--connections", c.options.connections, "Connections (fan-out receivers, handshake loops; default 10)",
               {}, Complete::number)->check(count_validator())->option_text("N");
    add_option(ctx, sub, "--senders", c.options.senders, "Fan-out senders (default 1)", {}, Complete::number)
        ->check(count_validator())->option_text("N");
    add_option(ctx, sub, "-w,--window", c.options.window, "Messages in flight per connection (echo; default 1)",
               "Messages in flight per connection in echo mode: each connection sends this many, then one more per "
               "echo. Default 1 (ping-pong); with --rate, the most that may wait for their echoes (default 1000).",
               Complete::number)->check(count_validator())->option_text("N");
    add_option(ctx, sub, "--size", c.size, "Payload bytes, with k or m for KiB and MiB (default 32)",
               "Payload bytes per message, like 32, 4k or 1m (k = 1024, m = 1024 x 1024). Echo payloads are "
               "printable ASCII; fan-out messages carry a 38-byte stamp and are at least that long.",
               Complete::number)->check(size_validator())->option_text("BYTES");
    add_flag(ctx, sub, "--binary", c.options.binary, "Send binary messages instead of text");
    add_option(ctx, sub, "-d,--duration", c.options.duration, "Seconds to measure after the warm-up (default 10)",
               "Seconds to measure after the warm-up (default 10); in idle mode, seconds to hold the connections once "
               "all have opened. Every run ends by itself: with -n too, at the latest after this long.", Complete::number)->check(positive_seconds_validator())->option_text("SECS");
    add_option(ctx, sub, "-n,--messages", c.options.messages, "Stop after exactly N echoes (echo mode)",
               "Echo mode: send exactly N messages in all and stop once their N echoes have arrived (or -d has "
               "passed). The warm-up is then ignored: every echo counts.", Complete::number)
        ->check(count_validator())->option_text("N");
    add_option(ctx, sub, "--warmup", c.options.warmup, "Seconds run before measuring (default 0)", {}, Complete::number)
        ->check(seconds_validator())->option_text("SECS");
    add_option(ctx, sub, "--rate", c.options.rate, "Open loop: send N messages/s in all, latency from the intended send time",
               "Open loop: send N messages per second in all, spread evenly over the connections (fan-out: over the "
               "senders; fan-out defaults to 1000). Latency is measured from when each message was due, not from "
               "when it left, so a server that stalls shows in the percentiles instead of slowing the load (the "
               "coordinated-omission mistake).", Complete::number)
        ->check(rate_validator())->option_text("N");
    add_option(ctx, sub, "--threads", c.options.threads, "Threads of load (default 1), the connections spread over them", {},
               Complete::number)->check(count_validator())->option_text("N");
    add_option(ctx, sub, "--server-pid", c.options.server_pid, "Also report this local server's CPU time (and RSS in idle mode)",
               "Read the CPU time of the server process PID from /proc before and after the run (and its resident "
               "memory, VmRSS, in idle mode: growth per open connection).", Complete::number)
        ->check(count_validator())->option_text("PID");
    add_option(ctx, sub, "--output", c.output.output, "Output format: human (the table, default) or json",
               "Output format of the results: human, a table; json, one JSON object on one line (see --json).",
               Complete::choices, {"human", "json"});
    add_flag(ctx, sub, "--json", c.output.json, "Same as --output json: the results as one JSON object", json_fields);
    add_flag(ctx, sub, "-q,--quiet", c.quiet, "No live progress line on stderr");
}

// Application traffic: what each connection sends and how replies pair with requests.
void add_traffic_options(Context& ctx, CLI::App& sub, BenchCommand& c) {
    add_option(ctx, sub, "--first", c.options.first, "Send MSG once after each open, before the load (repeatable)",
               "Send MSG on each connection once it opens, before its measured traffic, in the order given (log "
               "in, subscribe). Placeholders as in --message. Not measured; in order (without --match) each "
               "takes one reply, which is not measured either.", Complete::text)
        ->allow_extra_args(false)  // one value each time: the URL after it stays the URL
        ->option_text("MSG");
    add_option(ctx, sub, "--message", c.options.templates, "Send this TEMPLATE instead of --size payloads (repeatable: in turn)",
               "Each message a connection sends is rendered from TEMPLATE (several: in turn): {seq} its number on "
               "the connection (from 0), {conn} the connection's number (from 0), {ts_us} the send time in "
               "microseconds since the Unix epoch, {rand:N} a random integer from 0 to N-1, {file:PATH} the next "
               "line of PATH (in turn across the whole run); any other brace is text (JSON needs no escaping), and {{ is a brace where one would read as a placeholder ({{seq} sends {seq}). Replies answer requests in order "
               "(an echo's, or a server that answers each request once and in turn) unless --match pairs them by "
               "a field; replies are not compared with the requests.", Complete::text)
        ->allow_extra_args(false)  // one value each time: the URL after it stays the URL
        ->option_text("TEMPLATE");
    add_option(ctx, sub, "--messages-from", c.options.messages_from, "Templates from FILE, one per line, sent in turn",
               "Like --message, with each non-blank line of FILE as a template (after any --message), sent in turn.",
               Complete::file)->option_text("FILE");
    add_option(ctx, sub, "--match", c.options.match, "Pair replies with requests by this JSON Pointer (a request id)",
               "Measure a reply's latency by a field the server copies from the request into its reply: PATH is a "
               "JSON Pointer (RFC 6901) into both, like /id. Requests need a unique value there ({seq} in it); "
               "replies whose field matches no request in flight (pushes, broadcasts, answers to --first) are "
               "counted as unmatched, not guessed.", Complete::text)
        ->option_text("PATH");
    add_option(ctx, sub, "--script", c.options.script, "Each connection plays this wskit run script, over and over",
               "Each of the -c connections plays SCRIPT (the language of wskit-run(1)) from the start again each "
               "time it ends, until the run is over: each expect met is a latency, from the message the "
               "connection sent before it; a run of the script that fails counts as an error (a failed step as "
               "protocol, a connection failure by its class) and the first failure is shown. The script's connect "
               "goes to URL. All connections share one event loop (--threads does not apply). Not with "
               "--message, --first, --match, --stages, --connect-rate, --rate or -n.", Complete::file)
        ->option_text("SCRIPT");
    add_option(ctx, sub, "--connect-rate", c.options.connect_rate, "Open at most N connections per second",
               "Open connections at N per second in all, evenly spaced, instead of all at once.", Complete::number)
        ->check(rate_validator())->option_text("N");
    add_option(ctx, sub, "--stages", c.stages, "Ramp connections over time: 10s:100,30s:1000:5000,10s:0",
               "Stages as k6 has them: in each DURATION:CONNECTIONS[:RATE], the number of connections moves "
               "linearly from the previous stage's (0 at first) to CONNECTIONS, and the messages go at RATE per "
               "second in all (open loop) or --rate, or closed loop without either. The run lasts as long as the "
               "stages (-c and -d are ignored); connections the server closes are replaced; connections beyond a "
               "stage's number close with 1000, newest first. Echo mode only.", Complete::text)
        ->option_text("STAGES");
}

// Verdicts for CI and the files a run leaves.
void add_result_options(Context& ctx, CLI::App& sub, BenchCommand& c) {
    add_option(ctx, sub, "--fail-if", c.fail_if, "Fail (exit 1) when CONDITION holds: p99>50ms, errors>0, rate<10000",
               "Checked once the run has measured the server: when CONDITION holds, it is printed on stderr and "
               "wskit bench exits 1. Repeatable; every one that holds is printed. Metrics: p50, p90, p99, p99.9, "
               "max, mean (compared with a duration: ns, us, ms, s; a bare number is milliseconds), rate (measured "
               "per second), errors, unmatched, unanswered, lost. Operators: > >= < <= ==.", Complete::text)
        ->allow_extra_args(false)  // one value each time: the URL after it stays the URL
        ->option_text("CONDITION");
    add_option(ctx, sub, "--series", c.files.series, "Write per-second figures to FILE.csv or FILE.ndjson",
               "Write what happened in each second of the run: time_s, length_s, open, sent, received, errors, "
               "p50_us, p99_us, max_us; CSV when FILE ends in .csv, one JSON object per line for .ndjson or .jsonl.",
               Complete::file)->option_text("FILE");
    add_option(ctx, sub, "--hdr", c.files.hdr, "Write the latencies as an HdrHistogram interval log",
               "Write the latencies (nanoseconds) as an HdrHistogram interval log, one histogram per second, that "
               "HdrHistogram's own tools read and 'wskit bench merge' combines with other runs' logs: a load test "
               "from several machines is merged afterwards.", Complete::file)
        ->option_text("FILE");
    add_option(ctx, sub, "--report", c.files.report, "Write an HTML report with charts to FILE",
               "Write one self-contained HTML page (no script, no external resource): the run's parameters, the "
               "results, a latency-percentile plot and per-second charts of throughput, latency and connections.",
               Complete::file)->option_text("FILE");
}

}  // namespace

void register_bench(CLI::App& app, Context& ctx) {
    auto c = std::make_shared<BenchCommand>();
    auto* sub = add_command(
        ctx, app, "bench", "", "Load-test a WebSocket server: throughput, latency, fan-out, handshakes",
        {"wskit bench [OPTIONS] URL [URL...]",
         "Opens connections to URL and measures how much the server takes: messages/s, MB/s, latency percentiles "
         "(p50, p90, p99, p99.9, max, from a log-bucketed histogram within 1 %), errors by class (connect, tls, "
         "handshake, timeout, closed, protocol) with the first one (a close names its code and reason), and the "
         "CPU time of wskit bench itself and, with --server-pid, of the server. Runs are bounded: 10 seconds "
         "unless -d or -n say otherwise; SIGINT ends a run early and still prints its results. A run that did not "
         "measure the server prints its results and fails with one line on stderr saying why: no connection "
         "opened (each failed opening is classified as connect and handshake-inspect classify theirs, see the "
         "EXIT STATUS of wskit(1)), every connection closed by the server before the end (its close code and "
         "reason, and a hint when the server seems not to echo or to limit the senders' rate), or nothing "
         "measured in the whole run. A live progress line goes to stderr on a terminal; the summary goes to stdout. "
         "When wskit bench uses about a whole core per thread, a warning says that it, not the server, may be "
         "the limit. Frames are built once and masked with a fresh key each; a connection's frames leave in one "
         "gather write. With --compress, the offer also says client_no_context_takeover: an echo message is "
         "compressed once for the run and sent with RSV1 in every frame, masked whole; compressed replies are "
         "inflated, within --max-size, before they are counted, and the results say what was agreed (fan-out "
         "senders send uncompressed). A fan-out may span several servers that share one room (chat processes "
         "joined through Redis): give each one's URL; the receivers spread round robin over them, the senders "
         "connect to the first, and the results add a row per server. Only load servers you run or are allowed "
         "to test.",
         {{"wskit bench ws://127.0.0.1:9000/", "10 connections ping-pong 32-byte messages for 10 seconds"},
          {"wskit bench -c 100 -w 64 -d 5 ws://127.0.0.1:9000/", "100 connections, 64 messages in flight each"},
          {"wskit bench --rate 2000 -c 20 ws://127.0.0.1:9000/", "open loop at 2000 msg/s"},
          {"wskit bench --mode fanout -c 50 --senders 2 ws://127.0.0.1:9000/room",
           "a broadcast room, such as one of 'wskit chat --rate 0 9000' (without --rate 0, chat closes a client "
           "that sends more than 10 messages a second: the senders)"},
          {"wskit bench --mode fanout -c 1000 --rate 100 ws://127.0.0.1:9001/room ws://127.0.0.1:9002/room",
           "one room served by two processes (wskit chat --rate 0 --redis ...), 500 receivers on each"},
          {"wskit bench --mode idle -c 5000 --server-pid 1234 ws://127.0.0.1:9000/", "memory per idle connection"},
          {"wskit bench -w 8 --message '{\"id\":{seq},\"op\":\"quote\"}' --match /id ws://127.0.0.1:9000/api",
           "a JSON API: each reply's latency found by the id it copies from its request"},
          {"wskit bench --stages 10s:100,30s:1000,10s:0 --fail-if 'p99>50ms' --report run.html ws://127.0.0.1:9000/",
           "ramp up to 1000 connections and down; exit 1 when p99 passes 50 ms; an HTML report"},
          {"wskit bench --hdr host1.hlog ws://api.example.test/ && wskit bench merge host1.hlog host2.hlog",
           "one test from several machines: each writes its latencies, merge adds them up"}},
         {{ExitCode::ok, "the run measured the server (errors, if any, are in the results)"},
          {ExitCode::runtime, "a --fail-if condition held (each is printed); out of file descriptors before any "
                              "connection opened; or the server closed every connection normally (1000, 1001) before "
                              "the end"},
          {ExitCode::usage, ""},
          {ExitCode::connect, "no connection opened: could not connect (DNS, refused, unreachable, or no TCP "
                              "connection within --connect-timeout)"},
          {ExitCode::tls, "no connection opened: TLS failed"},
          {ExitCode::handshake, "no connection opened: the server refused the upgrade (not a 101, an answer that is "
                                "not HTTP, or none before it closed)"},
          {ExitCode::abnormal_close, "the server closed every connection (fan-out: every sender or every receiver) "
                                     "before the end, with a close code other than 1000/1001 or none; the message "
                                     "gives the first code and reason"},
          {ExitCode::timeout, "no connection opened: connected, but the TLS handshake or the answer to the upgrade "
                              "did not complete within --connect-timeout or the run; or connections stayed open and "
                              "nothing was measured (no echo, no delivery) in the whole run"},
          {ExitCode::interrupted, "interrupted by SIGINT (the results so far are printed)"},
          {ExitCode::terminated, "terminated by SIGTERM (the results so far are printed)"}},
         /*reads_input=*/false});
    // Positional, not an option: every URL names a server under test alike,
    // and a fan-out over two processes reads as two addresses after the options.
    add_option(ctx, *sub, "url", c->urls, "Server URL (ws:// or wss://); fan-out: one per server of the room",
               "The server's URL (ws:// or wss://). Only --mode fanout takes more than one: servers that relay the "
               "same room, like chat processes sharing it through Redis; the -c receivers spread round robin over "
               "them (receiver i on URL i mod the count) and the senders connect to the first.",
               Complete::url)
        ->option_text("URL...");  // required unless `merge` is given (checked below): CLI11 would take the word as a URL
    add_load_options(ctx, *sub, *c);
    add_traffic_options(ctx, *sub, *c);
    add_result_options(ctx, *sub, *c);
    add_handshake_options(ctx, *sub, c->client);
    add_connect_timeout_option(ctx, *sub, c->client);
    add_unix_socket_option(ctx, *sub, c->client);
    add_max_size_option(ctx, *sub, c->client,
                        "Largest reply in bytes once inflated (default 16 MiB); larger is a protocol error");
    add_compress_option(ctx, *sub, c->client);
    add_http2_options(ctx, *sub, c->client);
    add_option(ctx, *sub, "--streams-per-connection", c->options.streams_per_connection,
               "With --http2: WebSockets per HTTP/2 connection (default 100)",
               "With --http2 or --http2-prior-knowledge: how many WebSockets share one HTTP/2 connection, as "
               "streams of it (default 100, at most what the server's SETTINGS_MAX_CONCURRENT_STREAMS allows): "
               "-c 100 --streams-per-connection 50 opens 2 connections per thread of 50 WebSockets each, the way "
               "a browser loads a server.",
               Complete::number)
        ->check(CLI::Range(1, 100000))->option_text("N");
    add_client_tls_options(ctx, *sub, c->client, /*short_n_alias=*/false);
    // `wskit bench merge` is a command of its own under bench: its name is
    // looked for before the URL (which it then does not need).
    sub->require_subcommand(0, 1);
    register_bench_merge(*sub, ctx);
    ctx.checks.emplace_back(sub, [c, sub] {
        if (sub->got_subcommand("merge")) return;
        if (c->urls.empty()) throw CLI::RequiredError("url");
        if (c->urls.size() > 1 && c->mode != "fanout")
            throw CLI::ValidationError("--mode " + c->mode + " takes one URL (" + std::to_string(c->urls.size()) +
                                       " given); only --mode fanout spreads over several servers");
        if (auto problem = c->output.conflict(); !problem.empty()) throw CLI::ValidationError(problem);
        // Said before anything runs, as CLI11's own errors are.
        try {
            if (!c->stages.empty()) parse_bench_stages(c->stages);
            for (const auto& t : c->fail_if) parse_bench_threshold(t);
        } catch (const Error& e) {
            throw CLI::ValidationError(e.what());
        }
    });
    sub->callback([c, &ctx, sub] {
        if (sub->got_subcommand("merge")) return;
        // --rate: let messages queue behind a stalled server instead of waiting.
        if (c->options.rate > 0 && sub->get_option("--window")->count() == 0) c->options.window = 1000;
        ctx.run = [c] { return run(*c); };
    });
}

}  // namespace wskit::cli
