// Child processes on a real event loop: output lines, input, exit statuses,
// the escalation, and that nothing is left behind.
#include "support.hpp"

#include "process/child_process.hpp"
#include "process/child_sweep.hpp"

#include <wskit/error.hpp>

#include <cctype>
#include <csignal>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <optional>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace std::chrono_literals;
using wskit::EventLoop;
using wskit::detail::ChildProcess;
using wskit::detail::ChildProcesses;
using wskit::detail::ChildSpec;
using wskit::detail::ExitStatus;

namespace {

ChildSpec shell(const std::string& script) {
    ChildSpec spec;
    spec.program = "/bin/sh";
    spec.argv = {"sh", "-c", script};
    spec.env = {"PATH=/usr/bin:/bin"};
    return spec;
}

struct Run {
    std::vector<std::string> out, err;
    std::optional<ExitStatus> status;
    int pid = 0;
};

// Runs the process to its end (10 s at most); `with` may act on it once started.
Run run(ChildSpec spec, const std::function<void(ChildProcess&)>& with = {}) {
    EventLoop loop;
    Run r;
    {
        ChildProcesses children(loop);
        ChildProcess::Handlers h;
        h.on_stdout_line = [&](std::string line) { r.out.push_back(std::move(line)); };
        h.on_stderr_line = [&](std::string line) { r.err.push_back(std::move(line)); };
        h.on_exit = [&](ExitStatus s) {
            r.status = s;
            loop.stop();
        };
        auto child = children.spawn(spec, std::move(h));
        r.pid = child->pid();
        if (with) with(*child);
        loop.after(10s, [&] { loop.stop(); });
        loop.run();
        REQUIRE(r.status);
        CHECK(children.live() == 0);
    }
    // Reaped: no zombie is left with this pid.
    CHECK(::waitpid(r.pid, nullptr, WNOHANG) == -1);
    return r;
}

// Processes of group pgid, zombies included, from /proc/PID/stat.
int group_members(int pgid) {
    int n = 0;
    DIR* proc = ::opendir("/proc");
    REQUIRE(proc);
    while (auto* entry = ::readdir(proc)) {
        if (!std::isdigit(static_cast<unsigned char>(entry->d_name[0]))) continue;
        std::ifstream stat(std::string("/proc/") + entry->d_name + "/stat");
        std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        auto paren = text.rfind(')');
        if (paren == std::string::npos) continue;
        std::istringstream fields(text.substr(paren + 1));
        std::string state;
        int ppid = 0, group = 0;
        fields >> state >> ppid >> group;
        if (group == pgid) ++n;
    }
    ::closedir(proc);
    return n;
}

}  // namespace

TEST_CASE("child process: stdout and stderr lines, then the exit", "[child]") {
    auto r = run(shell("printf 'a\\nb\\n'; echo oops >&2; printf 'last'"));
    CHECK(r.out == std::vector<std::string>{"a", "b", "last"});
    CHECK(r.err == std::vector<std::string>{"oops"});
    CHECK(r.status->success());
}

TEST_CASE("child process: stdin lines, and EOF on close_stdin", "[child]") {
    auto r = run(shell("cat; echo done"), [](ChildProcess& c) {
        c.write("one\n");
        c.write("two\n");
        c.close_stdin();
    });
    CHECK(r.out == std::vector<std::string>{"one", "two", "done"});
}

TEST_CASE("child process: exit statuses", "[child]") {
    auto three = run(shell("exit 3"));
    CHECK(three.status->code == 3);
    CHECK(!three.status->success());
    CHECK(wskit::detail::describe(*three.status) == "exited with status 3");
    auto killed = run(shell("kill -KILL $$"));
    CHECK(killed.status->signal == SIGKILL);
    CHECK(wskit::detail::describe(*killed.status) == "killed by SIGKILL");
}

TEST_CASE("child process: stop sends SIGTERM to the group after the grace", "[child]") {
    auto r = run(shell("sleep 60"), [](ChildProcess& c) { c.stop(50ms); });
    // The shell, or the sleep it became: SIGTERM either way.
    CHECK(r.status->signal == SIGTERM);
}

TEST_CASE("child process: SIGKILL when SIGTERM is ignored", "[child]") {
    auto r = run(shell("trap '' TERM; echo ready; while :; do sleep 1; done"), [](ChildProcess& c) { c.stop(50ms); });
    CHECK(r.status->signal == SIGKILL);
}

TEST_CASE("child process: long lines in pieces, cut between UTF-8 characters", "[child]") {
    auto spec = shell("printf 'abc\\303\\251de\\n'");
    spec.max_line = 4;
    auto r = run(spec);
    CHECK(r.out == std::vector<std::string>{"abc", "\xc3\xa9" "de"});
}

TEST_CASE("child process: only stdin, stdout and stderr are open, with the given environment", "[child]") {
    auto spec = shell("echo \"$FOO\"; ls /proc/$$/fd");
    spec.env.push_back("FOO=bar");
    auto r = run(spec);
    CHECK(r.out == std::vector<std::string>{"bar", "0", "1", "2"});
}

