// What /proc and getrusage say about a process: CPU time and resident memory,
// for the client's own cost and the server's (--server-pid).
#pragma once

#include <optional>

namespace wskit::detail {

// User + system CPU seconds of `pid` (/proc/PID/stat), or nothing when unreadable.
std::optional<double> process_cpu_seconds(int pid);
// VmRSS of `pid` in KiB (/proc/PID/status), or nothing.
std::optional<long> process_rss_kib(int pid);
// User + system CPU seconds of this process.
double own_cpu_seconds();

}  // namespace wskit::detail
