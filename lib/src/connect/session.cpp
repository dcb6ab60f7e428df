// The `wskit connect` session: stdin -> connection -> stdout, and when to stop.
#include "term/console.hpp"
#include "term/trace_printer.hpp"

#include <wskit/tool/connect.hpp>
#include <wskit/encoding.hpp>
#include <wskit/proxy.hpp>
#include <wskit/redirect.hpp>
#include <wskit/tool/slash.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <random>
#include <unistd.h>

#include <re2/re2.h>

namespace wskit {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::chrono::milliseconds seconds_to_ms(double s) {
    return std::chrono::milliseconds(static_cast<long long>(s * 1000));
}

class Session {
public:
    explicit Session(const ConnectOptions& o) : o_(o), url_(o.client.url) {
        if (!o.until.empty()) {
            RE2::Options options;
            options.set_log_errors(false);
            options.set_max_mem(64 << 20);  // a pattern's compiled size, not the text's
            until_ = std::make_unique<RE2>(o.until, options);
            if (!until_->ok())
                throw Error(ExitCode::usage,
                            fmt::format("invalid --until regex '{}': {} (RE2 syntax)", escape_controls(o.until),
                                        until_->error()));
        }
        wants_messages_ = o.count.has_value() || until_;
        show_outgoing_ = o.output.show_outgoing || o.output.format == OutputFormat::json;
        detail::Console::Options console;
        console.output = o.output;
        console.overflow = detail::Overflow::keep;  // the output is the data: nothing is dropped
        console.interactive = o.interactive;
        console.history = o.history;
        console.framing = o.framing;
        console.encoding = o.encoding;
        console.execute = o.execute;
        console_ = std::make_unique<detail::Console>(
            loop_, std::move(console),
            detail::Console::Handlers{[this](std::vector<Message>& batch) { on_input(batch); },
                                      [this](std::optional<std::string> error) { on_input_end(std::move(error)); },
                                      [this] { on_output_closed(); }, [this] { client_->resume_reading(); }});
    }

    int run() {
        loop_.on_signals([this](int signo) { on_signal(signo); });
        if (o_.timeout_seconds > 0) loop_.after(seconds_to_ms(o_.timeout_seconds), [this] { on_timeout(); });
        start_client({});
        console_->start_input();
        loop_.run();
        finish_output();
        return result_;
    }

private:
    // Connects to url_, sending first what an earlier attempt left unsent.
    void start_client(std::vector<Message> unsent) {
        if (client_) retire(std::move(client_));
        ClientOptions options = redirected_ ? *redirected_ : o_.client;
        options.url = url_;
        if (options.proxy.empty()) options.proxy = proxy_from_environment(url_);
        client_ = std::make_unique<Client>(loop_, options, [this](const Event& e) { on_event(e); });
        opened_ = false;
        client_->connect();
        for (auto& m : unsent) client_->send(std::move(m));
    }

    void on_event(const Event& e) {
        switch (e.type) {
            case EventType::open:
                opened_ = true;
                reconnects_ = 0;
                if (o_.verbosity >= 1) print_trace(client_->handshake());
                print(e);
                // Sent now, so stamped now: timestamps stay in order.
                for (auto& sent : early_outgoing_) {
                    sent.ts = e.ts;
                    print(sent);
                }
                early_outgoing_.clear();
                if (pending_close_) {
                    close_now(pending_close_->first, pending_close_->second);
                } else if (input_ended_) {
                    schedule_close();
                }
                return;
            case EventType::message:
                // Only the wait at the end of input needs the time (it
                // starts its count then): no clock read per message before.
                if (input_ended_) last_heard_ = Clock::now();
                // After --once/--count/--until is met, what still arrives
                // before the close is not part of the answer.
                if (satisfied_) return;
                print(e);
                ++received_;
                if (wants_messages_ && !satisfied_ && condition_met(e)) {
                    satisfied_ = true;
                    close_now(o_.close_code, o_.close_reason);
                }
                return;
            case EventType::close:
                print(e);
                if (try_reconnect()) return;
                if (client_->exit_code() != ExitCode::ok && !exit_override_ && !close_line_explains(e))
                    print_error(client_->error_message());
                else if (client_->exit_code() == ExitCode::ok && !exit_override_ && wants_messages_ && !satisfied_)
                    print_error(unmet_condition() + ": the connection closed first");
                finish(close_result());
                return;
            case EventType::error:
                if (o_.verbosity >= 1) print_trace(client_->handshake());
                if (try_redirect() || try_reconnect()) return;
                print(e);
                finish(to_int(client_->exit_code()));
                return;
            case EventType::drained:
                update_backlog();
                if (awaiting_drain_) {
                    awaiting_drain_ = false;
                    last_heard_ = Clock::now();
                    close_when_silent();
                }
                return;
            default:
                print(e);
                return;
        }
    }