TEST_CASE("child process: a pseudo-terminal on stdin and stdout, raw", "[child]") {
    auto spec = shell("test -t 0 && test -t 1 && ! test -t 2 && echo tty; read line; echo \"got $line\"");
    spec.pty = true;
    auto r = run(spec, [](ChildProcess& c) { c.write("hi\n"); });
    CHECK(r.out == std::vector<std::string>{"tty", "got hi"});  // no echo, no CR
}

TEST_CASE("child process: a program that cannot be run is an error", "[child]") {
    EventLoop loop;
    ChildProcesses children(loop);
    ChildSpec spec;
    spec.program = "/nonexistent/program";
    spec.argv = {"program"};
    auto message = wskit::test::error_message([&] { children.spawn(spec, {}); }, wskit::ExitCode::runtime);
    CHECK(message.find("cannot run /nonexistent/program: No such file or directory") != std::string::npos);
    CHECK(children.live() == 0);
}

TEST_CASE("child processes: the destructor ends and reaps what is left", "[child]") {
    EventLoop loop;
    int pid = 0;
    {
        ChildProcesses children(loop);
        children.set_kill_grace(100ms);
        pid = children.spawn(shell("trap '' TERM; sleep 60 & wait"), {})->pid();
        CHECK(children.live() == 1);
    }
    CHECK(::kill(pid, 0) == -1);  // gone, and reaped
    // Its group too: the sleep, an orphan once the shell is gone, came to
    // wskit as its subreaper and was reaped too.
    CHECK(group_members(pid) == 0);
}

namespace {

// Whether pid is a live process (a zombie is not).
bool alive(int pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto parsed = wskit::detail::parse_proc_stat(text);
    return parsed && parsed->state != 'Z';
}

// Whether pid is gone within 3 s. SIGKILL takes effect when the process
// next runs, and a dying process closes its descriptors (our pipe's EOF)
// before it becomes a zombie: its state is polled, as nothing signals it.
bool ends_soon(int pid) {
    for (int i = 0; i < 300 && alive(pid); ++i) std::this_thread::sleep_for(10ms);
    return !alive(pid);
}

}  // namespace

TEST_CASE("child process: what left its session with setsid ends with it", "[child]") {
    // $! is the sleep that setsid becomes, out of the script's session.
    int daemon = 0;
    auto r = run(shell("setsid sleep 60 & echo $!; read x; cat"), [&](ChildProcess& c) {
        c.write("go\n");
        c.close_stdin();
    });
    REQUIRE(r.out.size() == 1);
    daemon = std::stoi(r.out[0]);
    CHECK(ends_soon(daemon));
}

TEST_CASE("child processes: the destructor ends what left the session too", "[child]") {
    EventLoop loop;
    int daemon = 0;
    {
        ChildProcesses children(loop);
        children.set_kill_grace(100ms);
        ChildProcess::Handlers h;
        h.on_stdout_line = [&](std::string line) {
            daemon = std::stoi(line);
            loop.stop();
        };
        children.spawn(shell("setsid sh -c 'trap \"\" TERM; echo $$; exec sleep 60' & wait"), std::move(h));
        loop.after(10s, [&] { loop.stop(); });
        loop.run();
        REQUIRE(daemon > 0);
        CHECK(alive(daemon));
    }
    CHECK(ends_soon(daemon));
}

TEST_CASE("parse_proc_stat and environ_has", "[child]") {
    using wskit::detail::environ_has;
    using wskit::detail::parse_proc_stat;
    auto s = parse_proc_stat("123 (a (b) c) S 1 120 110 0 -1 4194560 ...");
    REQUIRE(s);
    CHECK(s->state == 'S');
    CHECK(s->ppid == 1);
    CHECK(s->pgrp == 120);
    CHECK(s->session == 110);
    CHECK_FALSE(parse_proc_stat("garbage"));
    CHECK_FALSE(parse_proc_stat("1 (x) S"));
    using namespace std::string_literals;
    auto env = "PATH=/bin\0WSKIT_EXEC_TAG=1-ab-2\0HOME=/\0"s;
    CHECK(environ_has(env, "WSKIT_EXEC_TAG=1-ab-2"));
    CHECK_FALSE(environ_has(env, "WSKIT_EXEC_TAG=1-ab-22"));
    CHECK_FALSE(environ_has(env, "WSKIT_EXEC_TAG=1-ab-"));
    CHECK_FALSE(environ_has("", "A=1"));
    CHECK(environ_has("A=1", "A=1"));
}

TEST_CASE("find_program", "[child]") {
    using wskit::detail::find_program;
    CHECK(find_program("sh", "/nonexistent:/bin") == "/bin/sh");
    CHECK(find_program("/bin/sh", "") == "/bin/sh");
    CHECK(find_program("no-such-program-anywhere", "/bin:/usr/bin").empty());
    CHECK(find_program("passwd", "/etc").empty());  // not executable
    CHECK(find_program("", "/bin").empty());
}
