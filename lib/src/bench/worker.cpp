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
               std::uint64_t seed)
    : opt(options), coord(coordination), targets(servers), frame(options.size, options.binary), rng(seed | 1),
      read_buffer(256 * 1024) {
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
    start_more();
    if (interval_ns > 0) tick();
    schedule_publish();
    check_done();
}

void Worker::start_more() {
    bool waves = opt.mode == BenchMode::idle;
    while (started < plan.size() && !stopping && (!waves || started - settled < opt.parallel_opens)) {
        const auto& p = plan[started++];
        auto c = make_connection(*this, p.role, p.target);
        c->sender_id = p.sender_id;
        c->phase = p.phase;
        if (p.role == Role::receiver) c->tracks.assign(senders, SenderTrack{});
        conns.push_back(c);
        c->start();
    }
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
    rate_timer_.cancel();
    publish_timer_.cancel();
    guard_.reset();
}

// --rate: every millisecond, each connection learns how many messages are due
// by now; the send times themselves are computed, so timer jitter does not
// move them.
void Worker::tick() {
    if (stopping) return;
    if (sending) {
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
    ++coord.settled;
    start_more();
    check_done();
}

void Worker::check_done() {
    if (done_reported) return;
    bool all_settled = started == plan.size() && settled >= plan.size();
    bool nothing_open = all_settled && open_now == 0 && opt.mode != BenchMode::handshake;
    bool never_opened = all_settled && opened == 0;
    bool limit_reached = limited && budget == 0 && received >= limit;
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
