// The `wskit connect` session: the wiring of stdin, the connection and
// stdout. When to stop is the Closer's to decide, where to connect next the
// Retry's.
#include "connect/closer.hpp"
#include "connect/retry.hpp"
#include "term/console.hpp"
#include "term/trace_printer.hpp"

#include <wskit/tool/connect.hpp>
#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/tool/slash.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace wskit {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The closer's view of the current attempt (client_ changes with each one).
class AttemptLink : public detail::Closer::Connection {
public:
    explicit AttemptLink(const std::unique_ptr<Client>& client) : client_(client) {}
    bool close(int code, const std::string& reason) override { return client_->close(code, reason); }
    bool is_open() const override { return client_->is_open(); }
    std::size_t backlog() const override { return client_->backlog(); }

private:
    const std::unique_ptr<Client>& client_;
};

class LoopTimers : public detail::Closer::Timers {
public:
    explicit LoopTimers(EventLoop& loop) : loop_(loop) {}
    Clock::time_point now() const override { return Clock::now(); }
    void after(std::chrono::milliseconds delay, std::function<void()> fn) override {
        loop_.after(delay, std::move(fn));
    }

private:
    EventLoop& loop_;
};

class Session {
public:
    explicit Session(const ConnectOptions& o)
        : o_(o), closer_(o, link_, timers_, closer_effects()), retry_(o, retry_effects()) {
        if (o.record) recorder_ = Recorder::open(*o.record);
        // A recording has the messages sent too; printers show them or not.
        show_outgoing_ = o.output.show_outgoing || o.output.format == OutputFormat::json || recorder_;
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
                                      [this](std::optional<std::string> error) {
                                          closer_.on_input_end(std::move(error));
                                      },
                                      [this] { on_output_closed(); }, [this] { client_->resume_reading(); }});
    }

    int run() {
        loop_.on_signals([this](int signo) { closer_.on_signal(signo); });
        closer_.start();
        start_client({});
        console_->start_input();
        loop_.run();
        finish_output();
        int result = finish_recording(recorder_.get(), closer_.result(), [this](const std::string& line) {
            console_->diagnostic(line);
            console_->drain(std::chrono::steady_clock::now() + 100ms);
        });
        return result;
    }

