#include "bench/inflate.hpp"

#include <algorithm>

namespace wskit::detail {

namespace {

// A worker's connections run on its one thread: they share the bytes they
// inflate and discard, instead of each keeping a buffer as large as the
// largest reply it ever got.
std::string& scratch() {
    thread_local std::string buffer;
    return buffer;
}

}  // namespace

MessageInflater::MessageInflater(int window_bits, bool peer_resets, std::size_t limit, std::size_t capture)
    : inflater_(window_bits, peer_resets), limit_(limit), capture_(capture) {}

void MessageInflater::start() {
    size_ = 0;
    head_.clear();
}

InflateResult MessageInflater::feed(const unsigned char* data, std::size_t n) {
    scratch().clear();
    return count(inflater_.feed(data, n, scratch(), limit_ - size_));
}

InflateResult MessageInflater::finish() {
    scratch().clear();
    return count(inflater_.finish(scratch(), limit_ - size_));
}

InflateResult MessageInflater::count(InflateResult result) {
    const auto& out = scratch();
    if (head_.size() < capture_) head_.append(out, 0, std::min(out.size(), capture_ - head_.size()));
    size_ += out.size();
    // A scratch buffer grown by one large reply does not stay that large.
    if (scratch().capacity() > (1u << 20)) std::string().swap(scratch());
    return result;
}

}  // namespace wskit::detail
