// run_bench: plans the connections over the worker threads (plan.cpp),
// watches the clock and the counters from the calling thread, and adds up
// the results.
#include "bench/plan.hpp"
#include "bench/proc.hpp"
#include "bench/script_load.hpp"
#include "bench/stages.hpp"
#include "bench/worker.hpp"
#include "net/descriptors.hpp"


#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

namespace wskit {

const char* bench_mode_name(BenchMode mode) {
    switch (mode) {
        case BenchMode::echo: return "echo";
        case BenchMode::fanout: return "fanout";
        case BenchMode::handshake: return "handshake";
        case BenchMode::idle: return "idle";
    }
    return "?";
}

namespace detail::bench {
namespace {

double seconds_between(std::uint64_t from, std::uint64_t to) {
    return to > from ? static_cast<double>(to - from) / 1e9 : 0;
}

void post_all(std::vector<std::unique_ptr<Worker>>& workers, void (Worker::*what)()) {
    for (auto& w : workers) asio::post(w->io, [w = w.get(), what] { (w->*what)(); });
}

BenchProgress progress(const BenchOptions& o, std::vector<std::unique_ptr<Worker>>& workers, double elapsed,
                       std::uint64_t& last_done, double& last_elapsed) {
    BenchProgress p;
    LatencyHistogram h;
    for (auto& w : workers) {
        auto s = w->snapshot();
        p.done += s.done;
        p.errors += s.errors;
        p.open += s.open;
        h.merge(s.histogram);
    }
    p.elapsed = elapsed;
    p.planned = o.warmup + o.duration;
    p.target = o.mode == BenchMode::echo ? o.messages : 0;
    if (elapsed > last_elapsed && p.done >= last_done) {
        p.per_second = static_cast<double>(p.done - last_done) / (elapsed - last_elapsed);
    }
    last_done = p.done;
    last_elapsed = elapsed;
    p.p99_ns = h.percentile(99);
    return p;
}

// Fan-out: after the senders stop, deliveries in transit still count; the
// wait ends when none arrived for 300 ms, or after two seconds.
void drain(std::vector<std::unique_ptr<Worker>>& workers) {
    std::uint64_t last = UINT64_MAX;
    auto quiet_since = Clock::now();
    auto give_up = Clock::now() + std::chrono::seconds(2);
    while (Clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        std::uint64_t delivered = 0;
        for (auto& w : workers) delivered += w->snapshot().done;
        if (delivered != last) {
            last = delivered;
            quiet_since = Clock::now();
        } else if (Clock::now() - quiet_since > std::chrono::milliseconds(300)) {
            return;
        }
    }
}

void add_fanout_counts(BenchResult& r, std::vector<std::unique_ptr<Worker>>& workers) {
    std::vector<std::uint64_t> sent(r.options.senders, 0);
    for (auto& w : workers) {
        for (auto& c : w->conns) {
            if (w->plan.size() && c->tracks.empty()) sent[c->sender_id] = std::max(sent[c->sender_id], c->next_seq);
        }
    }
    for (auto& w : workers) {
        for (auto& c : w->conns) {
            if (c->tracks.empty()) continue;
            BenchReceiver rec;
            rec.received = c->received;
            rec.server = c->target;
            for (std::size_t s = 0; s < c->tracks.size(); ++s) {
                const auto& t = c->tracks[s];
                std::uint64_t expected = t.seen ? sent[s] - t.first : sent[s];
                rec.lost += expected > t.distinct ? expected - t.distinct : 0;
                rec.duplicated += t.duplicated;
            }
            r.lost += rec.lost;
            r.duplicated += rec.duplicated;
            r.receivers.push_back(rec);
        }
    }
}

// The moments of a run, in steady-clock nanoseconds.
struct Timeline {
    std::uint64_t start = 0;         // the connections start opening
    std::uint64_t measure_from = 0;  // the warm-up ends
    std::uint64_t deadline = 0;
    std::uint64_t sending_from = 0;  // fan-out senders start; idle connections are all open
    std::uint64_t end = 0;
    bool ended_early = false;        // every connection that matters was gone before the deadline
};

// Once every connection has settled and some opened and were lost: whether
// those the measure needs are all gone (fan-out needs senders and receivers; the
// handshake mode's loops come and go by design).
bool all_gone(const BenchOptions& o, Coordination& coord) {
    if (coord.opened.load() == 0 || coord.last_lost_ns.load() == 0) return false;
    if (!o.stages.empty()) return false;  // lost connections are replaced while the stages last
    switch (o.mode) {
        case BenchMode::fanout: return coord.open_senders.load() == 0 || coord.open_receivers.load() == 0;
        case BenchMode::handshake: return false;
        default: return coord.open_others.load() == 0;
    }
}

// The stage's number of connections, passed on to the workers when it
// changes: each gets its share (the rate, each worker reads for itself).
struct Ramp {
    std::size_t connections = SIZE_MAX;
};

void follow_stages(const BenchOptions& o, std::vector<std::unique_ptr<Worker>>& workers, double elapsed, Ramp& ramp) {
    auto point = stage_at(o.stages, elapsed, o.rate);
    std::size_t n = workers.size();
    if (point.connections != ramp.connections) {
        ramp.connections = point.connections;
        for (std::size_t w = 0; w < n; ++w) {
            std::size_t share = point.connections / n + (w < point.connections % n ? 1 : 0);
            asio::post(workers[w]->io, [worker = workers[w].get(), share] { worker->set_wanted(share); });
        }
    }
}

void collect_intervals(std::vector<std::unique_ptr<Worker>>& workers, IntervalCollector& series) {
    for (auto& w : workers) {
        for (auto& sample : w->take_intervals()) series.add(std::move(sample));
    }
}

// Watches the clock and the workers from the calling thread until the run
// is over; starts the fan-out senders and the idle hold once every
// connection has settled; follows the stages; gathers the series; reports
// progress.
void watch(const BenchOptions& o, std::vector<std::unique_ptr<Worker>>& workers, Coordination& coord,
           Timeline& t, IntervalCollector& series, const std::function<void(const BenchProgress&)>& on_progress,
           const std::function<bool()>& interrupted) {
    Ramp ramp;
    std::size_t total = o.connections + (o.mode == BenchMode::fanout ? o.senders : 0);
    bool settled = false;
    std::uint64_t last_progress = t.start, last_done = 0;
    double last_elapsed = 0;
    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        auto now = now_ns();
        if ((interrupted && interrupted()) || now >= t.deadline) break;
        if (coord.settled.load() >= total && all_gone(o, coord)) {
            t.ended_early = true;
            break;
        }
        if (coord.workers_done.load() == workers.size()) break;
        if (!o.stages.empty()) follow_stages(o, workers, seconds_between(t.start, now), ramp);
        collect_intervals(workers, series);
        if (!settled && coord.settled.load() >= total && o.mode == BenchMode::idle) {
            settled = true;
            t.sending_from = now;
            t.deadline = now + static_cast<std::uint64_t>(o.duration * 1e9);
        }
        if (!settled && coord.settled.load() >= total && o.mode == BenchMode::fanout) {
            settled = true;
            t.sending_from = now;
            // The senders get the whole duration, however long the receivers
            // took to be ready (a relay's join, ready_wait of silence).
            if (now > t.measure_from) t.deadline += now - t.measure_from;
            if (coord.opened.load() < total) break;  // some failed: nothing sensible to measure
            post_all(workers, &Worker::start_sending);
        }
        if (on_progress && now - last_progress >= 250000000) {
            last_progress = now;
            on_progress(progress(o, workers, seconds_between(t.start, now), last_done, last_elapsed));
        }
    }
    t.end = now_ns();
}

void add_errors(BenchErrors& all, const BenchErrors& one) {
    all.connect += one.connect;
    all.tls += one.tls;
    all.handshake += one.handshake;
    all.timeout += one.timeout;
    all.closed += one.closed;
    all.protocol += one.protocol;
    if (all.first_message.empty()) all.first_message = one.first_message;
    if (!all.first_opening) all.first_opening = one.first_opening;
    if (all.first_close_code == 0) {
        all.first_close_code = one.first_close_code;
        all.first_close_reason = one.first_close_reason;
        all.first_closed_role = one.first_closed_role;
    }
}

// Adds up the workers' counters once their threads are joined.
void add_counts(BenchResult& r, std::vector<std::unique_ptr<Worker>>& workers, const Timeline& t,
                const Coordination& coord) {
    const auto& o = r.options;
    LatencyHistogram h;
    std::uint64_t bytes = 0;
    std::uint64_t answered = 0;
    for (auto& w : workers) {
        r.sent += w->sent;
        r.received += w->received;
        answered += w->answered;
        r.unmatched += w->unmatched;
        r.first_sent += w->first_sent;
        r.dropped += w->dropped;
        r.measured += w->measured;
        bytes += w->measured_bytes;
        r.opened += w->opened;
        r.open_at_end += w->open_now;
        r.compressed += w->compressed;
        if (!r.compression) r.compression = w->agreed;
        add_errors(r.errors, w->errors);
        h.merge(w->histogram);
    }
    if (o.mode == BenchMode::idle) r.measured = r.open_at_end;
    r.ended_early = t.ended_early;
    if (t.ended_early) r.gone_after = seconds_between(t.start, coord.last_lost_ns.load());
    r.unanswered = o.mode == BenchMode::echo ? r.sent - std::min(r.sent, answered) : 0;
    r.histogram = h;
    r.seconds = seconds_between(std::max(o.messages > 0 ? t.start : t.measure_from, t.sending_from), t.end);
    if (r.seconds > 0) {
        r.per_second = static_cast<double>(r.measured) / r.seconds;
        r.mb_per_second = static_cast<double>(bytes) / r.seconds / 1e6;
    }
    r.latency = {h.count(), h.min(), h.percentile(50), h.percentile(90), h.percentile(99), h.percentile(99.9),
                 h.max(), h.mean()};
    if (o.mode == BenchMode::fanout) add_fanout_counts(r, workers);
}

// CPU time and memory read before the run, to subtract afterwards.
struct CostsBefore {
    std::optional<double> server_cpu;
    std::optional<long> server_rss;
    double client_cpu = 0;
};

void add_costs(BenchResult& r, const CostsBefore& before, const Timeline& t, long idle_rss) {
    const auto& o = r.options;
    double wall = seconds_between(t.start, now_ns());
    r.client_cpu_seconds = detail::own_cpu_seconds() - before.client_cpu;
    r.client_cpu_percent = wall > 0 ? 100 * r.client_cpu_seconds / wall : 0;
    std::uint64_t work = o.mode == BenchMode::echo || o.mode == BenchMode::fanout ? r.received : r.opened;
    if (work) r.client_cpu_us_per_message = r.client_cpu_seconds * 1e6 / static_cast<double>(work);
    r.client_saturated = r.client_cpu_percent >= 90.0 * o.threads;
    auto server_cpu = detail::process_cpu_seconds(o.server_pid);
    if (!before.server_cpu || !server_cpu) return;
    r.server_measured = true;
    r.server_cpu_seconds = *server_cpu - *before.server_cpu;
    std::uint64_t served = o.mode == BenchMode::handshake ? r.opened
                           : o.mode == BenchMode::idle    ? r.open_at_end
                                                          : r.received;
    if (served) r.server_cpu_us_per_message = r.server_cpu_seconds * 1e6 / static_cast<double>(served);
    r.server_rss_before_kib = before.server_rss.value_or(0);
    r.server_rss_after_kib = o.mode == BenchMode::idle ? idle_rss : detail::process_rss_kib(o.server_pid).value_or(0);
    if (o.mode == BenchMode::idle && r.open_at_end > 0) {
        r.server_rss_per_connection_kib =
            static_cast<double>(r.server_rss_after_kib - r.server_rss_before_kib) / static_cast<double>(r.open_at_end);
    }
}

}  // namespace
}  // namespace detail::bench