    // A person reading human output already sees "disconnected (code 1008,
    // reason: ...)" for a close the server started: a second line on stderr
    // saying the same would be noise.
    bool close_line_explains(const Event& e) const {
        return o_.output.format == OutputFormat::human && e.direction == Direction::in;
    }

    // Earlier attempts are kept until the library is done with them and its
    // last queued handlers have run (a second is plenty), then freed, so
    // that a long --reconnect run does not accumulate them.
    void retire(std::unique_ptr<Client> client) {
        retired_.push_back({std::move(client), Clock::now()});
        loop_.after(1500ms, [this] {
            auto now = Clock::now();
            retired_.erase(std::remove_if(retired_.begin(), retired_.end(),
                                          [now](const Retired& r) {
                                              return r.client->finished() && now - r.since >= 1s;
                                          }),
                           retired_.end());
        });
    }

    // -L: a 3xx with a Location starts a new connection there.
    bool try_redirect() {
        const auto& trace = client_->handshake();
        bool is_redirect = trace.status == 301 || trace.status == 302 || trace.status == 303 ||
                           trace.status == 307 || trace.status == 308;
        if (!o_.follow_redirects || !is_redirect || trace.location.empty()) return false;
        auto fail = [this](const std::string& why) {
            print_error(why);
            finish(to_int(ExitCode::handshake));
            return true;
        };
        Url next;
        try {
            next = resolve_redirect(url_, trace.location);
        } catch (const Error& e) {
            return fail(e.what());
        }
        visited_.push_back(url_.str());
        if (std::find(visited_.begin(), visited_.end(), next.str()) != visited_.end())
            return fail(fmt::format("redirect loop: {} -> {}", fmt::join(visited_, " -> "), next.str()));
        if (static_cast<int>(visited_.size()) > o_.max_redirects)
            return fail(fmt::format("too many redirects ({}); the last one went to {} (raise --max-redirects)",
                                    visited_.size(), next.str()));
        auto plan = plan_redirect(o_.client, url_, next, o_.location_trusted);
        if (!plan.refusal.empty()) return fail(plan.refusal);
        Event info;
        info.type = EventType::info;
        info.text = fmt::format("following a {} redirect to {}", trace.status, next.str());
        if (o_.verbosity >= 1) {
            std::fprintf(stderr, "* %s\n", info.text.c_str());
            if (!plan.dropped.empty()) {
                auto line = fmt::format("* not sending {} to {}, another origin than {} (--location-trusted sends "
                                        "them)\n",
                                        fmt::join(plan.dropped, ", "), next.str(), o_.client.url.str());
                std::fputs(line.c_str(), stderr);
            }
        }
        print(info);
        redirected_ = std::move(plan.options);
        url_ = next;
        loop_.post([this] { start_client(client_->take_unsent()); });
        return true;
    }

    // --reconnect: after a drop (not a close we asked for), connect again
    // with backoff; each attempt is reported.
    bool try_reconnect() {
        // The end of input does not stop it: a session whose input has ended
        // still has to deliver it, and --keep-open means "stay".
        if (!o_.reconnect || finished_ || exit_override_ || satisfied_ || closing_by_us_) return false;
        if (client_->exit_code() == ExitCode::usage) return false;  // retrying cannot fix a bad option
        if (o_.reconnect_max > 0 && reconnects_ >= o_.reconnect_max) return false;
        ++reconnects_;
        Event e;
        e.type = EventType::reconnect;
        e.text = url_.str();
        e.attempt = reconnects_;
        e.delay_ms = reconnect_delay_ms(reconnects_, jitter_(rng_));
        if (!client_->error_message().empty()) print_error(client_->error_message());
        print(e);
        loop_.after(std::chrono::milliseconds(e.delay_ms), [this] {
            if (!finished_) start_client(client_->take_unsent());
        });
        return true;
    }

