#include "term/output_queue.hpp"

namespace wskit::detail {

OutputQueue::OutputQueue(Overflow overflow, std::size_t capacity) : overflow_(overflow), capacity_(capacity) {}

bool OutputQueue::push(std::string_view record) {
    if (record.empty()) return true;
    if (overflow_ == Overflow::drop && !empty() && size() + record.size() > capacity_) {
        ++unreported_.records;
        unreported_.bytes += record.size();
        ++total_dropped_.records;
        total_dropped_.bytes += record.size();
        return false;
    }
    buffer_.append(record);
    return true;
}

void OutputQueue::consume(std::size_t n) {
    head_ += n;
    if (head_ >= buffer_.size()) {
        clear();
    } else if (head_ >= (64u << 10) && head_ * 2 >= buffer_.size()) {
        // Written bytes are given back once they are the larger part, so that
        // each byte is moved at most once on average.
        buffer_.erase(0, head_);
        head_ = 0;
    }
}

void OutputQueue::clear() {
    buffer_.clear();
    head_ = 0;
}

DropCount OutputQueue::take_dropped() {
    DropCount d = unreported_;
    unreported_ = {};
    return d;
}

}  // namespace wskit::detail
