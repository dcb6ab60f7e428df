#include "process/child_sweep.hpp"

#include <csignal>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <sstream>
#include <unistd.h>

namespace wskit::detail {

const char* const sweep_tag_variable = "WSKIT_EXEC_TAG";

namespace {

// What ends a session: a process forking faster than the rounds kill it
// would be a fork bomb, which SIGKILL to each generation still ends.
constexpr int sweep_rounds = 8;

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view stat) {
    auto paren = stat.rfind(')');
    if (paren == std::string_view::npos) return std::nullopt;
    std::istringstream fields(std::string(stat.substr(paren + 1)));
    ProcStat s;
    std::string state;
    if (!(fields >> state >> s.ppid >> s.pgrp >> s.session) || state.size() != 1) return std::nullopt;
    s.state = state[0];
    return s;
}

bool environ_has(std::string_view environ, std::string_view entry) {
    while (!environ.empty()) {
        auto end = environ.find('\0');
        if (environ.substr(0, end) == entry) return true;
        if (end == std::string_view::npos) break;
        environ.remove_prefix(end + 1);
    }
    return false;
}

std::vector<int> session_members(int leader, const std::string& tag_entry) {
    std::vector<int> found;
    DIR* proc = ::opendir("/proc");
    if (!proc) return found;
    const int self = ::getpid();
    while (auto* entry = ::readdir(proc)) {
        char* end = nullptr;
        long pid = std::strtol(entry->d_name, &end, 10);
        if (*end != '\0' || pid <= 0 || pid == self) continue;
        auto dir = std::string("/proc/") + entry->d_name;
        auto stat = parse_proc_stat(read_file(dir + "/stat"));
        if (!stat || stat->state == 'Z') continue;  // gone, or dead and waiting to be reaped
        if (stat->session == leader || (!tag_entry.empty() && environ_has(read_file(dir + "/environ"), tag_entry)))
            found.push_back(static_cast<int>(pid));
    }
    ::closedir(proc);
    return found;
}

void signal_session(int leader, const std::string& tag_entry, int signo) {
    for (int pid : session_members(leader, tag_entry)) ::kill(pid, signo);
}

void end_session(int leader, const std::string& tag_entry) {
    for (int round = 0; round < sweep_rounds; ++round) {
        auto members = session_members(leader, tag_entry);
        if (members.empty()) return;
        for (int pid : members) ::kill(pid, SIGKILL);
    }
}

}  // namespace wskit::detail
