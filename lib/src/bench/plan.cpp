#include "bench/plan.hpp"
#include "bench/stages.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>

#include <algorithm>

namespace wskit::detail::bench {

BenchOptions checked(BenchOptions o) {
    if (o.connections == 0) throw Error(ExitCode::usage, "-c must be at least 1");
    if (o.mode != BenchMode::fanout && !o.other_servers.empty())
        throw Error(ExitCode::usage, std::string("--mode ") + bench_mode_name(o.mode) +
                                         " takes one URL; only fanout spreads over several");
    if (o.window == 0) throw Error(ExitCode::usage, "--window must be at least 1");
    if (o.mode == BenchMode::fanout && o.senders == 0) throw Error(ExitCode::usage, "--senders must be at least 1");
    if (o.mode == BenchMode::fanout && o.senders > 0xffff) throw Error(ExitCode::usage, "--senders is at most 65535");
    if (o.mode == BenchMode::fanout && o.rate == 0) o.rate = 1000;  // senders wait for nothing: pace them
    bool traffic = !o.first.empty() || !o.templates.empty() || !o.messages_from.empty() || !o.match.empty();
    if (o.mode != BenchMode::echo && (traffic || !o.stages.empty()))
        throw Error(ExitCode::usage, std::string("--mode ") + bench_mode_name(o.mode) +
                                         " sends no messages of its own: --first, --message, --messages-from, --match "
                                         "and --stages go with --mode echo");
    if (!o.match.empty() && o.templates.empty() && o.messages_from.empty())
        throw Error(ExitCode::usage, "--match pairs replies with requests: give the requests with --message or "
                                     "--messages-from");
    if (!o.script.empty() && o.mode != BenchMode::echo)
        throw Error(ExitCode::usage, "--script goes with --mode echo");
    if (!o.script.empty() && (traffic || !o.stages.empty() || o.connect_rate > 0 || o.messages > 0 || o.rate > 0))
        throw Error(ExitCode::usage, "--script is the whole traffic: it goes without --first, --message, "
                                     "--messages-from, --match, --stages, --connect-rate, --rate and -n");
    if (!o.stages.empty() && o.messages > 0) throw Error(ExitCode::usage, "--stages and -n: the stages decide how long the run lasts");
    if (!o.stages.empty()) o.connections = detail::bench::stages_peak(o.stages);
    if (o.messages > 0) o.warmup = 0;  // -n counts every echo
    // Echo messages are compressed once for the whole run, each on its own:
    // saying so lets the server drop its inflate window between messages.
    if (o.client.compress) o.client.compress->client_no_context_takeover = true;
    std::size_t total = o.connections + (o.mode == BenchMode::fanout ? o.senders : 0);
    o.threads = static_cast<unsigned>(std::clamp<std::size_t>(o.threads, 1, total));
    return o;
}

// --first and the templates, compiled once; text ones must be UTF-8 (a
// server closes with 1007 otherwise, and every connection would fail alike).
Traffic compile_traffic(const BenchOptions& o) {
    Traffic t;
    auto compile = [&](const std::string& text, const char* what) {
        if (!o.binary && !is_valid_utf8(text))
            throw Error(ExitCode::usage, std::string(what) + " is not valid UTF-8: send it with --binary");
        return MessageTemplate::compile(text, t.files);
    };
    for (const auto& m : o.first) t.first.push_back(compile(m, "a --first message"));
    for (const auto& m : o.templates) t.requests.push_back(compile(m, "a --message template"));
    if (!o.messages_from.empty()) {
        for (const auto& m : read_message_lines(o.messages_from)) t.requests.push_back(compile(m, "a --messages-from line"));
    }
    if (!o.match.empty()) t.match.emplace(o.match);
    return t;
}

// Spreads the connections over the workers, round robin, with their --rate
// phases. Stages plan none: the workers open them as the stages want.
void plan(const BenchOptions& o, std::vector<std::unique_ptr<Worker>>& workers) {
    for (std::size_t w = 0; w < workers.size(); ++w) {
        auto& worker = *workers[w];
        worker.senders = o.senders;
        worker.connect_rate = o.connect_rate / static_cast<double>(workers.size());
        worker.next_number = w;
    }
    if (!o.stages.empty()) {
        bool rated = o.rate > 0;
        for (const auto& s : o.stages) rated = rated || s.rate > 0;
        for (auto& w : workers) {
            w->credit_mode = rated;
            w->wanted = 0;
        }
        return;
    }
    Role role = o.mode == BenchMode::echo        ? Role::echo
                : o.mode == BenchMode::fanout    ? Role::receiver
                : o.mode == BenchMode::handshake ? Role::handshake
                                                 : Role::idle;
    std::size_t n = 0;
    std::size_t servers = 1 + o.other_servers.size();
    for (std::size_t i = 0; i < o.connections; ++i, ++n) {
        double phase = static_cast<double>(i) / static_cast<double>(o.connections);
        workers[n % workers.size()]->plan.push_back({role, 0, phase, bench_server_of_receiver(i, servers), i});
    }
    if (o.mode == BenchMode::fanout) {
        for (std::uint32_t s = 0; s < o.senders; ++s, ++n) {
            double phase = static_cast<double>(s) / static_cast<double>(o.senders);
            workers[n % workers.size()]->plan.push_back({Role::sender, s, phase});
        }
    }
    std::size_t rated = o.mode == BenchMode::fanout ? o.senders : o.connections;
    for (std::size_t w = 0; w < workers.size(); ++w) {
        auto& worker = *workers[w];
        if (o.rate > 0 && (o.mode == BenchMode::echo || o.mode == BenchMode::fanout)) {
            worker.interval_ns = 1e9 * static_cast<double>(rated) / o.rate;
        }
        if (o.messages > 0 && o.mode == BenchMode::echo) {
            worker.limited = true;
            worker.limit = o.messages / workers.size() + (w < o.messages % workers.size() ? 1 : 0);
            worker.budget = worker.limit;
        }
    }
}

}  // namespace wskit::detail::bench
