// Child processes on the event loop, for --exec: spawned with their own
// pipes (or a pseudo-terminal), their output read line by line and their
// input written without ever blocking the loop, reaped on SIGCHLD.
//
// Each process leads its own session and process group, so that a signal
// reaches a shell's children too, and a terminal's Ctrl-C reaches wskit only
// (wskit then ends the processes itself). Its environment gets a tag
// (WSKIT_EXEC_TAG, see child_sweep.hpp) that its descendants inherit, so
// that those that leave its session (setsid) are found and ended with it.
// No process outlives its ChildProcesses: the destructor terminates and
// reaps what is left.
#pragma once

#include <wskit/export.hpp>
#include <wskit/loop.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace wskit::detail {

struct ChildSpec {
    std::string program;            // the executable's path (see find_program)
    std::vector<std::string> argv;  // argv[0] included
    std::vector<std::string> env;   // "NAME=value", the whole environment
    // stdin and stdout on a pseudo-terminal instead of pipes (stderr stays a
    // pipe, so that it can still be told apart). The terminal is raw: no echo
    // of the input, no CRLF for LF, no signals or line editing from the bytes
    // written to it, and no line length limit.
    bool pty = false;
    // A stdout line longer than this is handed over in pieces of at most
    // this many bytes, cut between UTF-8 characters where there is one.
    std::size_t max_line = 16u << 20;
};

struct ExitStatus {
    int code = 0;    // the exit status, when signal is 0
    int signal = 0;  // the signal that killed it, or 0
    bool success() const { return signal == 0 && code == 0; }
};

// This process's environment, "NAME=value" each.
WSKIT_API std::vector<std::string> current_environment();

// "exited with status 3", "killed by SIGKILL".
WSKIT_API std::string describe(const ExitStatus& status);

// The path of `name` as execvp would find it in `path` (a PATH value): name
// itself when it holds a '/'. Empty when there is no such executable file.
WSKIT_API std::string find_program(const std::string& name, const std::string& path);

class ChildProcess {
public:
    // Queued input above this many bytes is "full": the producer should pause.
    static constexpr std::size_t stdin_high_mark = 1u << 20;
    // ...and may go on once the queue is down to this.
    static constexpr std::size_t stdin_low_mark = 256u << 10;

    struct Handlers {
        std::function<void(std::string line)> on_stdout_line;  // without its "\n"
        std::function<void(std::string line)> on_stderr_line;
        // The input queue went above stdin_high_mark (true), or back down to
        // stdin_low_mark (false).
        std::function<void(bool full)> on_stdin_full;
        // The process has been reaped and its stdout and stderr read to the
        // end (at most a second after its exit: a descendant that keeps them
        // open does not hold this up). Last call of all.
        std::function<void(ExitStatus)> on_exit;
    };

    virtual ~ChildProcess() = default;
    virtual int pid() const = 0;
    // Queues bytes for its stdin; dropped once stdin is closed or broken.
    virtual void write(std::string bytes) = 0;
    virtual std::size_t stdin_queued() const = 0;
    // Ends its input once what is queued has been written: EOF on a pipe;
    // a pseudo-terminal is hung up (SIGHUP, then EOF on its reads), which
    // also ends the reading of its stdout.
    virtual void close_stdin() = 0;
    // Ends it: close_stdin(), SIGTERM after `grace`, SIGKILL `grace` later.
    virtual void stop(std::chrono::milliseconds grace) = 0;
    // Ends it now: close_stdin() and SIGTERM at once, SIGKILL after `grace`
    // (wskit itself is stopping). Replaces a stop() under way.
    virtual void terminate(std::chrono::milliseconds grace) = 0;
    // Stops (false) or resumes (true) reading its stdout, so that a slow
    // consumer slows the process down instead of growing a buffer.
    virtual void read_stdout(bool on) = 0;
    virtual bool exited() const = 0;  // reaped
};

class WSKIT_API ChildProcesses {
public:
    // Watches SIGCHLD on the loop from now on. Loop thread only.
    explicit ChildProcesses(EventLoop& loop);
    // SIGTERM to every process left, SIGKILL to those still there after
    // kill_grace, and waits for each: no child is left, and no zombie.
    ~ChildProcesses();
    ChildProcesses(const ChildProcesses&) = delete;
    ChildProcesses& operator=(const ChildProcesses&) = delete;

    // Starts a process, with WSKIT_EXEC_TAG added to spec.env. Throws
    // Error(runtime) saying why it could not be started (fork failed, the
    // program cannot be executed).
    std::shared_ptr<ChildProcess> spawn(const ChildSpec& spec, ChildProcess::Handlers handlers);
    // Processes started and not yet reaped.
    std::size_t live() const;
    // How long the destructor waits after SIGTERM (default 1 s).
    void set_kill_grace(std::chrono::milliseconds grace);

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace wskit::detail
