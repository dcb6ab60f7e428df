#include "term/fd_sink.hpp"

#include "net/descriptor.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace wskit::detail {
namespace {

// How the descriptor is written without blocking.
//
// O_NONBLOCK belongs to the open file description, which stdout shares with
// whoever else holds it: with stdin when both are one socket (inetd, socat
// EXEC:) or one terminal, and on a terminal with the shell and every other
// process of the session. Setting it on fd 1 would make their blocking reads
// and writes fail with EAGAIN (libedit's key reader, the shell after we
// exit). So:
// - a pipe, FIFO or terminal is reopened through /proc/self/fd/N: a new open
//   file description of the same pipe or terminal, non-blocking for us alone;
// - a socket is written with send(MSG_DONTWAIT), non-blocking for that call
//   whatever the description's mode. Asio makes the description
//   non-blocking to watch it (as it does for stdin, which reads the same
//   socket in those setups); the mode found is put back at the end;
// - a regular file never makes a writer wait for a reader (and epoll cannot
//   watch it): it is written as it is.
// Without /proc (or if the reopen is refused), a pipe or terminal is made
// non-blocking itself and put back as found at the end.
enum class TargetKind { file, socket, stream };

struct Target {
    TargetKind kind = TargetKind::file;
    int fd = -1;             // what is written and watched
    bool owned = false;      // a reopened description, closed at the end
    int restore_flags = -1;  // the original's flags, put back at the end
};

Target open_for_writing(int fd) {
    Target t;
    t.fd = fd;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) return t;
    if (S_ISSOCK(st.st_mode)) {
        t.kind = TargetKind::socket;
        t.restore_flags = ::fcntl(fd, F_GETFL);
        return t;
    }
    t.kind = TargetKind::stream;
    std::string path = "/proc/self/fd/" + std::to_string(fd);
    int reopened = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (reopened >= 0) {
        t.fd = reopened;
        t.owned = true;
        return t;
    }
    // ENXIO: a pipe whose reader has gone; the first write says EPIPE.
    int flags = ::fcntl(fd, F_GETFL);
    if (flags != -1 && !(flags & O_NONBLOCK) && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0)
        t.restore_flags = flags;
    return t;
}

// SIGINT and SIGTERM while drain() waits with the loop stopped (the loop's
// own handlers would only queue them): they wake its poll() through a pipe.
// The previous handlers are put back afterwards.
class SignalCatcher {
public:
    SignalCatcher() {
        int fds[2];
        if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return;
        read_fd_ = fds[0];
        wake_fd() = fds[1];
        caught() = 0;
        struct sigaction sa {};
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGINT, &sa, &old_int_);
        ::sigaction(SIGTERM, &sa, &old_term_);
        installed_ = true;
    }
    ~SignalCatcher() {
        if (!installed_) return;
        ::sigaction(SIGINT, &old_int_, nullptr);
        ::sigaction(SIGTERM, &old_term_, nullptr);
        ::close(read_fd_);
        ::close(wake_fd());
        wake_fd() = -1;
    }
    SignalCatcher(const SignalCatcher&) = delete;
    SignalCatcher& operator=(const SignalCatcher&) = delete;

    int fd() const { return read_fd_; }
    int signal() const { return caught(); }

private:
    static void on_signal(int signo) {
        int saved = errno;
        caught() = signo;
        if (wake_fd() >= 0) (void)!::write(wake_fd(), "", 1);
        errno = saved;
    }
    static volatile std::sig_atomic_t& caught() {
        static volatile std::sig_atomic_t value = 0;
        return value;
    }
    static int& wake_fd() {
        static int fd = -1;
        return fd;
    }

    int read_fd_ = -1;
    bool installed_ = false;
    struct sigaction old_int_ {};
    struct sigaction old_term_ {};
};

}  // namespace

struct FdSink::Impl : std::enable_shared_from_this<FdSink::Impl> {
    enum class Progress { done, would_block, closed };

    Impl(EventLoop& l, int fd, Overflow o, std::size_t capacity)
        : loop(l), original_fd(fd), target(open_for_writing(fd)), overflow(o), queue(o, capacity),
          watcher(l) {
        // Fails for /dev/null, which never makes us wait.
        if (target.kind != TargetKind::file) watchable = watcher.assign(target.fd);
    }

    ~Impl() {
        loop.cancel(retry_timer);
        watcher.release();
        if (target.owned) ::close(target.fd);
        if (target.restore_flags != -1) ::fcntl(original_fd, F_SETFL, target.restore_flags);
    }

