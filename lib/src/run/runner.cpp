// `wskit run`: every script parsed first, then run on one event loop, up to
// --jobs at once; a line per script, the failures' details, a JUnit report.
#include "record/whole_file.hpp"
#include "run/script_run.hpp"
#include "term/console.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/printer.hpp>
#include <wskit/tool/run.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <cstring>

namespace wskit {
namespace {

// XML text and attribute values: markup escaped, and control characters
// (which XML 1.0 cannot hold) shown as \xNN.
std::string xml(std::string_view text) {
    std::string out;
    for (unsigned char c : escape_controls(text, /*keep_layout=*/true)) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += static_cast<char>(c);
        }
    }
    return out;
}

// One test case per script, its failure with the step and the details.
void write_junit(const std::string& path, const std::vector<detail::ScriptResult>& results, double seconds) {
    std::size_t failures = 0;
    for (const auto& r : results) failures += !r.passed;
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += fmt::format("<testsuites tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n", results.size(), failures, seconds);
    out += fmt::format("  <testsuite name=\"wskit run\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" "
                       "time=\"{:.3f}\">\n",
                       results.size(), failures, seconds);
    for (const auto& r : results) {
        out += fmt::format("    <testcase classname=\"wskit.run\" name=\"{}\" time=\"{:.3f}\"", xml(r.name), r.seconds);
        if (r.passed) {
            out += "/>\n";
            continue;
        }
        if (r.skipped) {
            out += ">\n      <skipped message=\"not run: wskit was interrupted\"/>\n    </testcase>\n";
            continue;
        }
        std::string body;
        for (const auto& d : r.details) body += d + "\n";
        out += fmt::format(">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n", xml(r.failure),
                           r.exit == 1 ? "step" : "connection", xml(body));
    }
    out += "  </testsuite>\n</testsuites>\n";
    if (int error = detail::write_whole_file(path, out))
        throw Error(ExitCode::runtime, fmt::format("--junit: cannot write {}: {}", escape_controls(path), std::strerror(error)));
}

class Runner {
public:
    explicit Runner(const RunOptions& o) : o_(o) {
        detail::Console::Options console;
        console.output = o.output;
        console_ = std::make_unique<detail::Console>(loop_, std::move(console), detail::Console::Handlers{});
        detail::ScriptRun::Trace trace;
        if (o.verbosity >= 1) trace = [this](const std::string& line) { console_->status_line(line); };
        // All of them parsed before any runs: a typo in the fifth script is
        // said before the first has touched a server.
        for (const auto& path : o.scripts)
            runs_.push_back(std::make_unique<detail::ScriptRun>(loop_, detail::read_script(path), o, trace));
        results_.resize(runs_.size());
    }

    int run() {
        started_ = std::chrono::steady_clock::now();
        loop_.on_signals([this](int signo) {
            interrupted_ = to_int(exit_code_for_signal(signo));
            loop_.stop();
        });
        for (std::size_t i = 0; i < std::max<std::size_t>(o_.jobs, 1); ++i) start_next();
        loop_.run();
        if (interrupted_) account_for_the_interrupted();
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
        int result = interrupted_;
        std::size_t passed = 0;
        for (const auto& r : results_) {
            passed += r.passed;
            if (!result && !r.passed) result = r.exit ? r.exit : 1;
        }
        if (!o_.junit.empty()) {
            try {
                write_junit(o_.junit, results_, seconds);
            } catch (const Error& e) {
                console_->diagnostic(e.what());
                if (!result) result = to_int(e.code());
            }
        }
        if (o_.output.format != OutputFormat::json && runs_.size() > 1)
            console_->print_record(fmt::format("{} of {} scripts passed ({:.2f} s)\n", passed, runs_.size(), seconds));
        console_->drain(std::nullopt);
        return result;
    }

private:
    // A signal stopped the loop: the scripts under way failed, the others
    // never ran.
    void account_for_the_interrupted() {
        for (std::size_t i = 0; i < runs_.size(); ++i) {
            auto& r = results_[i];
            if (!r.name.empty()) continue;
            r.name = runs_[i]->name();
            r.exit = interrupted_;
            r.skipped = i >= next_;
            if (r.skipped) continue;
            r.failure = fmt::format("{}: interrupted ({})", r.name, interrupted_ == 130 ? "SIGINT" : "SIGTERM");
            report(r);
        }
    }

    void start_next() {
        if (next_ >= runs_.size()) return;
        std::size_t i = next_++;
        ++running_;
        runs_[i]->start([this, i](detail::ScriptResult r) { finished(i, std::move(r)); });
    }

    void finished(std::size_t i, detail::ScriptResult r) {
        report(r);
        results_[i] = std::move(r);
        --running_;
        start_next();
        if (!running_ && next_ >= runs_.size()) loop_.stop();
    }

    void report(const detail::ScriptResult& r) {
        if (o_.output.format == OutputFormat::json) {
            nlohmann::ordered_json j;
            j["event"] = "script";
            j["ts"] = format_iso_time(std::chrono::system_clock::now());
            j["conn"] = 0;
            j["script"] = r.name;
            j["passed"] = r.passed;
            j["exit"] = r.exit;
            j["steps"] = r.steps;
            j["seconds"] = r.seconds;
            if (!r.passed) {
                j["failure"] = r.failure;
                j["details"] = r.details;
            }
            return console_->print_record(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
        }
        if (r.passed) {
            console_->print_record(fmt::format("PASS {} ({} steps, {:.2f} s)\n", r.name, r.steps, r.seconds));
            return;
        }
        std::string text = fmt::format("FAIL {}\n", r.failure);
        for (const auto& d : r.details) text += "  " + d + "\n";
        console_->print_record(text);
    }

    const RunOptions& o_;
    EventLoop loop_;
    std::unique_ptr<detail::Console> console_;
    // Kept until the loop is over: a run may still have handlers queued.
    std::vector<std::unique_ptr<detail::ScriptRun>> runs_;
    std::vector<detail::ScriptResult> results_;
    std::size_t next_ = 0;
    std::size_t running_ = 0;
    int interrupted_ = 0;
    std::chrono::steady_clock::time_point started_;
};

}  // namespace

int run_scripts(const RunOptions& options) {
    std::signal(SIGPIPE, SIG_IGN);
    if (options.scripts.empty()) throw Error(ExitCode::usage, "wskit run needs a script");
    Runner runner(options);
    return runner.run();
}

}  // namespace wskit
