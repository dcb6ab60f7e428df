// A Sink over a file descriptor, buffered: output is flushed when the event
// loop has handled what is ready (see Session::schedule_flush), so a burst of
// messages costs one write, and a single message still appears at once.
#pragma once

#include <wskit/printer.hpp>

#include <string>

namespace wskit::detail {

class FdSink final : public Sink {
public:
    explicit FdSink(int fd) : fd_(fd) {}
    ~FdSink() override { flush(); }
    void write(std::string_view bytes) override;
    // Writes out what is buffered. Returns false once the reader has gone
    // (EPIPE) or on another write error; later writes are dropped.
    bool flush();
    bool broken() const { return broken_; }
    bool has_pending() const { return !buffer_.empty(); }

private:
    int fd_;
    std::string buffer_;
    bool broken_ = false;
};

}  // namespace wskit::detail