    ssize_t write_some(std::string_view data) {
        if (target.kind == TargetKind::socket)
            return ::send(target.fd, data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        return ::write(target.fd, data.data(), data.size());
    }

    // Writes until the queue is empty or the descriptor is full.
    Progress write_now() {
        if (state != State::open) return Progress::closed;
        while (!queue.empty()) {
            ssize_t n = write_some(queue.front());
            if (n > 0) {
                queue.consume(static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n == 0 || errno == EAGAIN || errno == EWOULDBLOCK) {
                note_progress();
                return Progress::would_block;
            }
            close_output(errno);
            return Progress::closed;
        }
        note_progress();
        return Progress::done;
    }

    // Tells the owner what the written bytes changed. Called after writing,
    // never in the middle of it, since the owner may print more.
    void note_progress() {
        if (high && queue.below_low_mark()) {
            high = false;
            if (handlers.on_low) handlers.on_low();
        }
        if (queue.empty() && queue.total_dropped().records > 0 && handlers.on_caught_up) {
            DropCount d = queue.take_dropped();
            if (d.records > 0) handlers.on_caught_up(d);
        }
    }

    void close_output(int err) {
        state = err == EPIPE ? State::reader_gone : State::failed;
        error = std::strerror(err);
        queue.clear();
        record.clear();
        // The owner hears it from the loop, not from inside its own call.
        loop.post([weak = weak_from_this()] {
            if (auto self = weak.lock(); self && self->handlers.on_closed) self->handlers.on_closed();
        });
    }

    // A write on the loop, soon, unless one is coming already.
    void schedule() {
        if (state != State::open || write_scheduled || waiting || queue.empty()) return;
        write_scheduled = true;
        loop.post([weak = weak_from_this()] {
            if (auto self = weak.lock()) {
                self->write_scheduled = false;
                self->write_and_wait();
            }
        });
    }

    // EAGAIN means the reader is slower than we are, never that it is gone:
    // wait until the descriptor is writable, then go on.
    void write_and_wait() {
        if (write_now() != Progress::would_block) return;
        waiting = true;
        auto resume = [weak = weak_from_this()] {
            if (auto self = weak.lock()) {
                self->waiting = false;
                self->write_and_wait();
            }
        };
        if (watchable) {
            watcher.async_wait_writable([resume](const std::error_code& ec) {
                if (!is_aborted(ec)) resume();
            });
        } else {
            retry_timer = loop.after(std::chrono::milliseconds(10), resume);
        }
    }

    void end_record() {
        if (!record.empty()) {
            if (state == State::open) queue.push(record);
            record.clear();
        }
        schedule();
    }

    Drain drain(std::optional<std::chrono::steady_clock::time_point> deadline, int* signo) {
        end_record();
        SignalCatcher signals;
        for (;;) {
            switch (write_now()) {
                case Progress::done:
                    if (queue.empty()) return Drain::done;
                    continue;  // the owner printed more (a drop notice)
                case Progress::closed:
                    return state == State::reader_gone ? Drain::reader_gone : Drain::failed;
                case Progress::would_block:
                    break;
            }
            int timeout_ms = -1;
            if (deadline) {
                auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
                if (left.count() <= 0) return Drain::timed_out;
                timeout_ms = static_cast<int>(std::min<long long>(left.count(), 60000));
            }
            pollfd fds[2] = {{target.fd, POLLOUT, 0}, {signals.fd(), POLLIN, 0}};
            int n = ::poll(fds, 2, timeout_ms);
            if (signals.signal() != 0) {
                if (signo) *signo = signals.signal();
                return Drain::interrupted;
            }
            if (n < 0 && errno != EINTR) {
                close_output(errno);
                return Drain::failed;
            }
        }
    }

    EventLoop& loop;
    const int original_fd;
    const Target target;
    const Overflow overflow;
    OutputQueue queue;
    std::string record;  // Overflow::drop: the record being printed
    State state = State::open;
    std::string error;
    Handlers handlers;
    Descriptor watcher;
    bool watchable = false;
    bool write_scheduled = false;
    bool waiting = false;  // for the descriptor to become writable
    bool high = false;     // above the high mark, not yet below the low one
    EventLoop::TimerId retry_timer = 0;
};

FdSink::FdSink(EventLoop& loop, int fd, Overflow overflow, std::size_t capacity)
    : impl_(std::make_shared<Impl>(loop, fd, overflow, capacity)) {}

FdSink::~FdSink() {
    // Whatever the descriptor takes now; owners drain() first when it
    // matters. The owner is going away: it hears nothing more.
    impl_->handlers = {};
    impl_->end_record();
    impl_->write_now();
}

void FdSink::set_handlers(Handlers handlers) { impl_->handlers = std::move(handlers); }

void FdSink::write(std::string_view bytes) {
    auto& d = *impl_;
    if (d.state != State::open) return;
    if (d.overflow == Overflow::drop) {
        d.record.append(bytes);
        return;
    }
    d.queue.push(bytes);
    if (d.queue.above_high_mark()) d.high = true;
    d.schedule();
}

void FdSink::end_record() { impl_->end_record(); }

void FdSink::submit(std::string_view record) {
    write(record);
    end_record();
}

bool FdSink::flush() {
    impl_->end_record();
    if (!impl_->waiting) impl_->write_now();
    return impl_->state == State::open;
}

FdSink::State FdSink::state() const { return impl_->state; }
const std::string& FdSink::error() const { return impl_->error; }
bool FdSink::has_pending() const { return !impl_->queue.empty() || !impl_->record.empty(); }
bool FdSink::above_high_mark() const { return impl_->queue.above_high_mark(); }
DropCount FdSink::take_dropped() { return impl_->queue.take_dropped(); }
DropCount FdSink::total_dropped() const { return impl_->queue.total_dropped(); }

FdSink::Drain FdSink::drain(std::optional<std::chrono::steady_clock::time_point> deadline, int* signo) {
    return impl_->drain(deadline, signo);
}

}  // namespace wskit::detail