    // "--count not reached (1 of 2)", "--until not matched"...
    std::string unmet_condition() const {
        if (o_.once && !until_) return "-1/--once: no message received";
        std::string count = o_.count ? fmt::format("--count not reached ({} of {})", received_, *o_.count) : "";
        if (!until_) return count;
        return count.empty() ? "--until not matched" : "--until not matched and " + count;
    }

    bool condition_met(const Event& e) const {
        if (until_ && e.message.opcode == Opcode::text && RE2::PartialMatch(e.message.payload, *until_)) return true;
        return o_.count && received_ >= *o_.count;
    }

    int close_result() const {
        if (exit_override_) return *exit_override_;
        auto code = client_->exit_code();
        if (code != ExitCode::ok) return to_int(code);
        // The connection ended before --count/--once/--until was satisfied.
        if (wants_messages_ && !satisfied_) return to_int(ExitCode::timeout);
        return 0;
    }

    // Diagnostics go to stderr; at the line editor they are printed above the
    // prompt like everything else, so the line being typed stays intact.
    void print_error(const std::string& line) { console_->diagnostic(line); }

    void print(const Event& e) {
        console_->print(e);
        // The output is the data, so nothing is dropped: while its reader is
        // behind, the server is not read (until the console's on_output_low).
        if (console_->output_backed_up()) client_->pause_reading();
    }

    // What is sent before the connection opens goes out right after the
    // handshake, and is shown after the "connected" line, in that order.
    void print_outgoing(Event e) {
        if (opened_) return print(e);
        early_outgoing_.push_back(std::move(e));
    }

    // Nothing more can be shown. The reader of our stdout went away
    // (| head -1): close quietly, exit 0. Any other failure (a full disk, an
    // I/O error) means lost output: close, and exit 1 saying why.
    void on_output_closed() {
        if (output_closed_) return;
        output_closed_ = true;
        if (console_->output_failed() && !exit_override_) {
            print_error(output_error());
            exit_override_ = to_int(ExitCode::runtime);
        }
        if (!exit_override_) exit_override_ = 0;
        client_->resume_reading();  // so that the close handshake can complete
        close_now(1000, "");
    }

    std::string output_error() const {
        return fmt::format("cannot write to standard output: {}; what the server sent was not all written",
                           console_->output_error());
    }

    // After the loop: what is still queued for stdout is written, waiting
    // for a slow reader as long as --timeout allows (or as long as it takes,
    // like any tool in a pipeline), and a signal meanwhile still stops it.
    // A run that already failed does not wait.
    void finish_output() {
        using Drain = detail::FdSink::Drain;
        std::optional<std::chrono::steady_clock::time_point> deadline;
        if (result_ != 0) deadline = std::chrono::steady_clock::now();
        else if (o_.timeout_seconds > 0) deadline = started_ + seconds_to_ms(o_.timeout_seconds);
        int signo = 0;
        auto drained = console_->drain(deadline, &signo);
        if (result_ != 0) return;
        // What is said now still has to reach stderr.
        struct FinalDrain {
            detail::Console& console;
            ~FinalDrain() { console.drain(std::chrono::steady_clock::now() + 100ms); }
        } final_drain{*console_};
        switch (drained) {
            case Drain::done:
            case Drain::reader_gone:
                return;
            case Drain::failed:
                print_error(output_error());
                result_ = to_int(ExitCode::runtime);
                return;
            case Drain::timed_out:
                print_error(fmt::format("timed out after {} s (--timeout) writing the output; its reader is not "
                                        "keeping up", o_.timeout_seconds));
                result_ = to_int(ExitCode::timeout);
                return;
            case Drain::interrupted:
                result_ = to_int(signo == SIGINT ? ExitCode::interrupted : ExitCode::terminated);
                return;
        }
    }

