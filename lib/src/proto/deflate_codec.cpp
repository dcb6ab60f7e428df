#include "proto/deflate_codec.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <new>
#include <stdexcept>

namespace wskit::detail {

class ZStream {
public:
    enum class Kind { deflate, inflate };
    // `mem_level`: zlib's hash table size, 2^(mem_level + 7) entries.
    ZStream(Kind kind, int window_bits, int mem_level = 8) : kind_(kind) {
        int rc = kind == Kind::deflate
                     // zlib's raw deflate has no 256-byte window: 8 is
                     // compressed with stored blocks only (level 0), which
                     // refer to no earlier data and so fit any window.
                     ? deflateInit2(&z, window_bits == 8 ? 0 : Z_DEFAULT_COMPRESSION, Z_DEFLATED,
                                    -std::max(window_bits, 9), mem_level, Z_DEFAULT_STRATEGY)
                     : inflateInit2(&z, -std::max(window_bits, 9));  // a larger window inflates anything a smaller one made
        if (rc != Z_OK) throw std::bad_alloc();
    }
    ~ZStream() { kind_ == Kind::deflate ? deflateEnd(&z) : inflateEnd(&z); }
    ZStream(const ZStream&) = delete;
    ZStream& operator=(const ZStream&) = delete;

    z_stream z{};

private:
    Kind kind_;
};

namespace {

constexpr std::size_t chunk = 16 * 1024;

// One stream per window size and thread, for every connection that sends
// without context takeover: each message starts from a reset stream. Its
// hash table is small (4 KiB instead of 64 KiB) because a reset clears it
// for every message; on 1 KiB messages that saved 15 % of the time at the
// same output size.
ZStream& shared_deflater(int window_bits) {
    thread_local std::array<std::unique_ptr<ZStream>, 16> streams;
    auto& s = streams[static_cast<std::size_t>(window_bits)];
    if (!s) s = std::make_unique<ZStream>(ZStream::Kind::deflate, window_bits, 4);
    return *s;
}

void deflate_into(z_stream& z, std::string_view in, std::string& out) {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    do {
        auto old = out.size();
        out.resize(old + chunk);
        z.next_out = reinterpret_cast<Bytef*>(&out[old]);
        z.avail_out = static_cast<uInt>(chunk);
        deflate(&z, Z_SYNC_FLUSH);
        out.resize(old + chunk - z.avail_out);
    } while (z.avail_out == 0 || z.avail_in > 0);
}

}  // namespace

Deflater::Deflater(int window_bits, bool no_context_takeover)
    : window_bits_(window_bits), no_context_takeover_(no_context_takeover) {}
Deflater::~Deflater() = default;
Deflater::Deflater(Deflater&&) noexcept = default;
Deflater& Deflater::operator=(Deflater&&) noexcept = default;

void Deflater::compress(std::string_view in, std::string& out) {
    // zlib emits nothing for a second flush without input: an empty message
    // is an empty stored block, which leaves any stream's history alone.
    if (in.empty()) {
        out.append("\x00\x00\x00\xff\xff", 5);
        return;
    }
    if (no_context_takeover_) {
        auto& shared = shared_deflater(window_bits_);
        deflateReset(&shared.z);
        deflate_into(shared.z, in, out);
        return;
    }
    if (!own_) own_ = std::make_unique<ZStream>(ZStream::Kind::deflate, window_bits_);
    deflate_into(own_->z, in, out);
}

Inflater::Inflater(int window_bits, bool peer_resets) : window_bits_(window_bits), peer_resets_(peer_resets) {}
Inflater::~Inflater() = default;
Inflater::Inflater(Inflater&&) noexcept = default;
Inflater& Inflater::operator=(Inflater&&) noexcept = default;

InflateResult Inflater::feed(const std::uint8_t* data, std::size_t len, std::string& out, std::size_t limit) {
    if (ended_ || len == 0) return InflateResult::ok;
    if (!stream_) stream_ = std::make_unique<ZStream>(ZStream::Kind::inflate, window_bits_);
    z_stream& z = stream_->z;
    z.next_in = const_cast<Bytef*>(data);
    z.avail_in = static_cast<uInt>(len);
    do {
        if (out.size() > limit) return InflateResult::too_big;
        // At most one byte past the limit: enough to know it was passed.
        auto room = std::min(chunk, limit + 1 - out.size());
        auto old = out.size();
        out.resize(old + room);
        z.next_out = reinterpret_cast<Bytef*>(&out[old]);
        z.avail_out = static_cast<uInt>(room);
        int rc = inflate(&z, Z_SYNC_FLUSH);
        out.resize(old + room - z.avail_out);
        if (rc == Z_STREAM_END) {
            ended_ = true;
            break;
        }
        if (rc == Z_BUF_ERROR) break;  // nothing more to do without more input
        if (rc != Z_OK) return InflateResult::corrupt;
    } while (z.avail_out == 0 || z.avail_in > 0);
    return out.size() > limit ? InflateResult::too_big : InflateResult::ok;
}

InflateResult Inflater::finish(std::string& out, std::size_t limit) {
    static const std::uint8_t trailer[4] = {0x00, 0x00, 0xff, 0xff};
    auto result = feed(trailer, sizeof trailer, out, limit);
    if (peer_resets_ || result != InflateResult::ok) {
        stream_.reset();  // the next message needs no window of this one
    } else if (ended_) {
        inflateReset(&stream_->z);
    }
    ended_ = false;
    return result;
}

}  // namespace wskit::detail
