#include "stdin_reader.hpp"

#include <wskit/error.hpp>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace wskit::detail {

struct InputReader::State {
    State(EventLoop& l, int f, InputFraming framing, InputEncoding e, BatchHandler b, EndHandler d)
        : loop(l), fd(f), splitter(framing), encoding(e), on_batch(std::move(b)), on_end(std::move(d)) {}

    EventLoop& loop;
    const int fd;
    InputSplitter splitter;
    const InputEncoding encoding;
    BatchHandler on_batch;
    EndHandler on_end;

    std::mutex mutex;
    std::condition_variable room;
    std::size_t backlog = 0;  // guarded by mutex
    bool stopped = false;     // guarded by mutex: the owner is gone, post nothing

    // Waits for room; false when the owner has stopped.
    bool wait_for_room() {
        std::unique_lock<std::mutex> lock(mutex);
        room.wait(lock, [this] { return stopped || backlog < high_water; });
        return !stopped;
    }

    void post(std::size_t bytes, std::function<void()> fn) {
        std::lock_guard<std::mutex> lock(mutex);
        if (stopped) return;
        // Count the batch at once, so that the next read waits if it alone
        // fills the backlog; the loop then reports the real figure.
        backlog += bytes;
        loop.post(std::move(fn));
    }

    void run(const std::shared_ptr<State>& self) {
        std::vector<char> buf(64 * 1024);
        std::optional<std::string> error;
        bool done = false;
        while (!done && wait_for_room()) {
            ssize_t n = ::read(fd, buf.data(), buf.size());
            if (n < 0 && errno == EINTR) continue;
            std::vector<std::string> units;
            if (n > 0) {
                splitter.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)), units);
            } else {
                if (n < 0) error = std::string("cannot read standard input: ") + std::strerror(errno);
                splitter.finish(units);
                done = true;
            }
            auto batch = std::make_shared<std::vector<Message>>();
            batch->reserve(units.size());
            std::size_t bytes = 0;
            try {
                for (auto& unit : units) {
                    batch->push_back(decode_input(std::move(unit), encoding));
                    bytes += batch->back().payload.size();
                }
            } catch (const Error& e) {
                error = e.what();
                done = true;
            }
            if (!batch->empty()) post(bytes, [self, batch] { self->on_batch(*batch); });
        }
        post(0, [self, error] { self->on_end(error); });
    }
};

InputReader::InputReader(EventLoop& loop, int fd, InputFraming framing, InputEncoding encoding,
                         BatchHandler on_batch, EndHandler on_end)
    : state_(std::make_shared<State>(loop, fd, framing, encoding, std::move(on_batch), std::move(on_end))) {}

InputReader::~InputReader() {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->stopped = true;
    state_->room.notify_one();
}

void InputReader::start() {
    std::thread([state = state_] { state->run(state); }).detach();
}

void InputReader::set_backlog(std::size_t bytes) {
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        state_->backlog = bytes;
    }
    if (bytes < high_water) state_->room.notify_one();
}

}  // namespace wskit::detail