    void run_command(SlashCommand& cmd) {
        using K = SlashCommand::Kind;
        switch (cmd.kind) {
            case K::to_server:
                if (console_->interactive() && !told_to_server_) {
                    told_to_server_ = true;
                    const auto& line = cmd.message.payload;
                    console_->info(fmt::format("{} is not a wskit command: sent to the server as a message, as every "
                                               "other /command will be (/help lists wskit's)",
                                               escape_controls(line.substr(0, line.find(' ')))));
                }
                [[fallthrough]];
            case K::message:
            case K::ping:
            case K::pong:
            case K::binary: {
                Event e;
                e.type = cmd.kind == K::ping ? EventType::ping : cmd.kind == K::pong ? EventType::pong : EventType::message;
                e.direction = Direction::out;
                e.message = cmd.message;
                print_outgoing(std::move(e));
                client_->send(std::move(cmd.message));
                return;
            }
            // Nothing typed or piped after these is sent.
            case K::close:
                input_stopped_ = true;
                close_now(cmd.close_code, cmd.close_reason);
                return;
            case K::quit:
                input_stopped_ = true;
                close_now(1000, "");
                return;
            case K::help: console_->info(format_slash_help(client_slash_commands())); return;
            case K::invalid: print_error(cmd.error); return;
        }
    }

    void on_input(std::vector<Message>& batch) {
        for (auto& m : batch) {
            if (input_stopped_) break;
            ++units_read_;
            if (o_.slash && m.opcode == Opcode::text) {
                auto cmd = parse_slash_command(m.payload);
                run_command(cmd);
                continue;
            }
            if (auto problem = text_input_problem(m, input_unit_name(units_read_)); !problem.empty()) {
                stop_input(problem);
                break;
            }
            if (show_outgoing_) {
                Event e;
                e.type = EventType::message;
                e.direction = Direction::out;
                e.message = m;
                print_outgoing(std::move(e));
            }
            client_->send(std::move(m));
        }
        update_backlog();
    }

    // "line 3", "-x message 2", "message 4": where bad input was.
    std::string input_unit_name(std::size_t n) const {
        if (!o_.execute.empty()) return fmt::format("-x message {}", n);
        if (o_.framing == InputFraming::lines && !console_->interactive()) return fmt::format("input line {}", n);
        return fmt::format("input message {}", n);
    }

    // Bad input: what came before it is sent and answered as at a normal end
    // of input; the rest is ignored, and the exit status says it failed.
    void stop_input(const std::string& why) {
        input_stopped_ = true;
        print_error(why);
        exit_override_ = to_int(ExitCode::runtime);
        if (!input_ended_) on_input_end(std::nullopt);
    }

    // Tells the reader how much is waiting; while that is above its mark, it
    // waits, until the client's drained event calls this again.
    void update_backlog() { console_->set_backlog(client_->backlog()); }

    void on_input_end(std::optional<std::string> error) {
        if (error) {
            print_error(*error);
            exit_override_ = to_int(ExitCode::runtime);
        }
        input_ended_ = true;
        if (client_->is_open()) schedule_close();
    }

    // End of input: once everything queued is written and the server has
    // been silent for --wait seconds, close; unless something else decides
    // when to stop (--keep-open, --count, --once, --until). Many servers stop
    // answering once they get a close frame, so closing at once would lose
    // the replies still on their way.
    // --count and --until follow the same rule: not met once the server has
    // been silent that long, they never will be (a script must not hang).
    void schedule_close() {
        bool input_failed = exit_override_.has_value();
        if (!input_failed && o_.keep_open) return;
        last_heard_ = Clock::now();
        close_when_silent();
    }

