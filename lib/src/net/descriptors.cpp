#include "net/descriptors.hpp"

#include <cerrno>
#include <dirent.h>
#include <sys/resource.h>

namespace wskit::detail {

std::size_t raise_descriptor_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
    }
    return limit.rlim_cur == RLIM_INFINITY ? 0 : static_cast<std::size_t>(limit.rlim_cur);
}

std::size_t descriptor_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
    return static_cast<std::size_t>(limit.rlim_cur);
}

std::size_t open_descriptor_count() {
    DIR* dir = ::opendir("/proc/self/fd");
    // Reading the list takes a descriptor: out of them (EMFILE), every
    // number below the soft limit is in use, so that many are open.
    if (!dir) return errno == EMFILE ? descriptor_limit() : 0;
    std::size_t count = 0;
    while (const dirent* entry = ::readdir(dir)) {
        if (entry->d_name[0] != '.') ++count;
    }
    ::closedir(dir);
    return count > 0 ? count - 1 : 0;  // not the one opendir holds
}

}  // namespace wskit::detail
