#include "connect/closer.hpp"

#include <wskit/encoding.hpp>

#include <fmt/format.h>

#include <csignal>

#include <re2/re2.h>

namespace wskit::detail {

using namespace std::chrono_literals;

Closer::Closer(const ConnectOptions& options, Connection& connection, Timers& timers, Effects effects)
    : o_(options), connection_(connection), timers_(timers), effects_(std::move(effects)), started_(timers.now()) {
    if (!o_.until.empty()) {
        RE2::Options re;
        re.set_log_errors(false);
        re.set_max_mem(64 << 20);  // a pattern's compiled size, not the text's
        until_ = std::make_unique<RE2>(o_.until, re);
        if (!until_->ok())
            throw Error(ExitCode::usage, fmt::format("invalid --until regex '{}': {} (RE2 syntax)",
                                                     escape_controls(o_.until), until_->error()));
    }
    wants_messages_ = o_.count.has_value() || until_;
}

Closer::~Closer() = default;

namespace {

std::chrono::milliseconds seconds_to_ms(double s) {
    return std::chrono::milliseconds(static_cast<long long>(s * 1000));
}

}  // namespace

void Closer::start() {
    if (o_.timeout_seconds > 0) timers_.after(seconds_to_ms(o_.timeout_seconds), [this] { on_timeout(); });
}

void Closer::on_connecting() { opened_ = false; }

void Closer::on_open() {
    opened_ = true;
    if (pending_close_) {
        close_now(pending_close_->first, pending_close_->second);
    } else if (input_ended_) {
        schedule_close();
    }
}

bool Closer::wants_message() {
    // Only the wait at the end of input needs the time (it starts its count
    // then): no clock read per message before.
    if (input_ended_) last_heard_ = timers_.now();
    return !satisfied_;
}

void Closer::on_shown(const Event& message) {
    ++received_;
    if (wants_messages_ && !satisfied_ && condition_met(message)) {
        satisfied_ = true;
        close_now(o_.close_code, o_.close_reason);
    }
}

void Closer::on_input_end(std::optional<std::string> error) {
    if (error) {
        effects_.diagnostic(*error);
        exit_override_ = to_int(ExitCode::runtime);
    }
    input_ended_ = true;
    if (connection_.is_open()) schedule_close();
}

void Closer::on_bad_input(const std::string& why) {
    effects_.diagnostic(why);
    exit_override_ = to_int(ExitCode::runtime);
    if (!input_ended_) on_input_end(std::nullopt);
}

// Nothing more can be shown. The reader of our stdout went away
// (| head -1): close quietly, exit 0. Any other failure (a full disk, an
// I/O error) means lost output: close, and exit 1 saying why.
void Closer::on_output_closed(std::optional<std::string> failure) {
    if (failure && !exit_override_) {
        effects_.diagnostic(*failure);
        exit_override_ = to_int(ExitCode::runtime);
    }
    if (!exit_override_) exit_override_ = 0;
    close_now(1000, "");
}

void Closer::on_signal(int signo) {
    int code = to_int(exit_code_for_signal(signo));
    if (exit_override_ && *exit_override_ == code) return finish(code);  // second signal: go now
    exit_override_ = code;
    close_with_deadline(1000, "");
}

void Closer::on_closed(ExitCode client_code, const std::string& client_error, bool explained) {
    if (client_code != ExitCode::ok && !exit_override_ && !explained)
        effects_.diagnostic(client_error);
    else if (client_code == ExitCode::ok && !exit_override_ && wants_messages_ && !satisfied_)
        effects_.diagnostic(unmet_condition() + ": the connection closed first");
    finish(close_result(client_code));
}

std::optional<Closer::Clock::time_point> Closer::drain_deadline() const {
    if (result_ != 0) return timers_.now();
    if (o_.timeout_seconds > 0) return started_ + seconds_to_ms(o_.timeout_seconds);
    return std::nullopt;
}

void Closer::on_drained(FdSink::Drain drained, int signo, const std::string& output_error) {
    if (result_ != 0) return;
    using Drain = FdSink::Drain;
    switch (drained) {
        case Drain::done:
        case Drain::reader_gone:
            return;
        case Drain::failed:
            effects_.diagnostic(output_error);
            result_ = to_int(ExitCode::runtime);
            return;
        case Drain::timed_out:
            effects_.diagnostic(fmt::format("timed out after {} s (--timeout) writing the output; its reader is not "
                                            "keeping up", o_.timeout_seconds));
            result_ = to_int(ExitCode::timeout);
            return;
        case Drain::interrupted:
            result_ = to_int(exit_code_for_signal(signo));
            return;
    }
}

bool Closer::ending() const { return finished_ || exit_override_ || satisfied_ || closing_by_us_; }

// End of input: once everything queued is written and the server has been
// silent for --wait seconds, close; unless something else decides when to
// stop (--keep-open, --count, --once, --until). Many servers stop answering
// once they get a close frame, so closing at once would lose the replies
// still on their way.
// --count and --until follow the same rule: not met once the server has
// been silent that long, they never will be (a script must not hang).
void Closer::schedule_close() {
    bool input_failed = exit_override_.has_value();
    if (!input_failed && o_.keep_open) return;
    last_heard_ = timers_.now();
    close_when_silent();
}

void Closer::close_when_silent() {
    if (finished_ || closing_by_us_) return;
    // Silence counts from the last byte out: on_written() starts the count.
    if (connection_.backlog() > 0) {
        awaiting_written_ = true;
        return;
    }
    auto quiet = timers_.now() - last_heard_;
    auto wait = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.wait_seconds));
    if (quiet >= wait) {
        if (exit_override_) return close_now(1000, "");
        if (wants_messages_ && !satisfied_) {
            effects_.diagnostic(fmt::format(
                "{} {} (--keep-open waits as long as it takes)", unmet_condition(),
                o_.wait_seconds > 0 ? fmt::format("after the server was silent for {:g} s (-w)", o_.wait_seconds)
                                    : std::string("at the end of input (-w 0)")));
            exit_override_ = to_int(ExitCode::timeout);
        }
        return close_now(o_.close_code, o_.close_reason);
    }
    timers_.after(std::chrono::ceil<std::chrono::milliseconds>(wait - quiet), [this] { close_when_silent(); });
}

