// One thread of wskit bench: an io_context, its connections, its counters and
// its histogram. Nothing here is shared with other threads except through
// publish() (a snapshot under a mutex) and the atomics of Coordination.
#pragma once

#include "bench/intervals.hpp"
#include "bench/match.hpp"
#include "bench/template.hpp"
#include "bench/wire.hpp"
#include "net/tls_context.hpp"

#include <wskit/tool/bench.hpp>
#include <wskit/histogram.hpp>

#include <asio.hpp>
#include <asio/ssl.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace wskit::detail::bench {

using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

inline std::uint64_t now_ns() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count());
}

enum class Role { echo, sender, receiver, handshake, idle };
enum class ErrorClass { closed, protocol };  // of open connections; failed openings are classified

// "connection", or "sender" or "receiver" in fan-out: what the messages call it.
const char* role_noun(Role role);

// Across threads: how many connections have settled (opened or failed), and
// how many of each kind are open.
struct Coordination {
    std::atomic<std::size_t> settled{0};
    std::atomic<std::size_t> opened{0};
    std::atomic<std::size_t> workers_done{0};
    std::atomic<std::size_t> open_senders{0}, open_receivers{0}, open_others{0};  // handshake loops not counted
    std::atomic<std::uint64_t> last_lost_ns{0};  // when the server last closed an open connection
    std::atomic<std::size_t>& open_of(Role role) {
        return role == Role::sender ? open_senders : role == Role::receiver ? open_receivers : open_others;
    }
};

// Where a receiver stands with one sender: messages are numbered from 0 and
// a relay keeps each sender's order (TCP), so a number below the next one
// expected is a duplicate and a gap is a loss. Counting starts at the first
// number seen: a receiver that joined late is not charged for what it missed.
struct SenderTrack {
    bool seen = false;
    std::uint64_t first = 0, next = 0, distinct = 0, duplicated = 0;
    // Takes message `seq`; false for a duplicate.
    bool count(std::uint64_t seq) {
        if (!seen) {
            seen = true;
            first = next = seq;
        }
        if (seq < next) {
            ++duplicated;
            return false;
        }
        next = seq + 1;
        ++distinct;
        return true;
    }
};

// A ring of send times for the messages in flight on one connection: an echo
// server answers in order, so the oldest time belongs to the next echo.
class TimeRing {
public:
    void reserve(std::size_t n) { times_.assign(n + 1, 0); }
    void push(std::uint64_t t) {
        times_[tail_] = t;
        tail_ = (tail_ + 1) % times_.size();
    }
    bool empty() const { return head_ == tail_; }
    std::uint64_t pop() {
        auto t = times_[head_];
        head_ = (head_ + 1) % times_.size();
        return t;
    }

private:
    std::vector<std::uint64_t> times_;
    std::size_t head_ = 0, tail_ = 0;
};


// Application traffic, compiled once for the run and read by every worker:
// the --first messages, the request templates, the --match field.
struct Traffic {
    std::vector<std::shared_ptr<LineSource>> files;
    std::vector<MessageTemplate> first;
    std::vector<MessageTemplate> requests;  // empty: --size payloads, replies must be echoes
    std::optional<MatchField> match;
    bool templated() const { return !requests.empty(); }
    // Replies answer requests (templates, --first), not echoes of the --size payload to check.
    bool pairs_replies() const { return templated() || !first.empty(); }
    // Replies must be read whole (--match) rather than skipped.
    bool reads_replies() const { return match.has_value(); }
};

// What a worker's counters were at its last publish(): read by the main
// thread for the progress line.
struct Snapshot {
    std::uint64_t done = 0, errors = 0;
    std::size_t open = 0;
    LatencyHistogram histogram;
};

