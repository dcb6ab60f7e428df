// The bytes waiting to be written to stdout or stderr, and the decision of
// what to do when the reader is slower than the writer. Pure (no I/O), so
// that the policy is unit-tested; FdSink does the writing.
#pragma once

#include <wskit/export.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wskit::detail {

// What a full queue does with a new record.
enum class Overflow {
    // Servers: a record that does not fit is dropped whole and counted. A
    // server's log must never stall its event loop, and a whole record (one
    // event) is dropped so that what does get out stays well-formed (a human
    // line, one NDJSON object).
    drop,
    // Clients: nothing is dropped (the output is the data); the owner stops
    // producing above the high mark (it stops reading from the network) and
    // resumes below the low mark.
    keep,
};

struct DropCount {
    std::uint64_t records = 0;
    std::uint64_t bytes = 0;
};

class WSKIT_API OutputQueue {
public:
    // capacity: drop: the most bytes kept waiting; keep: the high mark.
    // The low mark is a quarter of it.
    OutputQueue(Overflow overflow, std::size_t capacity);

    // Queues one whole record, or drops it (Overflow::drop) when it does not
    // fit. A record larger than the capacity is still taken when nothing
    // waits, so that a big message is shown when the reader keeps up; memory
    // is then bounded by the capacity plus the largest record. Returns false
    // when the record was dropped.
    bool push(std::string_view record);

    // The bytes to write next (valid until the next push or consume), and
    // how many of them were written.
    std::string_view front() const { return std::string_view(buffer_).substr(head_); }
    void consume(std::size_t n);
    // Forgets everything waiting (the reader is gone).
    void clear();

    std::size_t size() const { return buffer_.size() - head_; }
    bool empty() const { return size() == 0; }
    std::size_t capacity() const { return capacity_; }
    bool above_high_mark() const { return size() >= capacity_; }
    bool below_low_mark() const { return size() <= capacity_ / 4; }

    // Records dropped since the last call (reset by it), and in all.
    DropCount take_dropped();
    const DropCount& total_dropped() const { return total_dropped_; }

private:
    Overflow overflow_;
    std::size_t capacity_;
    std::string buffer_;
    std::size_t head_ = 0;  // bytes of buffer_ already written
    DropCount unreported_;
    DropCount total_dropped_;
};

}  // namespace wskit::detail
