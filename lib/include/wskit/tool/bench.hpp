// wskit bench: a load generator for any WebSocket server. Options and results
// are plain values; run_bench drives the connections on its own threads.
#pragma once

#include <wskit/client.hpp>
#include <wskit/connect_failure.hpp>
#include <wskit/error.hpp>
#include <wskit/export.hpp>
#include <wskit/histogram.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wskit {

enum class BenchMode { echo, fanout, handshake, idle };

WSKIT_API const char* bench_mode_name(BenchMode mode);

// "32", "4k", "1m": bytes, with k = 1024 and m = 1024 * 1024 (either case).
// Nothing for anything else, or above 1 GiB.
WSKIT_API std::optional<std::size_t> parse_byte_size(std::string_view text);

// One of --stages: over `seconds`, the number of connections moves linearly
// from the previous stage's (0 before the first) to `connections`, as k6's
// stages do; `rate` (messages/s in all, open loop) applies while the stage
// lasts, or --rate when negative.
struct BenchStage {
    double seconds = 0;
    std::size_t connections = 0;
    double rate = -1;
};

// "10s:100,30s:1000:5000,10s:0": stages as --stages takes them (DURATION as
// wskit's other durations, CONNECTIONS, optional RATE). Throws Error(usage)
// naming the stage that is wrong.
WSKIT_API std::vector<BenchStage> parse_bench_stages(std::string_view text);

// --fail-if: a condition on the results that fails the run (exit 1) when it
// holds, like "p99>50ms", "errors>0", "rate<10000". Metrics: p50, p90, p99,
// p99.9, max, mean (durations: ns, us, ms, s; a bare number is ms), rate
// (measured per second), errors, unmatched, unanswered, lost; operators
// > >= < <= ==.
struct BenchThreshold {
    std::string text;     // as given, for the message
    std::string metric;
    std::string op;
    double value = 0;     // durations in ns
};

struct BenchOptions {
    BenchMode mode = BenchMode::echo;
    ClientOptions client;             // URL, headers, subprotocols, TLS, connect timeout
    // Fan-out across processes: more servers that relay the same room (chat
    // processes sharing it through Redis). The receivers spread round robin
    // over client.url and these; the senders stay on client.url. Other modes
    // take one URL.
    std::vector<Url> other_servers;
    std::size_t connections = 10;     // -c: echo clients, fan-out receivers, handshake loops, idle connections
    std::size_t senders = 1;          // fan-out senders
    std::size_t window = 1;           // messages in flight per connection (echo)
    std::size_t size = 32;            // payload bytes
    bool binary = false;
    double duration = 10;             // seconds measured after the warm-up (-d)
    std::uint64_t messages = 0;       // -n: stop after exactly this many echoes; 0: by duration
    double warmup = 0;                // seconds run but not measured
    double rate = 0;                  // messages/s in total, open loop; 0: closed loop
    unsigned threads = 1;
    int server_pid = 0;               // read the server's CPU time and RSS from /proc
    std::size_t parallel_opens = 200; // idle: handshakes at a time
    // With client.http2: WebSockets per HTTP/2 connection (streams of one
    // connection, as browsers open them); each worker opens as many
    // connections as its share needs.
    std::size_t streams_per_connection = 100;
    // Application traffic (echo mode). `first`: messages each connection
    // sends once open, in order, before its measured traffic (login,
    // subscribe); not measured. `templates`: the messages to send instead of
    // --size payloads, in turn ({seq}, {conn}, {ts_us}, {rand:N}, {file:PATH};
    // lib/src/bench/template.hpp). `match`: a JSON Pointer into request and reply
    // that pairs them (a request id the server copies); empty: replies answer
    // requests in order, as an echo's do.
    std::vector<std::string> first;
    std::vector<std::string> templates;
    std::string messages_from;  // a file of templates, one per line (blank lines skipped), after `templates`
    // A `wskit run` script played over and over by each connection instead
    // (one event loop: --threads does not apply); expects met are latencies.
    std::string script;
    std::string match;
    // Ramps: openings per second in all (0: as fast as they complete), and
    // --stages (the run then lasts as long as they do, -c is ignored).
    double connect_rate = 0;
    std::vector<BenchStage> stages;
    std::vector<BenchThreshold> fail_if;  // checked by bench_threshold_failures(), shown by --json and --report