class ConnectionBase {
public:
    virtual ~ConnectionBase() = default;
    virtual void start() = 0;
    virtual void pump() = 0;   // sends what is due and allowed
    virtual void close() = 0;
    virtual void finish() = 0;  // the end of the run: a close frame when it can go at once, then close()
    virtual void retire() = 0;  // --stages ramps down: finish() if open, else stop opening
    virtual bool is_open() const = 0;
    std::vector<SenderTrack> tracks;  // receivers only
    std::uint64_t received = 0;
    std::uint64_t next_seq = 0;       // senders only
    std::uint32_t sender_id = 0;
    std::size_t target = 0;           // index of its server in Worker::targets
    std::uint64_t scheduled = 0;      // messages due by --rate so far
    double phase = 0;                 // spreads --rate sends of the connections over an interval
    std::uint64_t number = 0;         // in the whole run, from 0: {conn}
    // --stages with a rate: when each message given to this connection was
    // due, oldest first (the rate changes over time, so they are kept, not computed).
    std::deque<std::uint64_t> due;
    virtual bool is_closed() const = 0;  // closed, failed or retired: it will do nothing more
    virtual bool is_closing() const = 0;  // retired, and its close handshake not over yet
};

// A connection a worker is to open, with its place in the --rate schedule
// and its server (index in the run's targets).
struct Planned {
    Role role;
    std::uint32_t sender_id = 0;
    double phase = 0;
    std::size_t target = 0;
    std::uint64_t number = 0;
};

// A server of the run, resolved once: the options of its upgrade (URL, Host,
// SNI) and its addresses. Read-only once the workers run.
struct Target {
    ClientOptions client;
    tcp::resolver::results_type addrs;
};

// Every server of the run (bench_servers()), resolved before any connection
// opens; each keeps the run's handshake options with its own URL. Throws
// Error(connect) for a host that does not resolve.
std::vector<Target> resolve_targets(const BenchOptions& options);

class H2Pool;

struct Worker {
    // The worker's own TLS context when a server is wss://: its verify
    // callback writes why a certificate was refused, read on this thread.
    Worker(const BenchOptions& options, Coordination& coordination, const std::vector<Target>& targets,
           const Traffic& traffic, std::uint64_t seed);

    const BenchOptions& opt;
    const Traffic& traffic;
    Coordination& coord;
    asio::io_context io{1};
    const std::vector<Target>& targets;  // targets[0] is the run's URL (senders, other modes)
    std::shared_ptr<VerifyOutcome> verified = std::make_shared<VerifyOutcome>();
    std::shared_ptr<asio::ssl::context> tls;
    SharedPayloadFrame frame;
    std::uint64_t rng;
    std::vector<char> read_buffer;  // shared by the plain connections: reads are synchronous once readable
    std::vector<std::shared_ptr<ConnectionBase>> conns;
    std::vector<std::shared_ptr<ConnectionBase>> closing;  // retired, until their close handshake is over
    std::vector<Planned> plan;      // connections this worker opens (idle: in waves of parallel_opens)
    std::size_t started = 0;
    std::size_t ended = 0;          // started ones that failed, were lost or retired
    std::size_t senders = 0;        // fan-out: senders in the whole run, for the receivers' tracks
    std::size_t compressed = 0;     // connections that agreed to permessage-deflate
    std::optional<DeflateParams> agreed;  // the first agreement: what the results report

    // Counters, this thread only. answered: replies paired with a request
    // (echoes, in order or by --match); unmatched: replies paired with none.
    std::uint64_t sent = 0, received = 0, bytes = 0, measured = 0, measured_bytes = 0;
    std::uint64_t answered = 0, unmatched = 0, first_sent = 0, dropped = 0;
    std::uint64_t budget = 0;       // -n: messages this worker may still send
    bool limited = false;
    std::uint64_t limit = 0;        // -n share of this worker
    std::size_t open_now = 0, opened = 0, settled = 0;
    LatencyHistogram histogram;
    BenchErrors errors;
    std::uint64_t measure_from = UINT64_MAX;  // ns; set when the measured window starts
    std::uint64_t rate_start = 0;   // ns; when --rate scheduling started
    double interval_ns = 0;         // per connection, with --rate
    bool sending = false;           // echo and senders may send
    bool stopping = false;
    bool done_reported = false;
    // Ramps: how many connections this worker keeps (its share of --stages;
    // SIZE_MAX: every planned one), --connect-rate's share, and its share of
    // the current stage's open-loop rate (credit mode: due times handed to
    // connections; 0: closed loop).
    std::size_t wanted = SIZE_MAX;
    double connect_rate = 0;
    double stage_rate = 0;
    bool credit_mode = false;
    std::uint64_t next_number = 0;  // {conn} of the next connection opened for a stage
    std::uint64_t run_start = 0;    // ns: the series' seconds count from here
    // Per-second series: latencies of the current second.
    LatencyHistogram interval_histogram;

