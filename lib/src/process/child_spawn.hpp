// Starting a child process with fork and execve: the part of child_process
// that needs no event loop. Everything the child does between fork and exec
// is async-signal-safe (no allocation, no locks), as a multithreaded parent
// requires.
#pragma once

#include "process/child_process.hpp"

namespace wskit::detail {

struct SpawnedChild {
    int pid = -1;
    int stdin_fd = -1;   // the parent's ends, non-blocking and close-on-exec;
    int stdout_fd = -1;  // with a pseudo-terminal both are its master
    int stderr_fd = -1;
};

// Forks and executes spec.program in a new session (so its own process group,
// and with a pseudo-terminal, that terminal as its controlling one), with
// default signal dispositions and mask, only descriptors 0-2 open, and
// SIGTERM when wskit dies without ending it. Throws Error(runtime) when fork
// fails or the program cannot be executed (the child is reaped then).
SpawnedChild spawn_child(const ChildSpec& spec);

}  // namespace wskit::detail
