// `wskit connect URL --exec CMD [ARGS...]`: the client-side twin of listen
// --exec. Once the connection is open, CMD runs with the connection in place
// of a terminal: each line it writes on stdout is a message to the server,
// each message from the server a line on its stdin.
#include "process/child_process.hpp"
#include "term/console.hpp"
#include "term/trace_printer.hpp"

#include <wskit/backpressure.hpp>
#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/tool/connect.hpp>
#include <wskit/tool/exec_bridge.hpp>

#include <fmt/format.h>

#include <csignal>

namespace wskit {
namespace {

using namespace std::chrono_literals;

// Above this many unsent bytes to the server, the process's stdout is no
// longer read (it then blocks on its writes) until they have gone.
constexpr std::size_t stdout_high_mark = default_high_mark;

class ExecClient {
public:
    explicit ExecClient(const ConnectOptions& o)
        : o_(o), exec_(*o.exec), program_(resolve_exec_program(exec_.command.front())), children_(loop_) {
        children_.set_kill_grace(exec_.kill_after);
        if (o.record) recorder_ = Recorder::open(*o.record);
        detail::Console::Options console;
        console.output = o.output;
        console_ = std::make_unique<detail::Console>(loop_, std::move(console), detail::Console::Handlers{});
    }

    int run() {
        client_ = std::make_unique<Client>(loop_, o_.client, [this](Event& e) { on_event(e); });
        client_->connect();
        loop_.on_signals([this](int signo) { stop(signo); });
        loop_.run();
        result_ = finish_recording(recorder_.get(), result_, [this](const std::string& line) { console_->diagnostic(line); });
        console_->drain(std::chrono::steady_clock::now() + 150ms);
        return result_;
    }

private:
    void on_event(Event& e) {
        if (recorder_) {
            if (e.type == EventType::open)
                recorder_->opened(e, client_handshake(client_->handshake(), e.text));
            else
                recorder_->record(e);
        }
        switch (e.type) {
            case EventType::open:
                if (o_.verbosity >= 1) print_trace(client_->handshake());
                console_->print(e);
                if (stopping_) return close(1001, "going away");
                return start_process(e);
            case EventType::message: return to_process(e);
            case EventType::drained:
                if (stdout_held_ && child_) {
                    stdout_held_ = false;
                    child_->read_stdout(true);
                }
                return;
            case EventType::error:
                if (o_.verbosity >= 1) print_trace(client_->handshake());
                console_->print(e);
                connection_over(client_->exit_code());
                return;
            case EventType::close:
                console_->print(e);
                connection_over(client_->exit_code());
                return;
            case EventType::finished:
                connection_done_ = true;
                return finish_if_done();
            default: console_->print(e); return;
        }
    }

    void start_process(const Event& open) {
        detail::ChildSpec spec;
        spec.program = program_;
        spec.argv = exec_.command;
        spec.env = detail::current_environment();
        spec.env.push_back("WSKIT_URL=" + o_.client.url.str());
        spec.env.push_back("WSKIT_SUBPROTOCOL=" + open.subprotocol);
        spec.pty = exec_.pty;
        spec.max_line = exec_.max_message;
        detail::ChildProcess::Handlers h;
        h.on_stdout_line = [this](std::string line) { to_server(std::move(line)); };
        h.on_stderr_line = [this](std::string line) {
            switch (exec_.stderr_to) {
                case ExecStderr::log: return console_->status_line(escape_controls(line));
                case ExecStderr::client: return to_server(std::move(line));
                case ExecStderr::ignore: return;
            }
        };
        h.on_stdin_full = [this](bool full) {
            if (full)
                client_->pause_reading();
            else
                client_->resume_reading();
        };
        h.on_exit = [this](detail::ExitStatus status) { exited(status); };
        try {
            child_ = children_.spawn(spec, std::move(h));
        } catch (const Error& err) {
            console_->diagnostic(err.what());
            result_ = to_int(ExitCode::runtime);
            process_done_ = true;
            return close(exec_.error_close_code, "cannot start the process");
        }
        if (o_.verbosity >= 1)
            console_->status_line(fmt::format("* process {} started: {}", child_->pid(), escape_controls(program_)));
    }