    // The echo payload compressed on its own (no context takeover), for a
    // client window of `window_bits`: built at most once per window size.
    const std::string& compressed_payload(int window_bits);
    // --http2: this worker's HTTP/2 connections, made on first use.
    H2Pool& h2_pool();

    // Loop thread: opens the planned connections and runs the timers.
    void launch();
    void start_more();
    void start_sending();  // fan-out senders, once every connection has settled
    void stop_sending();
    void stop();
    void fail(ErrorClass kind, const std::string& message);
    // A connection that could not be opened, classified.
    void fail_opening(const ConnectFailure& failure);
    // An open connection is gone: the server closed it (its close code,
    // 1006 when dropped, its reason, and why in words), or, with close_code
    // 0, this side did (a frame that broke the protocol).
    void lost(Role role, int close_code, std::string_view reason, const std::string& why);
    // `settled`: the connection counts as ready now; a fan-out receiver
    // is ready later (on_ready), once the relay has had it join.
    void on_open(Role role, bool settled = true);
    void on_ready();
    void on_settled_failure();
    void check_done();
    void publish();
    Snapshot snapshot();
    // Ramps, on this thread: a new share of the connections.
    void set_wanted(std::size_t n);
    // Latencies: the measured window's and the current second's (per reply:
    // inline). The warm-up's are left out of the series and --hdr too, so
    // that their percentiles add up to the run's.
    void record_latency(std::uint64_t now, std::uint64_t sent_at) {
        if (now < measure_from) return;
        auto latency = now > sent_at ? now - sent_at : 0;
        interval_histogram.record(latency);
        histogram.record(latency);
    }
    // The seconds cut so far, handed to the calling thread.
    std::vector<IntervalSample> take_intervals();

private:
    void tick();
    void hand_out_credit(std::uint64_t now);
    void schedule_publish();
    void schedule_cut();
    void cut_interval(std::uint64_t now);
    std::size_t active() const;  // started and not closed
    bool may_open(std::uint64_t now);
    asio::steady_timer rate_timer_{io};
    asio::steady_timer publish_timer_{io};
    asio::steady_timer cut_timer_{io};
    asio::steady_timer open_timer_{io};
    // Credit mode: messages due but not yet handed out, and since when.
    double credit_ = 0;
    std::uint64_t credit_at_ = 0;
    std::size_t credit_next_ = 0;  // round robin over the connections
    // --connect-rate: openings allowed and since when.
    double open_tokens_ = 1;
    std::uint64_t tokens_at_ = 0;
    bool open_timer_pending_ = false;
    // The series: the seconds cut so far and not yet taken.
    IntervalCutter cutter_;
    std::mutex intervals_mutex_;
    std::vector<IntervalSample> intervals_;
    asio::executor_work_guard<asio::io_context::executor_type> guard_{io.get_executor()};
    std::mutex mutex_;
    Snapshot published_;
    std::string compressed_payloads_[max_window_bits + 1];
    std::shared_ptr<H2Pool> h2_pool_;  // shared_ptr: its type is complete in h2_stream.cpp only
};

// Creates the connection object for its server's scheme.
std::shared_ptr<ConnectionBase> make_connection(Worker& worker, Role role, std::size_t target = 0);

}  // namespace wskit::detail::bench
