// The `wskit connect` session: stdin -> connection -> stdout, and when to stop.
#include "fd_sink.hpp"
#include "line_editor.hpp"
#include "stdin_reader.hpp"

#include <wskit/connect.hpp>
#include <wskit/proxy.hpp>
#include <wskit/redirect.hpp>
#include <wskit/slash.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <random>
#include <regex>
#include <unistd.h>

namespace wskit {
namespace {

using namespace std::chrono_literals;

std::chrono::milliseconds seconds_to_ms(double s) {
    return std::chrono::milliseconds(static_cast<long long>(s * 1000));
}

// curl -v style: "> " for what was sent, "< " for what came back.
void print_trace(const HandshakeTrace& t) {
    if (!t.connected) return;
    std::string out;
    if (!t.remote.empty()) out += fmt::format("* connected to {}\n", t.remote);
    auto lines = [&out](const std::string& block, const char* prefix) {
        std::size_t start = 0;
        while (start < block.size()) {
            auto end = block.find("\r\n", start);
            if (end == std::string::npos) end = block.size();
            out += prefix;
            out.append(block, start, end - start);
            out += '\n';
            start = end + 2;
        }
    };
    lines(t.request, "> ");
    out += ">\n";
    if (t.status != 0) {
        lines(t.response, "< ");
        out += "<\n";
        if (!t.body.empty()) {
            out += t.body;
            if (t.body.back() != '\n') out += '\n';
        }
    }
    std::fputs(out.c_str(), stderr);
}

class Session {
public:
    explicit Session(const ConnectOptions& o) : o_(o), url_(o.client.url) {
        if (!o.until.empty()) {
            try {
                until_ = std::regex(o.until, std::regex::ECMAScript);
            } catch (const std::regex_error& e) {
                throw Error(ExitCode::usage, fmt::format("invalid --until regex '{}': {}", o.until, e.what()));
            }
        }
        wants_messages_ = o.count.has_value() || until_.has_value();
        if (o.interactive) {
            editor_ = std::make_unique<detail::LineEditor>(
                loop_, [this](std::vector<Message>& batch) { on_input(batch); },
                [this](std::optional<std::string> error) { on_input_end(std::move(error)); });
            sink_ = &editor_->sink();
        } else {
            stdout_ = std::make_unique<detail::FdSink>(STDOUT_FILENO);
            sink_ = stdout_.get();
        }
        printer_ = make_printer(o.output, *sink_);
    }

    int run() {
        loop_.on_signals([this](int signo) { on_signal(signo); });
        if (o_.timeout_seconds > 0) loop_.after(seconds_to_ms(o_.timeout_seconds), [this] { on_timeout(); });
        start_client({});
        if (!o_.execute.empty()) {
            // -x messages are input like any other: decoded, slash commands run.
            std::vector<Message> batch;
            for (const auto& text : o_.execute) batch.push_back(decode_input(text, o_.encoding));
            on_input(batch);
            input_ended_ = true;
        } else if (editor_) {
            editor_->start();
        } else {
            reader_ = std::make_unique<detail::InputReader>(
                loop_, STDIN_FILENO, o_.framing, o_.encoding,
                [this](std::vector<Message>& batch) { on_input(batch); },
                [this](std::optional<std::string> error) { on_input_end(std::move(error)); });
            reader_->start();
        }
        loop_.run();
        reader_.reset();
        if (editor_) editor_->flush();
        editor_.reset();
        if (stdout_) stdout_->flush();
        return result_;
    }

private:
    // Connects to url_, sending first what an earlier attempt left unsent.
    void start_client(std::vector<Message> unsent) {
        if (client_) retired_.push_back(std::move(client_));
        ClientOptions options = o_.client;
        options.url = url_;
        if (url_.host != o_.client.url.host) options.auth.clear();  // credentials stay with their host, as curl does
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
                for (auto& sent : early_outgoing_) print(sent);
                early_outgoing_.clear();
                if (pending_close_) {
                    close_now(pending_close_->first, pending_close_->second);
                } else if (input_ended_) {
                    schedule_close();
                }
                return;
            case EventType::message:
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
                if (client_->exit_code() != ExitCode::ok && !exit_override_) print_error(client_->error_message());
                finish(close_result());
                return;
            case EventType::error:
                if (o_.verbosity >= 1) print_trace(client_->handshake());
                if (try_redirect() || try_reconnect()) return;
                print(e);
                finish(to_int(client_->exit_code()));
                return;
            default:
                print(e);
                return;
        }
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
        Event info;
        info.type = EventType::info;
        info.text = fmt::format("following a {} redirect to {}", trace.status, next.str());
        if (o_.verbosity >= 1) std::fprintf(stderr, "* %s\n", info.text.c_str());
        print(info);
        url_ = next;
        loop_.post([this] { start_client(client_->take_unsent()); });
        return true;
    }