    // A line the process wrote: a message, text unless it is not UTF-8
    // (the server would fail the connection with 1007 on it) or --binary.
    void to_server(std::string line) {
        if (connection_ended_) return;
        Message m;
        m.opcode = exec_.binary || !is_valid_utf8(line) ? Opcode::binary : Opcode::text;
        m.payload = std::move(line);
        if (recorder_) {
            Event sent;
            sent.type = EventType::message;
            sent.direction = Direction::out;
            sent.message = m;
            recorder_->record(sent);
        }
        client_->send(std::move(m));
        if (!stdout_held_ && client_->backlog() > stdout_high_mark) {
            stdout_held_ = true;
            child_->read_stdout(false);
        }
    }

    void to_process(Event& e) {
        if (!child_ || child_->exited()) return;
        e.message.payload.push_back('\n');
        child_->write(std::move(e.message.payload));
    }

    // Its last lines were sent before this: the close frame follows them.
    void exited(detail::ExitStatus status) {
        process_done_ = true;
        if (o_.verbosity >= 1 || !status.success())
            console_->diagnostic(fmt::format("{} {}", escape_controls(exec_.command.front()), detail::describe(status)));
        if (!status.success() && !connection_ended_ && !stopping_) result_ = to_int(ExitCode::runtime);
        if (!connection_ended_)
            close(status.success() ? 1000 : exec_.error_close_code,
                  status.success() ? "" : "process " + detail::describe(status));
        finish_if_done();
    }

    // The server closed, or the connection failed: the process gets EOF on
    // its stdin (a hang-up and SIGHUP with --pty), SIGTERM after
    // --kill-after, SIGKILL as long again later.
    void connection_over(ExitCode code) {
        if (connection_ended_) return;
        connection_ended_ = true;
        if (!process_done_ && result_ == 0) result_ = to_int(code);
        if (!child_) process_done_ = true;
        if (child_ && !child_->exited()) {
            child_->read_stdout(true);  // what it still writes is dropped, never waited for
            child_->stop(exec_.kill_after);
        }
    }

    void close(int code, const std::string& reason) {
        if (!client_->close(code, reason) && !client_->is_open()) connection_over(client_->exit_code());
    }

    void finish_if_done() {
        if (process_done_ && connection_done_) loop_.stop();
    }

    // The connection closes with 1001 and the process ends as listen's do
    // when wskit stops: EOF and SIGTERM at once, SIGKILL after --kill-after;
    // what it writes meanwhile (on stderr) is still shown.
    void stop(int signo) {
        if (stopping_) return loop_.stop();  // a second signal: go now
        stopping_ = true;
        result_ = to_int(exit_code_for_signal(signo));
        if (child_ && !child_->exited()) child_->terminate(exec_.kill_after);
        close(1001, "going away");
        // The process is SIGKILLed after kill_after; a server that never
        // answers the close is given a second.
        loop_.after(exec_.kill_after + 1s, [this] { loop_.stop(); });
    }

    const ConnectOptions& o_;
    const ExecOptions& exec_;
    std::string program_;
    EventLoop loop_;
    std::unique_ptr<detail::Console> console_;
    std::unique_ptr<Recorder> recorder_;  // --record
    // Declared before the client and the process: destroyed after them, it
    // ends and reaps the process.
    detail::ChildProcesses children_;
    std::unique_ptr<Client> client_;
    std::shared_ptr<detail::ChildProcess> child_;
    bool stdout_held_ = false;
    bool connection_ended_ = false;  // closed or failed: nothing more goes to the server
    bool connection_done_ = false;   // the library is done with it (finished)
    bool process_done_ = false;      // exited, or never started
    bool stopping_ = false;
    int result_ = 0;
};

}  // namespace

int run_exec_client(const ConnectOptions& options) {
    std::signal(SIGPIPE, SIG_IGN);
    ExecClient client(options);
    return client.run();
}

}  // namespace wskit
