#include "term/stdin_reader.hpp"

#include "net/descriptor.hpp"

#include <wskit/error.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace wskit::detail {

struct InputReader::Impl {
    Impl(EventLoop& l, int f, InputFraming framing, InputEncoding e, BatchHandler b, EndHandler d)
        : loop(l), fd(f), splitter(framing), encoding(e), on_batch(std::move(b)), on_end(std::move(d)),
          descriptor(l), saved_flags(::fcntl(f, F_GETFL)) {}

    ~Impl() {
        descriptor.release();  // stdin stays open for whoever comes next
        if (saved_flags != -1) ::fcntl(fd, F_SETFL, saved_flags);  // the descriptor made it non-blocking
    }

    void start() {
        descriptor.assign(fd);  // fails for regular files, which epoll cannot watch
        read_more();
    }

    void read_more() {
        if (reading || done) return;
        if (backlog >= high_water) {
            paused = true;
            return;
        }
        reading = true;
        if (descriptor.is_open()) {
            descriptor.async_read_some(buffer.data(), buffer.size(),
                                       [this](const std::error_code& ec, std::size_t n) { on_read(n, ec); });
        } else {
            // A regular file never blocks: read it between other handlers.
            loop.post([this] {
                ssize_t n;
                do n = ::read(fd, buffer.data(), buffer.size());
                while (n < 0 && errno == EINTR);
                if (n > 0) return on_read(static_cast<std::size_t>(n), {});
                on_read(0, n == 0 ? eof_error() : std::error_code(errno, std::system_category()));
            });
        }
    }

    // A read of n bytes, then the end of input when ec is set (eof or an error).
    void on_read(std::size_t n, const std::error_code& ec) {
        // Aborted: the reader is being destroyed; touch nothing of it.
        if (is_aborted(ec)) return;
        reading = false;
        std::vector<std::string> units;
        if (n > 0) splitter.feed(std::string_view(buffer.data(), n), units);
        if (ec) splitter.finish(units);
        std::vector<Message> batch;
        batch.reserve(units.size());
        std::optional<std::string> error;
        try {
            for (auto& unit : units) batch.push_back(decode_input(std::move(unit), encoding));
        } catch (const Error& e) {
            error = e.what();
        }
        if (!batch.empty()) on_batch(batch);
        if (error || ec) {
            done = true;
            if (!error && !is_eof(ec)) error = "cannot read standard input: " + ec.message();
            return on_end(error);
        }
        read_more();
    }

    EventLoop& loop;
    const int fd;
    InputSplitter splitter;
    const InputEncoding encoding;
    BatchHandler on_batch;
    EndHandler on_end;
    Descriptor descriptor;
    const int saved_flags;
    std::array<char, 64 * 1024> buffer{};
    std::size_t backlog = 0;
    bool reading = false;
    bool paused = false;
    bool done = false;
};

InputReader::InputReader(EventLoop& loop, int fd, InputFraming framing, InputEncoding encoding,
                         BatchHandler on_batch, EndHandler on_end)
    : impl_(std::make_unique<Impl>(loop, fd, framing, encoding, std::move(on_batch), std::move(on_end))) {}

InputReader::~InputReader() = default;

void InputReader::start() { impl_->start(); }

void InputReader::set_backlog(std::size_t bytes) {
    impl_->backlog = bytes;
    if (impl_->paused && bytes < high_water) {
        impl_->paused = false;
        impl_->read_more();
    }
}

}  // namespace wskit::detail
