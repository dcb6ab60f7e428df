// Standard output or standard error, written from the event loop without ever
// blocking it: the shared console output of every subcommand that prints
// events (connect, echo, and the servers to come).
//
// What is printed is queued (OutputQueue) and written when the loop has
// handled what is ready, so that a burst of events costs one write and a
// single event still appears at once. A write that would block (EAGAIN) means
// "the reader is slow": the loop watches the descriptor and writes again once
// it is writable. What happens meanwhile is the owner's choice (Overflow):
// a server drops whole records and counts them, a client stops reading from
// the network until the reader has caught up.
#pragma once

#include "term/output_queue.hpp"

#include <wskit/loop.hpp>
#include <wskit/printer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace wskit::detail {

class FdSink final : public Sink {
public:
    enum class State {
        open,
        reader_gone,  // EPIPE: the reader closed its end (`| head -1`)
        failed,       // another write error; see error()
    };

    struct Handlers {
        // The state left `open`; later output is discarded.
        std::function<void()> on_closed;
        // Overflow::keep: the queue went above its high mark, then drained
        // below its low mark: the owner may produce again.
        std::function<void()> on_low;
        // Overflow::drop: the reader has caught up after records were
        // dropped; with how many since the last report.
        std::function<void(DropCount)> on_caught_up;
    };

    // fd stays open and is left in the mode it was found in. Loop thread only.
    FdSink(EventLoop& loop, int fd, Overflow overflow, std::size_t capacity);
    ~FdSink() override;
    FdSink(const FdSink&) = delete;
    FdSink& operator=(const FdSink&) = delete;

    void set_handlers(Handlers handlers);

    // Overflow::keep queues the bytes at once. Overflow::drop gathers them
    // into the current record, queued (or dropped whole) by end_record().
    void write(std::string_view bytes) override;
    // Ends the current record; a write follows on the loop.
    void end_record();
    // A whole record: write() and end_record().
    void submit(std::string_view record);
    // Ends the record and writes what the descriptor takes now, without
    // waiting. False once the output has failed or its reader is gone.
    bool flush();

    State state() const;
    // Why the output failed ("No space left on device"), when it did.
    const std::string& error() const;
    bool has_pending() const;
    bool above_high_mark() const;
    // Dropped records not yet reported through on_caught_up.
    DropCount take_dropped();
    DropCount total_dropped() const;

    enum class Drain { done, reader_gone, failed, timed_out, interrupted };
    // For the end of a run, after the loop has stopped: writes everything,
    // waiting for the reader, until `deadline` (none: as long as it takes).
    // SIGINT or SIGTERM meanwhile interrupts it (its number in *signo).
    Drain drain(std::optional<std::chrono::steady_clock::time_point> deadline, int* signo = nullptr);

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;  // shared with the loop's pending handlers
};

}  // namespace wskit::detail
