// ChildProcess and ChildProcesses over Asio: posix stream descriptors for
// the pipes (or the pseudo-terminal's master), a signal_set for SIGCHLD.
#include "child_process.hpp"
#include "child_spawn.hpp"
#include "wspp.hpp"

#include <asio/posix/stream_descriptor.hpp>

#include <algorithm>
#include <csignal>
#include <deque>
#include <map>
#include <thread>
#include <sys/prctl.h>
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
// At the end, how long the descendants killed with a process may take to be
// reaped.
constexpr auto orphan_grace = 200ms;

// Where to cut a piece of at most `max` bytes from the front of `text`:
// before the UTF-8 character that `max` falls in, when that leaves something.
std::size_t cut_point(std::string_view text, std::size_t max) {
    std::size_t cut = max;
    for (int back = 0; back < 3 && cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80; ++back) --cut;
    return cut == 0 ? max : cut;
}

ExitStatus to_exit_status(int status) {
    ExitStatus s;
    if (WIFSIGNALED(status))
        s.signal = WTERMSIG(status);
    else
        s.code = WEXITSTATUS(status);
    return s;
}

struct Reader {
    Reader(asio::io_context& io, int fd, std::size_t max) : stream(io, fd), max_line(max), buffer(64u << 10) {}
    asio::posix::stream_descriptor stream;
    std::size_t max_line;
    std::vector<char> buffer;
    std::string partial;
    bool reading = false;
    bool eof = false;
};

class ChildImpl final : public ChildProcess, public std::enable_shared_from_this<ChildImpl> {
public:
    ChildImpl(EventLoop& loop, const ChildSpec& spec, const SpawnedChild& fds, Handlers handlers)
        : loop_(loop), pid_(fds.pid), pty_(spec.pty), handlers_(std::move(handlers)),
          out_(loop.impl().io, fds.stdout_fd, spec.max_line), err_(loop.impl().io, fds.stderr_fd, stderr_max_line) {
        if (!pty_) in_.emplace(loop.impl().io, fds.stdin_fd);
    }

    void start() {
        start_read(out_);
        start_read(err_);
    }

    int pid() const override { return pid_; }
    bool exited() const override { return reaped_; }
    std::size_t stdin_queued() const override { return queued_; }
    bool finished() const { return finished_; }

    void write(std::string bytes) override {
        if (stdin_closed_ || eof_pending_ || finished_ || bytes.empty()) return;
        queued_ += bytes.size();
        queue_.push_back(std::move(bytes));
        if (!full_ && queued_ > stdin_high_mark) set_full(true);
        if (!writing_) write_next();
    }

    void close_stdin() override {
        if (stdin_closed_ || eof_pending_) return;
        eof_pending_ = true;
        if (!writing_) end_input();
    }

    void signal(int signo) override {
        if (!reaped_) ::kill(-pid_, signo);
    }

    void stop(std::chrono::milliseconds grace) override {
        if (stopping_ || reaped_) return;
        stopping_ = true;
        close_stdin();
        auto self = shared_from_this();
        term_timer_ = loop_.after(grace, [self, grace] {
            self->term_timer_ = 0;
            self->signal(SIGTERM);
            self->kill_timer_ = self->loop_.after(grace, [self] {
                self->kill_timer_ = 0;
                self->signal(SIGKILL);
            });
        });
    }

    void read_stdout(bool on) override {
        stdout_paused_ = !on;
        if (on && !out_.reading && !out_.eof && !finished_) start_read(out_);
    }

    // SIGCHLD brought its status.
    void reaped(int status) {
        reaped_ = true;
        status_ = to_exit_status(status);
        // What it left running in its group goes with it.
        ::kill(-pid_, SIGKILL);
        cancel_timers();
        auto self = shared_from_this();
        grace_timer_ = loop_.after(output_grace, [self] {
            self->grace_timer_ = 0;
            self->out_.eof = self->err_.eof = true;
            self->finish();
        });
        finish();
    }

    // ChildProcesses is going away: no more handlers, descriptors closed.
    void abandon() {
        handlers_ = {};
        close_all();
    }

private:
    void set_full(bool full) {
        full_ = full;
        if (handlers_.on_stdin_full) handlers_.on_stdin_full(full);
    }

    asio::posix::stream_descriptor& input() { return pty_ ? out_.stream : *in_; }

    void write_next() {
        writing_ = true;
        auto self = shared_from_this();
        asio::async_write(input(), asio::buffer(queue_.front()), [self](const asio::error_code& ec, std::size_t) {
            self->wrote(ec);
        });
    }

    void wrote(const asio::error_code& ec) {
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
        asio::error_code ignored;
        // A terminal's end of input is its hangup: closing the master sends
        // the session SIGHUP, and reads on the terminal return EOF. (Writing
        // ^D after switching the terminal to canonical mode does not work:
        // a read already waiting in raw mode takes the ^D as a NUL byte.)
        // Its output is lost with it, which is fine: only a client that
        // left ends the input.
        if (pty_)
            out_.stream.close(ignored);
        else if (in_)
            in_->close(ignored);
    }

    void start_read(Reader& r) {
        r.reading = true;
        auto self = shared_from_this();
        r.stream.async_read_some(asio::buffer(r.buffer), [self, &r](const asio::error_code& ec, std::size_t n) {
            self->on_read(r, ec, n);
        });
    }

    void on_read(Reader& r, const asio::error_code& ec, std::size_t n) {
        r.reading = false;
        if (finished_) return;
        if (n > 0) take(r, std::string_view(r.buffer.data(), n));
        if (ec) {  // EOF, or EIO from a terminal whose every slave is closed
            if (!r.partial.empty()) emit(r, std::exchange(r.partial, {}));
            r.eof = true;
            return finish();
        }
        if (finished_) return;
        if (&r == &out_ && stdout_paused_) return;
        start_read(r);
    }