    // Requests come from templates (--message, --messages-from), not --size payloads.
    bool templated() const { return !templates.empty() || !messages_from.empty(); }
};

// Every server a run connects to: client.url first, then other_servers.
WSKIT_API std::vector<Url> bench_servers(const BenchOptions& options);
// The server (index in bench_servers()) of fan-out receiver number `receiver`.
inline std::size_t bench_server_of_receiver(std::size_t receiver, std::size_t servers) {
    return servers ? receiver % servers : 0;
}

// Latencies in nanoseconds.
struct BenchLatency {
    std::uint64_t count = 0;
    std::uint64_t min = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
    double mean = 0;
};

// Failures by class. Openings that failed, by their exit status from the
// failure classifier (as connect and inspect classify theirs): connect (no
// TCP connection; also a process out of descriptors), tls, handshake (no
// valid 101), timeout (connected, but no complete answer in time). Then
// closed (the server closed or dropped an open connection) and protocol (a
// bad frame, a reply that is no echo of a message sent, a fan-out message
// from an unknown sender).
struct BenchErrors {
    std::uint64_t connect = 0, tls = 0, handshake = 0, timeout = 0, closed = 0, protocol = 0;
    std::uint64_t total() const { return connect + tls + handshake + timeout + closed + protocol; }
    std::string first_message;  // the first failure of any kind, one line, not escaped
    std::optional<ConnectFailure> first_opening;  // the first failed opening, classified
    // The first open connection the server closed: the code of its close
    // frame (1005 without a code, 1006 when it dropped without one) and the
    // reason; 0 when none was closed. `first_closed_role` says which kind of
    // connection it was ("connection", or "sender"/"receiver" in fan-out).
    int first_close_code = 0;
    std::string first_close_reason;
    std::string first_closed_role;
};

struct BenchReceiver {
    std::uint64_t received = 0, lost = 0, duplicated = 0;
    std::size_t server = 0;  // index in bench_servers(): where it was connected
};

// One second of the run (the last one may be shorter), from the start of
// the connections' opening: what was sent, received and failed in it, the
// connections open at its end, and the latencies of the replies that came in
// it (as a histogram in HdrHistogram's compressed form, and its percentiles).
struct BenchInterval {
    double start = 0;   // seconds since the run started
    double length = 0;  // seconds
    std::uint64_t sent = 0, received = 0, errors = 0;
    std::size_t open = 0;
    std::uint64_t count = 0, p50 = 0, p99 = 0, max = 0;  // latencies in ns
    std::string hdr;  // hdr_compressed_base64() of the interval's histogram
};

