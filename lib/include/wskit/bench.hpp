// wskit bench: a load generator for any WebSocket server. Options and results
// are plain values; run_bench drives the connections on its own threads.
#pragma once

#include <wskit/client.hpp>
#include <wskit/export.hpp>

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

// Failures by class: connect (TCP), tls, handshake (not a 101), closed (the
// server closed or reset an open connection), protocol (a bad frame, an echo
// of the wrong size, a fan-out message without a stamp).
struct BenchErrors {
    std::uint64_t connect = 0, tls = 0, handshake = 0, closed = 0, protocol = 0;
    std::uint64_t total() const { return connect + tls + handshake + closed + protocol; }
    std::string first_message;  // the first failure, for the one-line error
};

struct BenchReceiver {
    std::uint64_t received = 0, lost = 0, duplicated = 0;
    std::size_t server = 0;  // index in bench_servers(): where it was connected
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

// The summary table for humans, and the --json object (one line).
WSKIT_API std::string bench_summary(const BenchResult& result);
WSKIT_API std::string bench_json(const BenchResult& result);
// The progress line, without the carriage return.
WSKIT_API std::string bench_progress_line(const BenchProgress& progress);

}  // namespace wskit
