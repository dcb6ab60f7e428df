#include "bench/stages.hpp"
#include "bench/h2_stream.hpp"
#include "bench/worker.hpp"

#include <algorithm>
#include <cmath>

namespace wskit::detail::bench {

const char* role_noun(Role role) {
    switch (role) {
        case Role::sender: return "sender";
        case Role::receiver: return "receiver";
        default: return "connection";
    }
}

Worker::Worker(const BenchOptions& options, Coordination& coordination, const std::vector<Target>& servers,
               const Traffic& run_traffic, std::uint64_t seed)
    : opt(options), traffic(run_traffic), coord(coordination), targets(servers), frame(options.size, options.binary),
      rng(seed | 1), read_buffer(256 * 1024) {
    auto secure = [](const Target& t) { return t.client.url.secure; };
    if (std::any_of(targets.begin(), targets.end(), secure)) tls = make_client_tls_context(opt.client.tls, verified);
}

const std::string& Worker::compressed_payload(int window_bits) {
    auto& payload = compressed_payloads_[window_bits];
    if (payload.empty()) {
        // A message compressed on its own refers to no earlier one, so the
        // same bytes are valid in every frame whatever the server keeps.
        Deflater(window_bits, /*no_context_takeover=*/true).compress(frame.wire_payload(), payload);
        payload.resize(payload.size() - 4);  // the 00 00 ff ff that RFC 7692 7.2.1 removes
    }
    return payload;
}

void Worker::launch() {
    sending = opt.mode == BenchMode::echo;
    rate_start = now_ns();
    tokens_at_ = rate_start;
    start_more();
    if (interval_ns > 0 || credit_mode) tick();
    schedule_publish();
    schedule_cut();
    check_done();
}

std::size_t Worker::active() const { return started > ended ? started - ended : 0; }

// --connect-rate: one opening per 1/rate seconds, never in bursts; when
// none is allowed yet, start_more() runs again once one is.
bool Worker::may_open(std::uint64_t now) {
    if (connect_rate <= 0) return true;
    open_tokens_ = std::min(1.0, open_tokens_ + connect_rate * static_cast<double>(now - tokens_at_) / 1e9);
    tokens_at_ = now;
    if (open_tokens_ >= 1) {
        open_tokens_ -= 1;
        return true;
    }
    if (!open_timer_pending_) {
        open_timer_pending_ = true;
        open_timer_.expires_after(std::chrono::nanoseconds(static_cast<std::int64_t>((1 - open_tokens_) / connect_rate * 1e9)));
        open_timer_.async_wait([this](const asio::error_code& ec) {
            open_timer_pending_ = false;
            if (!ec && !stopping) start_more();
        });
    }
    return false;
}

void Worker::start_more() {
    bool waves = opt.mode == BenchMode::idle;
    while (!stopping && (!waves || started - settled < opt.parallel_opens) && active() < wanted) {
        if (started == plan.size()) {
            if (opt.stages.empty()) break;
            plan.push_back({Role::echo, 0, 0, 0, next_number});  // a stage wants one more
            next_number += opt.threads;
        }
        if (!may_open(now_ns())) break;
        const auto& p = plan[started++];
        auto c = make_connection(*this, p.role, p.target);
        c->sender_id = p.sender_id;
        c->phase = p.phase;
        c->number = p.number;
        if (p.role == Role::receiver) c->tracks.assign(senders, SenderTrack{});
        conns.push_back(c);
        c->start();
    }
}

// A stage's share of the connections: more are opened as --connect-rate
// allows, the newest go first when there are too many. Gone ones are
// forgotten, so that a long ramp keeps only what is open.
void Worker::set_wanted(std::size_t n) {
    wanted = n;
    for (auto it = conns.rbegin(); it != conns.rend() && active() > wanted; ++it) {
        auto& c = **it;
        if (c.is_closed()) continue;
        if (c.is_open()) {
            --open_now;
            --coord.open_of(Role::echo);
        }
        c.retire();
        ++ended;
    }
    for (auto& c : conns) {
        if (c->is_closing()) closing.push_back(c);
    }
    auto gone = [](const auto& c) { return c->is_closed() && !c->is_closing(); };
    conns.erase(std::remove_if(conns.begin(), conns.end(), [](const auto& c) { return c->is_closed(); }), conns.end());
    closing.erase(std::remove_if(closing.begin(), closing.end(), gone), closing.end());
    start_more();
}

void Worker::start_sending() {
    sending = true;
    rate_start = now_ns();
    for (auto& c : conns) c->pump();
}

void Worker::stop_sending() { sending = false; }

void Worker::stop() {
    stopping = true;
    sending = false;
    for (auto& c : conns) c->finish();
    for (auto& c : closing) c->close();  // the run is over: no waiting for their answers
    if (h2_pool_) h2_pool_->close();
    rate_timer_.cancel();
    publish_timer_.cancel();
    cut_timer_.cancel();
    open_timer_.cancel();
    cut_interval(now_ns());  // the last second, however short
    guard_.reset();
}

// --rate: every millisecond, each connection learns how many messages are due
// by now; the send times themselves are computed, so timer jitter does not
// move them.
void Worker::tick() {
    if (stopping) return;
    if (sending && credit_mode) {
        // The stage's rate read here, each millisecond, not when the
        // calling thread next looks: a closed-loop stage must not overrun.
        auto now = now_ns();
        double elapsed = static_cast<double>(now - run_start) / 1e9;
        stage_rate = stage_at(opt.stages, elapsed, opt.rate).rate / static_cast<double>(opt.threads);
        hand_out_credit(now);
    } else if (sending) {
        auto now = now_ns();
        double elapsed = static_cast<double>(now - rate_start) / interval_ns;
        for (auto& c : conns) {
            double due = std::floor(elapsed - c->phase) + 1;
            if (due > static_cast<double>(c->scheduled)) c->scheduled = static_cast<std::uint64_t>(due);
            c->pump();
        }
    }
    rate_timer_.expires_after(std::chrono::milliseconds(1));
    rate_timer_.async_wait([this](const asio::error_code& ec) {
        if (!ec) tick();
    });
}

// --stages with a rate: messages fall due at the stage's rate, each at its
// exact moment between two ticks, and go to the open connections in turn;
// one that cannot send yet keeps them (their latency counts from when they
// were due). With no open connection, or a backlog past the bound, they are
// dropped and counted.
void Worker::hand_out_credit(std::uint64_t now) {
    constexpr std::size_t backlog_bound = 100000;
    if (credit_at_ == 0 || stage_rate <= 0) {
        credit_at_ = now;
        return;
    }
    double per_ns = stage_rate / 1e9;
    double before = credit_;
    credit_ += per_ns * static_cast<double>(now - credit_at_);
    auto whole = static_cast<std::uint64_t>(credit_);
    for (std::uint64_t k = 1; k <= whole; ++k) {
        auto at = credit_at_ + static_cast<std::uint64_t>((static_cast<double>(k) - before) / per_ns);
        bool given = false;
        for (std::size_t tries = 0; tries < conns.size() && !given; ++tries) {
            auto& c = *conns[credit_next_++ % conns.size()];
            if (!c.is_open()) continue;
            given = c.due.size() < backlog_bound;
            if (given) c.due.push_back(at);
            else break;
        }
        if (!given) ++dropped;
    }
    credit_ -= static_cast<double>(whole);
    credit_at_ = now;
    for (auto& c : conns) c->pump();
}

void Worker::schedule_cut() {
    cut_timer_.expires_at(Clock::time_point(std::chrono::nanoseconds(run_start + (cutter_.next_index() + 1) * 1000000000ull)));
    cut_timer_.async_wait([this](const asio::error_code& ec) {
        if (ec || stopping) return;
        cut_interval(now_ns());
        schedule_cut();
    });
}

void Worker::cut_interval(std::uint64_t now) {
    auto sample = cutter_.cut(now, sent, received, errors.total(), open_now, interval_histogram);
    std::lock_guard<std::mutex> lock(intervals_mutex_);
    intervals_.push_back(std::move(sample));
}

std::vector<IntervalSample> Worker::take_intervals() {
    std::lock_guard<std::mutex> lock(intervals_mutex_);
    return std::move(intervals_);
}

void Worker::schedule_publish() {
    publish();
    publish_timer_.expires_after(std::chrono::milliseconds(200));
    publish_timer_.async_wait([this](const asio::error_code& ec) {
        if (!ec && !stopping) schedule_publish();
    });
}

void Worker::fail(ErrorClass kind, const std::string& message) {
    ++(kind == ErrorClass::closed ? errors.closed : errors.protocol);
    if (errors.first_message.empty()) errors.first_message = message;
}

void Worker::fail_opening(const ConnectFailure& failure) {
    switch (failure.code) {
        case ExitCode::tls: ++errors.tls; break;
        case ExitCode::handshake: ++errors.handshake; break;
        case ExitCode::timeout: ++errors.timeout; break;
        default: ++errors.connect; break;  // could not connect, or out of descriptors
    }
    if (!errors.first_opening) errors.first_opening = failure;
    if (errors.first_message.empty()) errors.first_message = failure.message;
}

void Worker::lost(Role role, int close_code, std::string_view reason, const std::string& why) {
    --open_now;
    if (role != Role::handshake) ++ended;
    if (role != Role::handshake) --coord.open_of(role);
    auto now = now_ns();
    for (auto last = coord.last_lost_ns.load(); now > last && !coord.last_lost_ns.compare_exchange_weak(last, now);) {
    }
    if (close_code != 0) {
        if (errors.first_close_code == 0) {
            errors.first_close_code = close_code;
            errors.first_close_reason = std::string(reason);
            errors.first_closed_role = role_noun(role);
        }
        fail(ErrorClass::closed, why);
    }
    check_done();
    if (!opt.stages.empty()) start_more();  // a stage keeps its number of connections
}

void Worker::on_open(Role role, bool settled_now) {
    ++opened;
    ++open_now;
    if (role != Role::handshake) ++coord.open_of(role);
    if (!settled_now) return;
    if (opt.mode != BenchMode::handshake || opened <= plan.size()) on_ready();
    else start_more();
}

void Worker::on_ready() {
    ++settled;
    ++coord.settled;
    ++coord.opened;
    start_more();
}

void Worker::on_settled_failure() {
    ++settled;
    if (opt.mode != BenchMode::handshake) ++ended;  // a failed handshake loop starts over in its place
    ++coord.settled;
    start_more();
    check_done();
}

void Worker::check_done() {
    // Stages end on the clock: between them, a worker may have nothing open.
    if (done_reported || !opt.stages.empty()) return;
    bool all_settled = started == plan.size() && settled >= plan.size();
    bool nothing_open = all_settled && open_now == 0 && opt.mode != BenchMode::handshake;
    bool never_opened = all_settled && opened == 0;
    // Answered, not received: replies to --first and pushes are no echoes of the -n messages.
    bool limit_reached = limited && budget == 0 && answered >= limit;
    if (nothing_open || never_opened || limit_reached) {
        done_reported = true;
        ++coord.workers_done;
    }
}

void Worker::publish() {
    std::lock_guard<std::mutex> lock(mutex_);
    published_.done = opt.mode == BenchMode::idle ? open_now : measured;
    published_.errors = errors.total();
    published_.open = open_now;
    published_.histogram = histogram;
}

Snapshot Worker::snapshot() {
    std::lock_guard<std::mutex> lock(mutex_);
    return published_;
}

}  // namespace wskit::detail::bench