void Closer::on_written() {
    if (!awaiting_written_) return;
    awaiting_written_ = false;
    last_heard_ = timers_.now();
    close_when_silent();
}

void Closer::close_now(int code, const std::string& reason) {
    closing_by_us_ = true;
    if (!opened_ && !finished_) {
        // Still connecting: close right after what is queued has gone out.
        pending_close_ = std::make_pair(code, reason);
        return;
    }
    if (!connection_.close(code, reason) && !connection_.is_open()) {
        // Not open (still connecting, or already closed): nothing to
        // negotiate.
        if (!finished_ && !closing_timer_) finish(exit_override_.value_or(result_));
    }
}

void Closer::on_timeout() {
    if (finished_) return;
    effects_.diagnostic(fmt::format("timed out after {} s (--timeout)", o_.timeout_seconds));
    exit_override_ = to_int(ExitCode::timeout);
    close_with_deadline(1000, "timeout");
}

// Starts the close handshake and gives the server 1 s to answer it.
void Closer::close_with_deadline(int code, const std::string& reason) {
    closing_by_us_ = true;
    if (!connection_.close(code, reason)) {
        if (!connection_.is_open()) return finish(*exit_override_);
    }
    if (!closing_timer_) {
        closing_timer_ = true;
        timers_.after(1000ms, [this] {
            if (finished_) return;
            // The server never answered: the connection is abandoned.
            Event e;
            e.type = EventType::close;
            e.code = 1006;
            e.clean = false;
            effects_.show(e);
            finish(*exit_override_);
        });
    }
}

void Closer::finish(int code) {
    if (finished_) return;
    finished_ = true;
    result_ = exit_override_.value_or(code);
    effects_.stop();
}

// "--count not reached (1 of 2)", "--until not matched"...
std::string Closer::unmet_condition() const {
    if (o_.once && !until_) return "-1/--once: no message received";
    std::string count = o_.count ? fmt::format("--count not reached ({} of {})", received_, *o_.count) : "";
    if (!until_) return count;
    return count.empty() ? "--until not matched" : "--until not matched and " + count;
}

bool Closer::condition_met(const Event& message) const {
    if (until_ && message.message.opcode == Opcode::text && RE2::PartialMatch(message.message.payload, *until_))
        return true;
    return o_.count && received_ >= *o_.count;
}

int Closer::close_result(ExitCode client_code) const {
    if (exit_override_) return *exit_override_;
    if (client_code != ExitCode::ok) return to_int(client_code);
    // The connection ended before --count/--once/--until was satisfied.
    if (wants_messages_ && !satisfied_) return to_int(ExitCode::timeout);
    return 0;
}

}  // namespace wskit::detail