    void close_when_silent() {
        if (finished_ || closing_by_us_) return;
        auto now = Clock::now();
        if (client_->backlog() > 0) {
            // Silence counts from the last byte out: the drained event
            // starts the count again.
            awaiting_drain_ = true;
            return;
        }
        auto quiet = now - last_heard_;
        auto wait = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.wait_seconds));
        if (quiet >= wait) {
            if (exit_override_) return close_now(1000, "");
            if (wants_messages_ && !satisfied_) {
                print_error(fmt::format("{} {} (--keep-open waits as long as it takes)", unmet_condition(),
                                        o_.wait_seconds > 0
                                            ? fmt::format("after the server was silent for {:g} s (-w)", o_.wait_seconds)
                                            : std::string("at the end of input (-w 0)")));
                exit_override_ = to_int(ExitCode::timeout);
            }
            return close_now(o_.close_code, o_.close_reason);
        }
        loop_.after(std::chrono::ceil<std::chrono::milliseconds>(wait - quiet), [this] { close_when_silent(); });
    }

    void close_now(int code, const std::string& reason) {
        closing_by_us_ = true;
        if (!opened_ && !finished_) {
            // Still connecting: close right after what is queued has gone out.
            pending_close_ = std::make_pair(code, reason);
            return;
        }
        if (!client_->close(code, reason) && !client_->is_open()) {
            // Not open (still connecting, or already closed): nothing to
            // negotiate.
            if (!finished_ && !closing_timer_) finish(exit_override_.value_or(result_));
        }
    }

    void on_timeout() {
        if (finished_) return;
        print_error(fmt::format("timed out after {} s (--timeout)", o_.timeout_seconds));
        exit_override_ = to_int(ExitCode::timeout);
        close_with_deadline(1000, "timeout");
    }

    void on_signal(int signo) {
        int code = signo == SIGINT ? to_int(ExitCode::interrupted) : to_int(ExitCode::terminated);
        if (exit_override_ && *exit_override_ == code) return finish(code);  // second signal: go now
        exit_override_ = code;
        close_with_deadline(1000, "");
    }

    // Starts the close handshake and gives the server 1 s to answer it.
    void close_with_deadline(int code, const std::string& reason) {
        closing_by_us_ = true;
        if (!client_->close(code, reason)) {
            if (!client_->is_open()) return finish(*exit_override_);
        }
        if (!closing_timer_) {
            closing_timer_ = true;
            loop_.after(1000ms, [this] {
                if (finished_) return;
                // The server never answered: the connection is abandoned.
                Event e;
                e.type = EventType::close;
                e.code = 1006;
                e.clean = false;
                print(e);
                finish(*exit_override_);
            });
        }
    }

    void finish(int code) {
        if (finished_) return;
        finished_ = true;
        result_ = exit_override_.value_or(code);
        loop_.stop();
    }

    const ConnectOptions& o_;
    Url url_;  // where the current attempt goes (changes with redirects)
    const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();  // for --timeout
    EventLoop loop_;
    std::unique_ptr<detail::Console> console_;
    std::unique_ptr<Client> client_;
    struct Retired {
        std::unique_ptr<Client> client;
        Clock::time_point since;
    };
    std::vector<Retired> retired_;  // earlier attempts; their handlers may still be queued
    std::unique_ptr<RE2> until_;
    std::vector<std::string> visited_;  // URLs that redirected
    std::optional<ClientOptions> redirected_;  // -L: the options for url_ (credentials kept or dropped)
    int reconnects_ = 0;                // attempts since the last open
    std::mt19937 rng_{std::random_device{}()};
    std::uniform_real_distribution<double> jitter_{0.0, 1.0};
    bool wants_messages_ = false;
    bool satisfied_ = false;
    std::size_t received_ = 0;
    bool input_ended_ = false;
    bool input_stopped_ = false;        // /quit, /close or bad input: the rest of the input is ignored
    std::size_t units_read_ = 0;        // input messages so far, to name a bad one
    bool show_outgoing_ = false;        // sent messages become "out" events (human off a terminal, JSON)
    bool told_to_server_ = false;       // the terminal was told that other /commands go to the server
    Clock::time_point last_heard_;      // the last frame from the server, or byte written to it
    bool closing_timer_ = false;
    bool closing_by_us_ = false;
    bool output_closed_ = false;
    bool finished_ = false;
    bool awaiting_drain_ = false;        // the close waits for the backlog to go (close_when_silent)
    bool opened_ = false;
    std::optional<std::pair<int, std::string>> pending_close_;
    std::vector<Event> early_outgoing_;  // shown once the connection is open
    std::optional<int> exit_override_;
    int result_ = 0;
};

}  // namespace

long reconnect_delay_ms(int attempt, double random01) {
    double cap = 30000;
    double base = std::min(cap, 500.0 * std::pow(2.0, std::max(0, attempt - 1)));
    return static_cast<long>(base / 2 + random01 * base / 2);
}

int run_connect(const ConnectOptions& options) {
    std::signal(SIGPIPE, SIG_IGN);
    Session session(options);
    return session.run();
}

}  // namespace wskit
