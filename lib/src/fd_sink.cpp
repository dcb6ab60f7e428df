#include "fd_sink.hpp"

#include <cerrno>
#include <unistd.h>

namespace wskit::detail {

void FdSink::write(std::string_view bytes) {
    if (broken_) return;
    buffer_.append(bytes);
    // Bound the buffer for huge bursts; the loop's flush will catch the rest.
    if (buffer_.size() >= (1u << 20)) flush();
}

bool FdSink::flush() {
    std::size_t done = 0;
    while (!broken_ && done < buffer_.size()) {
        ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            broken_ = true;
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    buffer_.clear();
    return !broken_;
}

}  // namespace wskit::detail
