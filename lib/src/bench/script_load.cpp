#include "bench/script_load.hpp"
#include "bench/intervals.hpp"
#include "bench/proc.hpp"
#include "run/script_run.hpp"

#include <wskit/error.hpp>
#include <wskit/loop.hpp>
#include <wskit/tool/run.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

namespace wskit::detail::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t ns_since(Clock::time_point from) {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - from).count());
}

class ScriptLoad {
public:
    ScriptLoad(const BenchOptions& o, const std::function<void(const BenchProgress&)>& on_progress,
               const std::function<bool()>& interrupted)
        : o_(o), on_progress_(on_progress), interrupted_(interrupted), script_(read_script(o.script)),
          series_(1, 0) {
        run_options_.client = o.client;
        run_options_.url = o.client.url.str();
        sessions_.resize(o.connections);
        // A syntax error or a regex RE2 refuses is said before anything connects.
        ScriptRun check(loop_, script_, run_options_, {});
    }

    BenchResult run() {
        start_ = Clock::now();
        for (std::size_t i = 0; i < sessions_.size(); ++i) start(i);
        loop_.after(std::chrono::milliseconds(static_cast<long>((o_.warmup + o_.duration) * 1000)), [this] { loop_.stop(); });
        tick();
        cut_at_second();
        loop_.run();
        cut(ns_since(start_));
        return result();
    }

private:
    void start(std::size_t slot) {
        auto& s = sessions_[slot];
        if (s) retired_.emplace_back(Clock::now(), std::move(s));  // its handlers may still be on the stack
        s = std::make_unique<ScriptRun>(loop_, script_, run_options_, ScriptRun::Trace{});
        ScriptRun::Meter meter;
        meter.opened = [this] { ++opened_; };
        meter.ended = [this] { ++ended_; };
        meter.sent = [this] { ++sent_; };
        meter.received = [this] { ++received_; };
        meter.answered = [this](std::chrono::nanoseconds latency) { answered(static_cast<std::uint64_t>(latency.count())); };
        s->meter(std::move(meter));
        s->start([this, slot](ScriptResult r) { finished(slot, std::move(r)); });
    }

    void answered(std::uint64_t latency) {
        if (ns_since(start_) < static_cast<std::uint64_t>(o_.warmup * 1e9)) return;
        interval_.record(latency);
        histogram_.record(latency);
        ++measured_;
    }

    void finished(std::size_t slot, ScriptResult r) {
        if (r.passed) {
            ++passes_;
        } else {
            count_failure(r);
        }
        // A session that cannot connect is not retried at full speed: it waits its turn.
        bool refused = !r.passed && r.exit != 1 && r.exit != 6;
        loop_.post([this, slot, refused] {
            if (refused) loop_.after(std::chrono::milliseconds(100), [this, slot] { start(slot); });
            else start(slot);
        });
    }

    void count_failure(const ScriptResult& r) {
        auto code = static_cast<ExitCode>(r.exit);
        bool opening = code == ExitCode::connect || code == ExitCode::tls || code == ExitCode::handshake ||
                       code == ExitCode::timeout;
        // The failure's line without the script's "NAME:LINE: connect URL: " before it, as bench says its own.
        if (opening && !errors_.first_opening) {
            auto colon = r.failure.rfind(": cannot ");
            auto message = r.failure.substr(colon == std::string::npos ? 0 : colon + 2);
            errors_.first_opening = ConnectFailure{code, message};
        }
        switch (code) {
            case ExitCode::connect: ++errors_.connect; break;
            case ExitCode::tls: ++errors_.tls; break;
            case ExitCode::handshake: ++errors_.handshake; break;
            case ExitCode::timeout: ++errors_.timeout; break;
            case ExitCode::abnormal_close: ++errors_.closed; break;
            default: ++errors_.protocol; break;  // a step failed
        }
        if (errors_.first_message.empty()) errors_.first_message = r.failure;
    }

    void tick() {
        if (interrupted_ && interrupted_()) return loop_.stop();
        // Finished sessions are let go a second later, when nothing of theirs can still be queued.
        auto old = Clock::now() - std::chrono::seconds(1);
        retired_.erase(std::remove_if(retired_.begin(), retired_.end(), [old](const auto& r) { return r.first < old; }),
                       retired_.end());
        if (on_progress_) {
            BenchProgress p;
            p.elapsed = static_cast<double>(ns_since(start_)) / 1e9;
            p.planned = o_.warmup + o_.duration;
            p.done = measured_;
            p.errors = errors_.total();
            p.p99_ns = histogram_.percentile(99);
            on_progress_(p);
        }
        loop_.after(std::chrono::milliseconds(250), [this] { tick(); });
    }

    void cut_at_second() {
        auto next = std::chrono::nanoseconds((cutter_.next_index() + 1) * 1000000000ull) - std::chrono::nanoseconds(ns_since(start_));
        loop_.after(std::chrono::duration_cast<std::chrono::milliseconds>(next) + std::chrono::milliseconds(1), [this] {
            cut(ns_since(start_));
            cut_at_second();
        });
    }

    void cut(std::uint64_t now) {
        series_.add(cutter_.cut(now, sent_, received_, errors_.total(), static_cast<std::size_t>(opened_ - ended_), interval_));
    }

    BenchResult result() {
        BenchResult r;
        r.options = o_;
        r.started_at = started_at_;
        r.seconds = std::max(0.0, static_cast<double>(ns_since(start_)) / 1e9 - o_.warmup);
        r.sent = sent_;
        r.received = received_;
        r.measured = measured_;
        r.per_second = r.seconds > 0 ? static_cast<double>(measured_) / r.seconds : 0;
        r.opened = opened_;
        r.open_at_end = static_cast<std::size_t>(opened_ - ended_);
        r.client_cpu_seconds = own_cpu_seconds() - cpu_before_;
        double wall = static_cast<double>(ns_since(start_)) / 1e9;
        r.client_cpu_percent = wall > 0 ? 100 * r.client_cpu_seconds / wall : 0;
        if (measured_) r.client_cpu_us_per_message = r.client_cpu_seconds * 1e6 / static_cast<double>(measured_);
        r.client_saturated = r.client_cpu_percent >= 90.0;
        r.histogram = histogram_;
        const auto& h = histogram_;
        r.latency = {h.count(), h.min(), h.percentile(50), h.percentile(90), h.percentile(99), h.percentile(99.9),
                     h.max(), h.mean()};
        r.errors = errors_;
        r.intervals = series_.finish();
        return r;
    }

    const BenchOptions& o_;
    std::function<void(const BenchProgress&)> on_progress_;
    std::function<bool()> interrupted_;
    Script script_;
    RunOptions run_options_;
    EventLoop loop_;
    std::vector<std::unique_ptr<ScriptRun>> sessions_;
    std::vector<std::pair<Clock::time_point, std::unique_ptr<ScriptRun>>> retired_;
    IntervalCollector series_;
    Clock::time_point start_;
    double cpu_before_ = own_cpu_seconds();
    double started_at_ = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    std::uint64_t opened_ = 0, ended_ = 0, sent_ = 0, received_ = 0, measured_ = 0, passes_ = 0;
    IntervalCutter cutter_;
    LatencyHistogram histogram_, interval_;
    BenchErrors errors_;
};

}  // namespace

BenchResult run_script_bench(const BenchOptions& options, const std::function<void(const BenchProgress&)>& on_progress,
                             const std::function<bool()>& interrupted) {
    ScriptLoad load(options, on_progress, interrupted);
    return load.run();
}

}  // namespace wskit::detail::bench