    // --reconnect: after a drop (not a close we asked for), connect again
    // with backoff; each attempt is reported.
    bool try_reconnect() {
        if (!o_.reconnect || finished_ || exit_override_ || input_ended_ || satisfied_ || closing_by_us_) return false;
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

    bool condition_met(const Event& e) const {
        if (until_ && e.message.opcode == Opcode::text && std::regex_search(e.message.payload, *until_)) return true;
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
    void print_error(const std::string& line) {
        if (editor_) {
            editor_->sink().write(fmt::format("wskit: {}\n", line));
            editor_->flush();
        } else {
            std::fprintf(stderr, "wskit: %s\n", line.c_str());
        }
    }

    void print(const Event& e) {
        if (e.type == EventType::error) print_error(e.text);
        printer_->print(e);
        if (!flush_scheduled_) {
            flush_scheduled_ = true;
            loop_.post([this] {
                flush_scheduled_ = false;
                if (editor_) {
                    editor_->flush();
                } else if (!stdout_->flush()) {
                    on_output_closed();
                }
            });
        }
    }

    // What is sent before the connection opens goes out right after the
    // handshake, and is shown after the "connected" line, in that order.
    void print_outgoing(Event e) {
        if (opened_) return print(e);
        early_outgoing_.push_back(std::move(e));
    }

    // The reader of our stdout went away (| head -1): nothing more can be
    // shown, so close quietly.
    void on_output_closed() {
        if (output_closed_) return;
        output_closed_ = true;
        if (!exit_override_) exit_override_ = 0;
        close_now(1000, "");
    }

    void run_command(SlashCommand& cmd) {
        using K = SlashCommand::Kind;
        switch (cmd.kind) {
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
            case K::close: close_now(cmd.close_code, cmd.close_reason); return;
            case K::quit: close_now(1000, ""); return;
            case K::help: print_info(slash_help()); return;
            case K::invalid: print_error(cmd.error); return;
        }
    }

    // One info event per line, so that each is a system line of its own.
    void print_info(std::string_view text) {
        while (!text.empty()) {
            auto nl = text.find('\n');
            Event e;
            e.type = EventType::info;
            e.text = std::string(text.substr(0, nl));
            print(e);
            text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        }
    }

    void on_input(std::vector<Message>& batch) {
        for (auto& m : batch) {
            if (o_.slash && m.opcode == Opcode::text) {
                auto cmd = parse_slash_command(m.payload);
                run_command(cmd);
                continue;
            }
            if (o_.output.show_outgoing) {
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

    // Tells the reader how much is waiting; while that is above its mark, it
    // waits, and this polls until the socket has drained.
    void update_backlog() {
        if (!reader_) return;
        auto backlog = client_->backlog();
        reader_->set_backlog(backlog);
        if (backlog >= detail::InputReader::high_water && !backlog_poll_) {
            backlog_poll_ = true;
            loop_.after(2ms, [this] {
                backlog_poll_ = false;
                update_backlog();
            });
        }
    }

    void on_input_end(std::optional<std::string> error) {
        if (error) {
            print_error(*error);
            exit_override_ = to_int(ExitCode::runtime);
        }
        input_ended_ = true;
        if (client_->is_open()) schedule_close();
    }

    // End of input: wait --wait seconds, then close, unless something else
    // decides when to stop (--keep-open, --count, --once, --until).
    void schedule_close() {
        if (exit_override_) return close_now(1000, "");
        if (o_.keep_open || (wants_messages_ && !satisfied_)) return;
        if (o_.wait_seconds > 0) {
            loop_.after(seconds_to_ms(o_.wait_seconds), [this] { close_now(o_.close_code, o_.close_reason); });
        } else {
            close_now(o_.close_code, o_.close_reason);
        }
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
    EventLoop loop_;
    std::unique_ptr<detail::FdSink> stdout_;
    std::unique_ptr<detail::LineEditor> editor_;
    Sink* sink_ = nullptr;
    std::unique_ptr<Printer> printer_;
    std::unique_ptr<Client> client_;
    std::vector<std::unique_ptr<Client>> retired_;  // earlier attempts; their handlers may still be queued
    std::unique_ptr<detail::InputReader> reader_;
    std::optional<std::regex> until_;
    std::vector<std::string> visited_;  // URLs that redirected
    int reconnects_ = 0;                // attempts since the last open
    std::mt19937 rng_{std::random_device{}()};
    std::uniform_real_distribution<double> jitter_{0.0, 1.0};
    bool wants_messages_ = false;
    bool satisfied_ = false;
    std::size_t received_ = 0;
    bool input_ended_ = false;
    bool flush_scheduled_ = false;
    bool backlog_poll_ = false;
    bool closing_timer_ = false;
    bool closing_by_us_ = false;
    bool output_closed_ = false;
    bool finished_ = false;
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
