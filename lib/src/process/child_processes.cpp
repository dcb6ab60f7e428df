// ChildProcesses: spawning, and reaping on SIGCHLD through an Asio
// signal_set; at the end, ending and reaping whatever is left.
#include "process/child_internal.hpp"
#include "process/child_spawn.hpp"
#include "process/child_sweep.hpp"
#include "net/descriptor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <map>
#include <random>
#include <thread>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace wskit::detail {
namespace {

using namespace std::chrono_literals;

// At the end, how long the descendants killed with a process may take to be
// reaped.
constexpr auto orphan_grace = 200ms;

}  // namespace

struct ChildProcesses::Impl {
    explicit Impl(EventLoop& l)
        : loop(l), sigchld(l, SIGCHLD),
          tag_prefix(fmt::format("{}-{:08x}", ::getpid(), std::random_device{}())) {
        wait_sigchld();
    }

    // Unique among the processes of this machine: wskit's pid, a random
    // number (pids are reused), and a count.
    std::string next_tag_entry() { return fmt::format("{}={}-{}", sweep_tag_variable, tag_prefix, ++spawned); }

    void wait_sigchld() {
        sigchld.async_wait([this](const std::error_code& ec, int) {
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
    SignalWatch sigchld;
    std::map<int, std::shared_ptr<ManagedChild>> children;
    std::chrono::milliseconds kill_grace{1000};
    std::string tag_prefix;
    std::uint64_t spawned = 0;
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

// A process still running as ChildProcesses goes, with its tag entry.
struct Left {
    int pid;
    std::string tag_entry;
};

// Reaps every exited child without waiting; false once there is none left.
bool reap_exited(std::vector<Left>& left) {
    for (;;) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid < 0 && errno == EINTR) continue;
        if (pid < 0) return false;  // ECHILD
        if (pid == 0) return true;
        auto it = std::find_if(left.begin(), left.end(), [pid](const Left& l) { return l.pid == pid; });
        if (it != left.end()) {
            end_session(it->pid, it->tag_entry);  // what it left behind
            left.erase(it);
        }
    }
}

}  // namespace

ChildProcesses::~ChildProcesses() {
    impl_->sigchld.cancel();
    std::vector<Left> left;
    for (auto& [pid, child] : impl_->children) {
        child->abandon();  // closing its stdin is its EOF
        if (!child->exited()) {
            signal_session(pid, child->tag_entry(), SIGTERM);
            left.push_back({pid, child->tag_entry()});
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
            for (const auto& l : left) end_session(l.pid, l.tag_entry);
            killed = true;
            deadline = now + orphan_grace;
        } else if (killed && now >= deadline && (left.empty() || now >= deadline + 2s)) {
            break;  // a descendant that left the group and lives on, or a process stuck in the kernel
        }
        std::this_thread::sleep_for(5ms);
    }
}

std::shared_ptr<ChildProcess> ChildProcesses::spawn(const ChildSpec& given, ChildProcess::Handlers handlers) {
    auto spec = given;
    auto tag = impl_->next_tag_entry();
    spec.env.push_back(tag);
    auto fds = spawn_child(spec);
    auto child = start_child(impl_->loop, spec, fds, std::move(handlers), std::move(tag));
    impl_->children[fds.pid] = child;
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