    // Splits what was read into lines, and lines too long into pieces.
    void take(Reader& r, std::string_view data) {
        r.partial.append(data);
        std::size_t start = 0;
        for (;;) {
            auto nl = r.partial.find('\n', start);
            if (nl == std::string::npos) break;
            emit(r, r.partial.substr(start, nl - start));
            start = nl + 1;
        }
        r.partial.erase(0, start);
        while (r.partial.size() > r.max_line) {
            auto cut = cut_point(r.partial, r.max_line);
            emit(r, r.partial.substr(0, cut));
            r.partial.erase(0, cut);
        }
    }

    void emit(Reader& r, std::string line) {
        while (line.size() > r.max_line) {
            auto cut = cut_point(line, r.max_line);
            emit(r, line.substr(0, cut));
            line.erase(0, cut);
        }
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
        asio::error_code ignored;
        if (in_) in_->close(ignored);
        out_.stream.close(ignored);
        err_.stream.close(ignored);
        queue_.clear();
        queued_ = 0;
    }

    EventLoop& loop_;
    int pid_;
    bool pty_;
    Handlers handlers_;
    Reader out_, err_;
    std::optional<asio::posix::stream_descriptor> in_;  // a pipe; none with a terminal (out_ serves both)
    std::deque<std::string> queue_;
    std::size_t queued_ = 0;
    bool writing_ = false, full_ = false, eof_pending_ = false, stdin_closed_ = false;
    bool stdout_paused_ = false, stopping_ = false, reaped_ = false, finished_ = false;
    ExitStatus status_;
    EventLoop::TimerId term_timer_ = 0, kill_timer_ = 0, grace_timer_ = 0;
};

}  // namespace

struct ChildProcesses::Impl {
    explicit Impl(EventLoop& l) : loop(l), sigchld(l.impl().io, SIGCHLD) { wait_sigchld(); }

    void wait_sigchld() {
        sigchld.async_wait([this](const asio::error_code& ec, int) {
            if (ec) return;
            reap();
            wait_sigchld();
        });
    }

    // One SIGCHLD may stand for several exits: everything that has exited
    // is reaped, its own children and the orphans of their descendants
    // (wskit is their subreaper) alike.
    void reap() {
        for (;;) {
            int status = 0;
            pid_t pid = ::waitpid(-1, &status, WNOHANG);
            if (pid < 0 && errno == EINTR) continue;
            if (pid <= 0) break;
            auto it = children.find(pid);
            if (it == children.end() || it->second->exited()) continue;
            auto child = it->second;  // kept alive through its handlers
            child->reaped(status);
        }
        for (auto it = children.begin(); it != children.end();)
            it = it->second->finished() ? children.erase(it) : std::next(it);
    }

    EventLoop& loop;
    asio::signal_set sigchld;
    std::map<int, std::shared_ptr<ChildImpl>> children;
    std::chrono::milliseconds kill_grace{1000};
};

ChildProcesses::ChildProcesses(EventLoop& loop) : impl_(std::make_unique<Impl>(loop)) {
    // A process that closes its stdin must not kill wskit with SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    // What a process leaves behind (a shell's background job) comes to wskit
    // when it dies, not to init, and is reaped here: in a container whose
    // init does not reap, it would otherwise stay a zombie.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
}

namespace {

// Reaps every exited child without waiting; false once there is none left.
bool reap_exited(std::vector<int>& left) {
    for (;;) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid < 0 && errno == EINTR) continue;
        if (pid < 0) return false;  // ECHILD
        if (pid == 0) return true;
        auto it = std::find(left.begin(), left.end(), pid);
        if (it != left.end()) {
            ::kill(-pid, SIGKILL);  // its descendants in the group
            left.erase(it);
        }
    }
}

}  // namespace

ChildProcesses::~ChildProcesses() {
    asio::error_code ignored;
    impl_->sigchld.cancel(ignored);
    std::vector<int> left;
    for (auto& [pid, child] : impl_->children) {
        child->abandon();  // closing its stdin is its EOF
        if (!child->exited()) {
            ::kill(-pid, SIGTERM);
            left.push_back(pid);
        }
    }
    // Every process gets kill_grace to end after SIGTERM, then SIGKILL; the
    // descendants that die with them get a moment more to be reaped.
    auto now = std::chrono::steady_clock::now();
    auto deadline = now + impl_->kill_grace;
    bool killed = false;
    while (reap_exited(left)) {
        now = std::chrono::steady_clock::now();
        if (!killed && (left.empty() || now >= deadline)) {
            for (int pid : left) ::kill(-pid, SIGKILL);
            killed = true;
            deadline = now + orphan_grace;
        } else if (killed && now >= deadline && (left.empty() || now >= deadline + 2s)) {
            break;  // a descendant that left the group and lives on, or a process stuck in the kernel
        }
        std::this_thread::sleep_for(5ms);
    }
}

std::shared_ptr<ChildProcess> ChildProcesses::spawn(const ChildSpec& spec, ChildProcess::Handlers handlers) {
    auto fds = spawn_child(spec);
    auto child = std::make_shared<ChildImpl>(impl_->loop, spec, fds, std::move(handlers));
    impl_->children[fds.pid] = child;
    child->start();
    // It may have exited before it was in the map: its SIGCHLD is then
    // already queued, and reap() will find it.
    return child;
}

std::size_t ChildProcesses::live() const {
    std::size_t n = 0;
    for (const auto& [pid, child] : impl_->children) n += child->exited() ? 0 : 1;
    return n;
}

void ChildProcesses::set_kill_grace(std::chrono::milliseconds grace) { impl_->kill_grace = grace; }

}  // namespace wskit::detail
