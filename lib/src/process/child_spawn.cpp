#include "process/child_spawn.hpp"

#include <wskit/error.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <pthread.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <utility>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace wskit::detail {
namespace {

// Owns a descriptor until released, so that an exception on the way out
// closes what was opened.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& o) noexcept : fd_(o.release()) {}
    Fd& operator=(Fd&& o) noexcept {
        reset(o.release());
        return *this;
    }
    ~Fd() { reset(); }
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

[[noreturn]] void fail(const std::string& what) {
    throw Error(ExitCode::runtime, fmt::format("{}: {}", what, std::strerror(errno)));
}

// A close-on-exec descriptor numbered 3 or more: if wskit was started with
// stdin, stdout or stderr closed, pipe() could hand out 0, 1 or 2, and the
// child's dup2 onto those numbers would clobber one end with another.
Fd above_stdio(int fd) {
    if (fd < 0) fail("cannot create a pipe for the process");
    if (fd > 2) return Fd(fd);
    int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    ::close(fd);
    if (moved < 0) fail("cannot create a pipe for the process");
    return Fd(moved);
}

struct Pipe {
    Fd read, write;
};

Pipe make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) fail("cannot create a pipe for the process");
    Pipe p;
    p.read = above_stdio(fds[0]);
    p.write = above_stdio(fds[1]);
    return p;
}

void set_nonblocking(int fd) {
    int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// In the child, between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(const ChildSpec& spec, char* const* argv, char* const* envp, int in, int out, int err,
                             int tty, int report, pid_t parent) {
    auto die = [report] {
        int e = errno;
        (void)!::write(report, &e, sizeof e);
        ::_exit(127);
    };
    // Signals are blocked since before fork, so that none reaches wskit's
    // handlers (Asio's, which write to a pipe shared with wskit) in here.
    // Ignored signals stay ignored across exec: wskit ignores SIGPIPE, which
    // `yes | head` in a script relies on. Handled ones are reset by exec.
    for (int sig = 1; sig < NSIG; ++sig) {
        if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (::setsid() < 0) die();
    if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || ::getppid() != parent) ::_exit(127);
    if (spec.pty && ::ioctl(tty, TIOCSCTTY, 0) != 0) die();
    if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) die();
    // Asio opens its sockets without close-on-exec: mark everything above
    // stderr, so that no client socket reaches the program.
    if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
        for (int fd = 3; fd < 65536; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    ::execve(spec.program.c_str(), argv, envp);
    die();
    ::_exit(127);
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

}  // namespace

std::vector<std::string> current_environment() {
    std::vector<std::string> out;
    for (char** e = environ; e && *e; ++e) out.emplace_back(*e);
    return out;
}

std::string describe(const ExitStatus& status) {
    if (status.signal == 0) return fmt::format("exited with status {}", status.code);
    const char* name = sigabbrev_np(status.signal);
    return name ? fmt::format("killed by SIG{}", name) : fmt::format("killed by signal {}", status.signal);
}

std::string find_program(const std::string& name, const std::string& path) {
    auto runnable = [](const std::string& p) {
        struct stat st {};
        return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
    };
    if (name.empty()) return {};
    if (name.find('/') != std::string::npos) return runnable(name) ? name : std::string();
    std::size_t start = 0;
    while (start <= path.size()) {
        auto end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(start, end - start);
        std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
        if (runnable(candidate)) return candidate;
        start = end + 1;
    }
    return {};
}

SpawnedChild spawn_child(const ChildSpec& spec) {
    auto argv = c_strings(spec.argv);
    auto envp = c_strings(spec.env);
    Pipe err = make_pipe(), report = make_pipe();
    Pipe in, out;
    Fd master, slave;
    if (spec.pty) {
        struct termios raw {};
        ::cfmakeraw(&raw);
        int m = -1, s = -1;
        if (::openpty(&m, &s, nullptr, &raw, nullptr) != 0) fail("cannot open a pseudo-terminal for the process");
        master = above_stdio(m);
        slave = above_stdio(s);
        ::fcntl(master.get(), F_SETFD, FD_CLOEXEC);
        ::fcntl(slave.get(), F_SETFD, FD_CLOEXEC);
    } else {
        in = make_pipe();
        out = make_pipe();
    }
    pid_t parent = ::getpid();
    sigset_t all, old;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = ::fork();
    if (pid != 0) ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (pid < 0) fail("cannot start a process");
    if (pid == 0) {
        if (spec.pty)
            exec_child(spec, argv.data(), envp.data(), slave.get(), slave.get(), err.write.get(), slave.get(),
                       report.write.get(), parent);
        exec_child(spec, argv.data(), envp.data(), in.read.get(), out.write.get(), err.write.get(), -1,
                   report.write.get(), parent);
    }
    // The child's ends are closed here, so that EOF on stdout and stderr
    // means the process (and whatever inherited them) is done with them.
    slave.reset();
    in.read.reset();
    out.write.reset();
    err.write.reset();
    report.write.reset();
    int child_errno = 0;
    ssize_t n;
    do n = ::read(report.read.get(), &child_errno, sizeof child_errno);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        errno = child_errno;
        fail(fmt::format("cannot run {}", spec.program));
    }
    SpawnedChild child;
    child.pid = pid;
    if (spec.pty) {
        child.stdin_fd = master.get();
        child.stdout_fd = master.release();
    } else {
        child.stdin_fd = in.write.release();
        child.stdout_fd = out.read.release();
    }
    child.stderr_fd = err.read.release();
    for (int fd : {child.stdin_fd, child.stdout_fd, child.stderr_fd}) set_nonblocking(fd);
    return child;
}

}  // namespace wskit::detail
