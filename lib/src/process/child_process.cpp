// ChildProcess on the event loop: descriptors for the pipes (or the
// pseudo-terminal's master), timers for the escalation. ChildProcesses
// (child_processes_impl.cpp) reaps it.
#include "process/child_internal.hpp"
#include "process/child_spawn.hpp"
#include "process/child_sweep.hpp"
#include "process/line_splitter.hpp"
#include "net/descriptor.hpp"

#include <csignal>
#include <deque>
#include <sys/wait.h>

namespace wskit::detail {
namespace {

using namespace std::chrono_literals;

// After the process has exited, how long its stdout and stderr may stay open
// (a descendant that escaped its process group holds them) before they are
// closed and its exit is reported anyway.
constexpr auto output_grace = 1000ms;
// stderr goes to wskit's stderr, a human's: longer lines come in pieces.
constexpr std::size_t stderr_max_line = 16u << 10;

ExitStatus to_exit_status(int status) {
    ExitStatus s;
    if (WIFSIGNALED(status))
        s.signal = WTERMSIG(status);
    else
        s.code = WEXITSTATUS(status);
    return s;
}

struct Reader {
    Reader(EventLoop& loop, int fd, std::size_t max) : stream(loop, fd), lines(max), buffer(64u << 10) {}
    Descriptor stream;
    LineSplitter lines;
    std::vector<char> buffer;
    bool reading = false;
    bool eof = false;
};

class ChildImpl final : public ManagedChild, public std::enable_shared_from_this<ChildImpl> {
public:
    ChildImpl(EventLoop& loop, const ChildSpec& spec, const SpawnedChild& fds, Handlers handlers, std::string tag)
        : loop_(loop), pid_(fds.pid), pty_(spec.pty), tag_entry_(std::move(tag)), handlers_(std::move(handlers)),
          out_(loop, fds.stdout_fd, spec.max_line), err_(loop, fds.stderr_fd, stderr_max_line) {
        if (!pty_) in_.emplace(loop, fds.stdin_fd);
    }

    void start() {
        start_read(out_);
        start_read(err_);
    }

    int pid() const override { return pid_; }
    bool exited() const override { return reaped_; }
    std::size_t stdin_queued() const override { return queued_; }
    bool finished() const override { return finished_; }
    const std::string& tag_entry() const override { return tag_entry_; }

    void write(std::string bytes) override {
        if (stdin_closed_ || eof_pending_ || finished_ || bytes.empty()) return;
        queued_ += bytes.size();
        // What arrives while a write is in flight goes out with the next
        // one: a client with many messages in flight costs the program one
        // read per batch, not one per message.
        if (writing_ && queue_.size() >= 2)
            queue_.back() += bytes;
        else
            queue_.push_back(std::move(bytes));
        if (!full_ && queued_ > stdin_high_mark) set_full(true);
        if (!writing_) write_next();
    }

    void close_stdin() override {
        if (stdin_closed_ || eof_pending_) return;
        eof_pending_ = true;
        if (!writing_) end_input();
    }

    void stop(std::chrono::milliseconds grace) override {
        if (stopping_ || reaped_) return;
        stopping_ = true;
        close_stdin();
        auto self = shared_from_this();
        term_timer_ = loop_.after(grace, [self, grace] {
            self->term_timer_ = 0;
            self->terminate(grace);
        });
    }

    void terminate(std::chrono::milliseconds grace) override {
        if (reaped_ || kill_timer_) return;
        stopping_ = true;
        if (term_timer_) loop_.cancel(term_timer_);
        term_timer_ = 0;
        close_stdin();
        signal(SIGTERM);
        auto self = shared_from_this();
        kill_timer_ = loop_.after(grace, [self] {
            self->kill_timer_ = 0;
            self->signal(SIGKILL);
        });
    }

    void read_stdout(bool on) override {
        stdout_paused_ = !on;
        if (on && !out_.reading && !out_.eof && !finished_) start_read(out_);
        // The grace counts only while its output is read: what a paused
        // reader has not taken yet is still to come, not a stray holder's.
        if (!on && grace_timer_) {
            loop_.cancel(grace_timer_);
            grace_timer_ = 0;
        }
        if (on && reaped_) arm_grace();
    }

    // SIGCHLD brought its status.
    void reaped(int status) override {
        reaped_ = true;
        status_ = to_exit_status(status);
        // What it left running goes with it: its group, and what left the
        // group (a daemon's setsid) but carries its tag.
        end_session(pid_, tag_entry_);
        cancel_timers();
        if (!stdout_paused_) arm_grace();
        finish();
    }

    void arm_grace() {
        if (grace_timer_ || finished_) return;
        auto self = shared_from_this();
        grace_timer_ = loop_.after(output_grace, [self] {
            self->grace_timer_ = 0;
            self->out_.eof = self->err_.eof = true;
            self->finish();
        });
    }