private:
    detail::Closer::Effects closer_effects() {
        return {[this](const std::string& line) { print_error(line); }, [this](const Event& e) { print(e); },
                [this] { loop_.stop(); }};
    }

    detail::Retry::Effects retry_effects() {
        detail::Retry::Effects effects;
        effects.diagnostic = [this](const std::string& line) { print_error(line); };
        effects.trace = [](const std::string& line) { print_trace_line({TraceLine::Kind::info, line}); };
        effects.show = [this](const Event& e) { print(e); };
        effects.fail = [this](ExitCode code) { closer_.finish(to_int(code)); };
        effects.follow = [this] { loop_.post([this] { start_client(client_->take_unsent()); }); };
        effects.reconnect_after = [this](std::chrono::milliseconds delay) {
            loop_.after(delay, [this] {
                if (!closer_.finished()) start_client(client_->take_unsent());
            });
        };
        return effects;
    }

    // Connects where the retry logic says, sending first what an earlier
    // attempt left unsent.
    void start_client(std::vector<Message> unsent) {
        if (client_) retire(std::move(client_));
        client_ = std::make_unique<Client>(loop_, retry_.attempt_options(), [this](const Event& e) { on_event(e); });
        closer_.on_connecting();
        client_->connect();
        for (auto& m : unsent) client_->send(std::move(m));
    }

    void on_event(const Event& e) {
        switch (e.type) {
            case EventType::open:
                retry_.on_open();
                if (o_.verbosity >= 1) print_trace(client_->handshake());
                print(e);
                // Sent now, so stamped now: timestamps stay in order.
                for (auto& sent : early_outgoing_) {
                    sent.ts = e.ts;
                    print(sent);
                }
                early_outgoing_.clear();
                closer_.on_open();
                return;
            case EventType::message:
                if (!closer_.wants_message()) return;
                print(e);
                closer_.on_shown(e);
                return;
            case EventType::close:
                print(e);
                if (try_reconnect()) return;
                closer_.on_closed(client_->exit_code(), client_->error_message(), close_line_explains(e));
                return;
            case EventType::error:
                if (o_.verbosity >= 1) print_trace(client_->handshake());
                if (retry_.on_redirect(client_->handshake()) || try_reconnect()) return;
                print(e);
                closer_.finish(to_int(client_->exit_code()));
                return;
            case EventType::drained:
                update_backlog();
                closer_.on_written();
                return;
            default:
                print(e);
                return;
        }
    }

    bool try_reconnect() {
        return retry_.on_drop(closer_.ending(), client_->exit_code(), client_->error_message());
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

    // Diagnostics go to stderr; at the line editor they are printed above the
    // prompt like everything else, so the line being typed stays intact.
    void print_error(const std::string& line) { console_->diagnostic(line); }

    void print(const Event& e) {
        if (recorder_) {
            if (e.type == EventType::open)
                recorder_->opened(e, client_handshake(client_->handshake(), e.text));
            else
                recorder_->record(e);
        }
        console_->print(e);
        // The output is the data, so nothing is dropped: while its reader is
        // behind, the server is not read (until the console's on_output_low).
        if (console_->output_backed_up()) client_->pause_reading();
    }

    // What is sent before the connection opens goes out right after the
    // handshake, and is shown after the "connected" line, in that order.
    void print_outgoing(Event e) {
        if (closer_.opened()) return print(e);
        early_outgoing_.push_back(std::move(e));
    }

    // Nothing more can be shown: the closer decides how the session ends.
    void on_output_closed() {
        if (output_closed_) return;
        output_closed_ = true;
        client_->resume_reading();  // so that the close handshake can complete
        closer_.on_output_closed(console_->output_failed() ? std::optional<std::string>(output_error())
                                                           : std::nullopt);
    }

    std::string output_error() const {
        return fmt::format("cannot write to standard output: {}; what the server sent was not all written",
                           console_->output_error());
    }

    // After the loop: the rest of the output, and what it says of the run.
    void finish_output() {
        int signo = 0;
        auto drained = console_->drain(closer_.drain_deadline(), &signo);
        if (closer_.result() != 0) return;
        closer_.on_drained(drained, signo, output_error());
        // What was said now still has to reach stderr.
        console_->drain(std::chrono::steady_clock::now() + 100ms);
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
                closer_.close_now(cmd.close_code, cmd.close_reason);
                return;
            case K::quit:
                input_stopped_ = true;
                closer_.close_now(1000, "");
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
        closer_.on_bad_input(why);
    }

    // Tells the reader how much is waiting; while that is above its mark, it
    // waits, until the client's drained event calls this again.
    void update_backlog() { console_->set_backlog(client_->backlog()); }

    const ConnectOptions& o_;
    EventLoop loop_;
    std::unique_ptr<detail::Console> console_;
    std::unique_ptr<Recorder> recorder_;  // --record
    std::unique_ptr<Client> client_;  // the current attempt
    struct Retired {
        std::unique_ptr<Client> client;
        Clock::time_point since;
    };
    std::vector<Retired> retired_;  // earlier attempts; their handlers may still be queued
    // The closer's connection and timers: declared before it, which holds them.
    AttemptLink link_{client_};
    LoopTimers timers_{loop_};
    detail::Closer closer_;
    detail::Retry retry_;
    bool input_stopped_ = false;        // /quit, /close or bad input: the rest of the input is ignored
    std::size_t units_read_ = 0;        // input messages so far, to name a bad one
    bool show_outgoing_ = false;        // sent messages become "out" events (human off a terminal, JSON)
    bool told_to_server_ = false;       // the terminal was told that other /commands go to the server
    bool output_closed_ = false;
    std::vector<Event> early_outgoing_;  // shown once the connection is open
};

}  // namespace

int run_connect(const ConnectOptions& options) {
    std::signal(SIGPIPE, SIG_IGN);
    Session session(options);
    return session.run();
}

}  // namespace wskit