struct BenchResult {
    BenchOptions options;
    double seconds = 0;                 // the measured window
    std::uint64_t sent = 0;             // messages sent in the whole run (warm-up included)
    std::uint64_t received = 0;         // echoes or deliveries in the whole run
    std::uint64_t unanswered = 0;       // echo: sent - received at the end
    std::uint64_t measured = 0;         // echoes, deliveries, handshakes or opens in the measured window
    double per_second = 0;              // measured / seconds
    double mb_per_second = 0;           // payload bytes received, 10^6 bytes/s
    BenchLatency latency;               // echo round trip, delivery, or handshake
    std::uint64_t lost = 0, duplicated = 0;  // fan-out, all receivers
    std::vector<BenchReceiver> receivers;    // fan-out, one per receiver
    std::size_t opened = 0;             // connections that completed the handshake (handshake mode: loops)
    std::size_t open_at_end = 0;
    // Every connection (fan-out: every sender, or every receiver) was gone
    // before the end, `gone_after` seconds after the start: what the run
    // measured, if anything, is not the server's capacity.
    bool ended_early = false;
    double gone_after = 0;
    std::size_t compressed = 0;         // connections that agreed to permessage-deflate (with --compress)
    std::optional<DeflateParams> compression;  // what the first of them agreed
    BenchErrors errors;
    double client_cpu_seconds = 0;      // user + system of this process over the run
    double client_cpu_percent = 0;      // of one core, over the run
    double client_cpu_us_per_message = 0;
    bool client_saturated = false;      // its threads were busy ~100 %: it may be the bottleneck
    bool server_measured = false;       // --server-pid was readable
    double server_cpu_seconds = 0;
    double server_cpu_us_per_message = 0;
    long server_rss_before_kib = 0, server_rss_after_kib = 0;
    double server_rss_per_connection_kib = 0;  // idle
    std::uint64_t unmatched = 0;        // --match: replies whose field matched no request in flight
    std::uint64_t first_sent = 0;       // --first messages sent
    std::uint64_t dropped = 0;          // --stages open loop: messages due that no open connection could take
    LatencyHistogram histogram;         // every latency of the measured window
    std::vector<BenchInterval> intervals;  // per second, for --series, --hdr and --report
    double started_at = 0;              // Unix time (s) when the run started
};

// What the live progress line shows, about 4 times a second.
struct BenchProgress {
    double elapsed = 0;       // seconds since the connections opened
    double planned = 0;       // warm-up + duration; 0 with -n
    std::uint64_t done = 0;   // messages (or handshakes) so far
    std::uint64_t target = 0; // -n, or 0
    double per_second = 0;    // over the last interval
    std::uint64_t p99_ns = 0; // so far in the measured window
    std::uint64_t errors = 0;
    std::size_t open = 0;
};

// Runs the benchmark until the duration passes, -n is reached or
// `interrupted` returns true. Throws Error(usage) for impossible options
// and Error(connect) when the address does not resolve; failed connections
// are counted in the result, not thrown.
WSKIT_API BenchResult run_bench(const BenchOptions& options,
                                const std::function<void(const BenchProgress&)>& on_progress,
                                const std::function<bool()>& interrupted);

// Whether a run measured what it set out to, as an exit status and one line
// (without "wskit: ") when it did not: no connection opened (the first
// failure's class), every connection closed by the server before the end
// (6, or 1 after normal closes), or nothing measured in the whole run (7,
// timed out waiting). A run that measured with some errors is ok: the
// errors are in the results. Hints name the likely mistake (an echo run
// against a chat room, a fan-out over a server's rate limit).
struct BenchVerdict {
    ExitCode code = ExitCode::ok;
    std::string message;  // "" when ok; peer text escaped
};
WSKIT_API BenchVerdict bench_verdict(const BenchResult& result);

// The summary table for humans, and the --json object (one line; times in
// microseconds to 0.1, rates to whole messages per second).
WSKIT_API std::string bench_summary(const BenchResult& result);
WSKIT_API std::string bench_json(const BenchResult& result);
WSKIT_API BenchThreshold parse_bench_threshold(std::string_view text);  // throws Error(usage)
// The line of a threshold that holds ("p99>50ms: p99 was 73.20 ms"), or nothing.
WSKIT_API std::optional<std::string> bench_threshold_failure(const BenchResult& result, const BenchThreshold& threshold);
// One line per threshold that holds, in order; empty when none.
WSKIT_API std::vector<std::string> bench_threshold_failures(const BenchResult& result,
                                                            const std::vector<BenchThreshold>& thresholds);

// The per-second series as CSV (a header line, then one line per second) or
// NDJSON (one object per second): time_s, open, sent, received, errors,
// p50_us, p99_us.
WSKIT_API std::string bench_series_csv(const BenchResult& result);
WSKIT_API std::string bench_series_ndjson(const BenchResult& result);

// The progress line, without the carriage return.
WSKIT_API std::string bench_progress_line(const BenchProgress& progress);

}  // namespace wskit
