// Compressed replies to wskit bench (permessage-deflate, RSV1): inflated as
// they arrive and never kept whole. Only the size, and the first bytes a
// fan-out receiver reads its stamp from, survive; the inflated bytes pass
// through one scratch buffer per thread, bounded by the size limit.
#pragma once

#include "proto/deflate_codec.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wskit::detail {

class MessageInflater {
public:
    // `window_bits` and `peer_resets`: what the server agreed for its side;
    // `limit`: the largest inflated message (--max-size); `capture`: how
    // many leading bytes head() keeps.
    MessageInflater(int window_bits, bool peer_resets, std::size_t limit, std::size_t capture);

    void start();  // a new compressed message begins
    InflateResult feed(const unsigned char* data, std::size_t n);
    InflateResult finish();  // the message's last frame has been fed
    std::uint64_t size() const { return size_; }
    std::string_view head() const { return head_; }

private:
    InflateResult count(InflateResult result);

    Inflater inflater_;
    std::size_t limit_;
    std::size_t capture_;
    std::uint64_t size_ = 0;
    std::string head_;
};

}  // namespace wskit::detail
