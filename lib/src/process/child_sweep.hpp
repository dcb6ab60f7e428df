// What an --exec process leaves behind: a grandchild that calls setsid (a
// daemon, `setsid sleep 1000 &`) leaves the process group a signal reaches,
// and would outlive its client and wskit. With no cgroup to hold them, the
// processes of a child are found through /proc: those of its session (its
// pid, as it leads one) and those whose environment carries its tag, a
// variable set for it and inherited by everything it starts. A process that
// clears its environment and starts a session of its own escapes this.
#pragma once

#include <wskit/export.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wskit::detail {

// The variable that tags a child's processes ("WSKIT_EXEC_TAG").
extern const char* const sweep_tag_variable;

// The fields of /proc/PID/stat this needs.
struct ProcStat {
    char state = '?';  // 'Z' for a zombie
    int ppid = 0;
    int pgrp = 0;
    int session = 0;
};
// Parses a /proc/PID/stat line; the command name may hold spaces and ')'.
WSKIT_API std::optional<ProcStat> parse_proc_stat(std::string_view stat);

// Whether a /proc/PID/environ block (NUL-separated NAME=value entries)
// holds `entry` exactly.
WSKIT_API bool environ_has(std::string_view environ, std::string_view entry);

// The live processes (zombies left out) of session `leader`, or whose
// environment holds `tag_entry` ("WSKIT_EXEC_TAG=..."), this process aside.
std::vector<int> session_members(int leader, const std::string& tag_entry);

// `signo` to every such process, once.
void signal_session(int leader, const std::string& tag_entry, int signo);

// SIGKILL to every such process, again until none is found (a process may
// fork while it is being looked for; a few rounds at most).
void end_session(int leader, const std::string& tag_entry);

}  // namespace wskit::detail