    // ChildProcesses is going away: no more handlers, descriptors closed.
    void abandon() override {
        handlers_ = {};
        close_all();
    }

private:
    // To its session and tagged processes (its process group among them),
    // while the process has not been reaped.
    void signal(int signo) {
        if (!reaped_) signal_session(pid_, tag_entry_, signo);
    }

    void set_full(bool full) {
        full_ = full;
        if (handlers_.on_stdin_full) handlers_.on_stdin_full(full);
    }

    Descriptor& input() { return pty_ ? out_.stream : *in_; }

    void write_next() {
        writing_ = true;
        auto self = shared_from_this();
        const auto& data = queue_.front();
        input().async_write(data.data(), data.size(), [self](const std::error_code& ec, std::size_t) {
            self->wrote(ec);
        });
    }

    void wrote(const std::error_code& ec) {
        writing_ = false;
        if (finished_) return;
        if (ec) {  // EPIPE: it closed its stdin or exited; what is queued is dropped
            queue_.clear();
            queued_ = 0;
            stdin_closed_ = true;
            if (full_) set_full(false);
            if (in_) in_->close();
            return;
        }
        queued_ -= queue_.front().size();
        queue_.pop_front();
        if (full_ && queued_ <= stdin_low_mark) set_full(false);
        if (finished_) return;  // a handler may have ended it
        if (!queue_.empty())
            write_next();
        else if (eof_pending_)
            end_input();
    }

    void end_input() {
        stdin_closed_ = true;
        // A terminal's end of input is its hangup: closing the master sends
        // the session SIGHUP, and reads on the terminal return EOF. (Writing
        // ^D after switching the terminal to canonical mode does not work:
        // a read already waiting in raw mode takes the ^D as a NUL byte.)
        // Its output is lost with it, which is fine: only a client that
        // left ends the input.
        if (pty_)
            out_.stream.close();
        else if (in_)
            in_->close();
    }

    void start_read(Reader& r) {
        r.reading = true;
        auto self = shared_from_this();
        r.stream.async_read_some(r.buffer.data(), r.buffer.size(), [self, &r](const std::error_code& ec, std::size_t n) {
            self->on_read(r, ec, n);
        });
    }

    void on_read(Reader& r, const std::error_code& ec, std::size_t n) {
        r.reading = false;
        if (finished_) return;
        auto emit_line = [this, &r](std::string line) { emit(r, std::move(line)); };
        if (n > 0) r.lines.feed(std::string_view(r.buffer.data(), n), emit_line);
        if (ec) {  // EOF, or EIO from a terminal whose every slave is closed
            r.lines.finish(emit_line);
            r.eof = true;
            return finish();
        }
        if (finished_) return;
        if (&r == &out_ && stdout_paused_) return;
        start_read(r);
    }

    void emit(Reader& r, std::string line) {
        auto& handler = &r == &out_ ? handlers_.on_stdout_line : handlers_.on_stderr_line;
        if (handler) handler(std::move(line));
    }

    void finish() {
        if (finished_ || !reaped_ || !out_.eof || !err_.eof) return;
        finished_ = true;
        close_all();
        auto on_exit = std::move(handlers_.on_exit);
        handlers_ = {};
        if (on_exit) on_exit(status_);
    }

    void cancel_timers() {
        for (auto* t : {&term_timer_, &kill_timer_, &grace_timer_}) {
            if (*t) loop_.cancel(*t);
            *t = 0;
        }
    }

    void close_all() {
        cancel_timers();
        if (in_) in_->close();
        out_.stream.close();
        err_.stream.close();
        queue_.clear();
        queued_ = 0;
    }

    EventLoop& loop_;
    int pid_;
    bool pty_;
    std::string tag_entry_;
    Handlers handlers_;
    Reader out_, err_;
    std::optional<Descriptor> in_;  // a pipe; none with a terminal (out_ serves both)
    std::deque<std::string> queue_;
    std::size_t queued_ = 0;
    bool writing_ = false, full_ = false, eof_pending_ = false, stdin_closed_ = false;
    bool stdout_paused_ = false, stopping_ = false, reaped_ = false, finished_ = false;
    ExitStatus status_;
    EventLoop::TimerId term_timer_ = 0, kill_timer_ = 0, grace_timer_ = 0;
};

}  // namespace

std::shared_ptr<ManagedChild> start_child(EventLoop& loop, const ChildSpec& spec, const SpawnedChild& fds,
                                          ChildProcess::Handlers handlers, std::string tag_entry) {
    auto child = std::make_shared<ChildImpl>(loop, spec, fds, std::move(handlers), std::move(tag_entry));
    child->start();
    return child;
}

}  // namespace wskit::detail