BenchResult run_bench(const BenchOptions& options, const std::function<void(const BenchProgress&)>& on_progress,
                      const std::function<bool()>& interrupted) {
    using namespace detail::bench;
    BenchResult r;
    r.options = checked(options);
    const auto& o = r.options;
    if (!o.script.empty()) return detail::bench::run_script_bench(o, on_progress, interrupted);
    // Every connection is a descriptor: thousands need more than the usual
    // soft limit of 1024, and the hard limit is what the system allows.
    detail::raise_descriptor_limit();
    auto traffic = compile_traffic(o);
    auto targets = resolve_targets(o);
    Coordination coord;
    std::vector<std::unique_ptr<Worker>> workers;
    for (unsigned i = 0; i < o.threads; ++i) {
        workers.push_back(
            std::make_unique<Worker>(o, coord, targets, traffic, 0x9E3779B97F4A7C15ull * (i + 1) ^ now_ns()));
    }
    plan(o, workers);

    CostsBefore before{detail::process_cpu_seconds(o.server_pid), detail::process_rss_kib(o.server_pid),
                       detail::own_cpu_seconds()};
    Timeline t;
    t.start = t.sending_from = now_ns();
    r.started_at = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    t.measure_from = t.start + static_cast<std::uint64_t>(o.warmup * 1e9);
    // Idle runs hold for the duration once every connection has settled,
    // which each connection's open timeout bounds. Stages last as long as they say.
    t.deadline = o.mode == BenchMode::idle ? UINT64_MAX : t.measure_from + static_cast<std::uint64_t>(o.duration * 1e9);
    if (!o.stages.empty()) t.deadline = t.start + static_cast<std::uint64_t>(stages_seconds(o.stages) * 1e9);
    for (auto& w : workers) {
        w->measure_from = o.messages > 0 ? 0 : t.measure_from;
        w->run_start = t.start;
    }
    IntervalCollector series(workers.size(), t.start);

    post_all(workers, &Worker::launch);
    std::vector<std::thread> threads;
    for (auto& w : workers) threads.emplace_back([w = w.get()] { w->io.run(); });
    watch(o, workers, coord, t, series, on_progress, interrupted);
    if (o.mode == BenchMode::fanout) {
        post_all(workers, &Worker::stop_sending);
        drain(workers);
    }
    long idle_rss = o.mode == BenchMode::idle ? detail::process_rss_kib(o.server_pid).value_or(0) : 0;
    post_all(workers, &Worker::stop);
    for (auto& thread : threads) thread.join();

    add_counts(r, workers, t, coord);
    add_costs(r, before, t, idle_rss);
    collect_intervals(workers, series);
    r.intervals = series.finish();
    return r;
}

}  // namespace wskit
