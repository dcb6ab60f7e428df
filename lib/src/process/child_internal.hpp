// What ChildProcesses (child_processes_impl.cpp) needs of the processes it
// spawns (child_process_impl.cpp) besides the ChildProcess interface.
#pragma once

#include "process/child_process.hpp"
#include "process/child_spawn.hpp"

#include <memory>
#include <string>

namespace wskit::detail {

class ManagedChild : public ChildProcess {
public:
    // SIGCHLD brought its wait status: report its exit once its output has
    // been read to the end, and kill what it left behind (its session and
    // its tagged processes).
    virtual void reaped(int wait_status) = 0;
    // ChildProcesses is going away: no more handlers, descriptors closed.
    virtual void abandon() = 0;
    // Reaped and reported: ChildProcesses can forget it.
    virtual bool finished() const = 0;
    // The environment entry that tags its processes (see child_sweep.hpp).
    virtual const std::string& tag_entry() const = 0;
};

// Starts reading the output of a process spawn_child started. `tag_entry`
// is the environment entry that tags its processes (see child_sweep.hpp).
std::shared_ptr<ManagedChild> start_child(EventLoop& loop, const ChildSpec& spec, const SpawnedChild& fds,
                                          ChildProcess::Handlers handlers, std::string tag_entry);

}  // namespace wskit::detail
