// The compressor and decompressor of permessage-deflate (RFC 7692 7.2) on
// zlib's raw deflate: plain C++, no websocketpp.
//
// Memory is what compression costs an idle connection, so neither side holds
// zlib state before it is needed: the Inflater starts its stream on the
// first compressed message and ends it after each one when the peer resets
// its context anyway; a Deflater without context takeover has no stream of
// its own and borrows the thread's shared one (reset before each message).
#pragma once

#include <wskit/export.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace wskit::detail {

class ZStream;  // a zlib z_stream, deflating or inflating

class WSKIT_API Deflater {
public:
    // `window_bits` 8..15; with `no_context_takeover` every message is
    // compressed on its own, by the thread's shared stream.
    Deflater(int window_bits, bool no_context_takeover);
    ~Deflater();
    Deflater(Deflater&&) noexcept;
    Deflater& operator=(Deflater&&) noexcept;

    // Appends `in` compressed and sync-flushed to `out`: the message's
    // payload followed by the 00 00 ff ff that RFC 7692 7.2.1 removes.
    void compress(std::string_view in, std::string& out);
    bool holds_state() const { return own_ != nullptr; }

private:
    int window_bits_;
    bool no_context_takeover_;
    std::unique_ptr<ZStream> own_;  // with context takeover, from the first message on
};

enum class InflateResult { ok, corrupt, too_big };

class WSKIT_API Inflater {
public:
    // `window_bits`: the peer's negotiated window; `peer_resets`: the peer
    // compresses every message on its own, so no window is kept between them.
    Inflater(int window_bits, bool peer_resets);
    ~Inflater();
    Inflater(Inflater&&) noexcept;
    Inflater& operator=(Inflater&&) noexcept;

    // Inflates a part of a message onto `out`, which never grows past
    // `limit` + 1 bytes: too_big as soon as the message would exceed `limit`.
    InflateResult feed(const std::uint8_t* data, std::size_t len, std::string& out, std::size_t limit);
    // Ends the message (its removed 00 00 ff ff goes in first).
    InflateResult finish(std::string& out, std::size_t limit);
    bool holds_state() const { return stream_ != nullptr; }

private:
    int window_bits_;
    bool peer_resets_;
    bool ended_ = false;  // the message's data had BFINAL set: the rest is ignored
    std::unique_ptr<ZStream> stream_;
};

}  // namespace wskit::detail
