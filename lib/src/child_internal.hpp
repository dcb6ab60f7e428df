// What ChildProcesses (child_processes_impl.cpp) needs of the processes it
// spawns (child_process_impl.cpp) besides the ChildProcess interface.
#pragma once

#include "child_process.hpp"
#include "child_spawn.hpp"

#include <memory>

namespace wskit::detail {

class ManagedChild : public ChildProcess {
public:
    // SIGCHLD brought its wait status: report its exit once its output has
    // been read to the end, and kill what it left in its process group.
    virtual void reaped(int wait_status) = 0;
    // ChildProcesses is going away: no more handlers, descriptors closed.
    virtual void abandon() = 0;
    // Reaped and reported: ChildProcesses can forget it.
    virtual bool finished() const = 0;
};

// Starts reading the output of a process spawn_child started.
std::shared_ptr<ManagedChild> start_child(EventLoop& loop, const ChildSpec& spec, const SpawnedChild& fds,
                                          ChildProcess::Handlers handlers);

}  // namespace wskit::detail
