#include "record/whole_file.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace wskit::detail {
namespace {

std::string temporary(const std::string& path) { return fmt::format("{}.{}.tmp", path, ::getpid()); }

}  // namespace

int check_whole_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return EISDIR;
    auto tmp = temporary(path);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return 0;
}

int write_whole_file(const std::string& path, std::string_view text, unsigned mode) {
    auto tmp = temporary(path);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return errno;
    auto fail = [&](int error) {
        ::unlink(tmp.c_str());
        return error;
    };
    std::size_t done = 0;
    while (done < text.size()) {
        auto n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int error = n < 0 ? errno : EIO;
            ::close(fd);
            return fail(error);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) return fail(errno);
    if (std::rename(tmp.c_str(), path.c_str()) != 0) return fail(errno);
    return 0;
}

}  // namespace wskit::detail
