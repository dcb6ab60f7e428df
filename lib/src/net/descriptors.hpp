// The process's file descriptors, for servers that may run out of them.
#pragma once

#include <cstddef>

namespace wskit::detail {

// Raises the soft RLIMIT_NOFILE to the hard limit (a server's clients are
// descriptors, and the usual soft limit of 1024 is far below what the system
// allows). Returns the soft limit now in force, or 0 if it is unknown.
std::size_t raise_descriptor_limit();

// The soft RLIMIT_NOFILE in force, or 0 if unknown or unlimited.
std::size_t descriptor_limit();

// How many descriptors the process has open (entries of /proc/self/fd); the
// soft limit when the process is out of descriptors (so that the list cannot
// be opened); 0 if that cannot be known.
std::size_t open_descriptor_count();

}  // namespace wskit::detail
