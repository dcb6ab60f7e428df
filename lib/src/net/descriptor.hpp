// A file descriptor (a pipe, a terminal, the master of a pseudo-terminal)
// read, written and watched on the event loop without blocking, and a
// signal delivered there: Asio's posix::stream_descriptor and signal_set
// behind a plain interface, so that the console (term/) and child processes
// (process/) need no Asio; only net/ includes it. Loop thread only.
#pragma once

#include <wskit/loop.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <system_error>

namespace wskit::detail {

class Descriptor {
public:
    using IoHandler = std::function<void(const std::error_code&, std::size_t)>;
    using WaitHandler = std::function<void(const std::error_code&)>;

    explicit Descriptor(EventLoop& loop);
    // Watches fd, which it then owns (closed by close() or the destructor).
    Descriptor(EventLoop& loop, int fd);
    ~Descriptor();
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;

    // Watches fd; false when the kernel cannot watch it (a regular file,
    // /dev/null), which then stays unowned. The descriptor is made
    // non-blocking.
    bool assign(int fd);
    bool is_open() const;
    // Reads what is there (at least one byte), or fails: is_eof() at the end.
    void async_read_some(char* data, std::size_t size, IoHandler handler);
    // Writes all of data (which must outlive the call), or fails.
    void async_write(const char* data, std::size_t size, IoHandler handler);
    // Calls handler once the descriptor is writable.
    void async_wait_writable(WaitHandler handler);
    // Pending operations complete with an error for which is_aborted() holds.
    void cancel();
    void close();
    // Stops watching and gives the descriptor back, open.
    int release();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The end of the input (the writer closed its end).
bool is_eof(const std::error_code& ec);
// An operation cancelled by cancel(), close() or the destructor.
bool is_aborted(const std::error_code& ec);
// The error is_eof() recognises, for a reader that reads a file by hand.
std::error_code eof_error();

// Calls the handler on the loop thread each time the process gets `signo`,
// from async_wait until it is cancelled or destroyed.
class SignalWatch {
public:
    using Handler = std::function<void(const std::error_code&, int)>;
    SignalWatch(EventLoop& loop, int signo);
    ~SignalWatch();
    SignalWatch(const SignalWatch&) = delete;
    SignalWatch& operator=(const SignalWatch&) = delete;

    // One delivery per call, as Asio's signal_set.
    void async_wait(Handler handler);
    void cancel();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace wskit::detail
