// RFC 6455 5.2's frame header and masking, written and read in one place:
// the client's hand-built control frames, bench's frames and frame reader,
// and -vv's frame tracer all go through these. Pure code, unit-tested and
// fuzzed through its readers.
#pragma once

#include <wskit/export.hpp>

#include <cstddef>
#include <cstdint>

namespace wskit::detail {

namespace opcode {
constexpr int continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA;
}

struct FrameHeader {
    bool fin = true;
    bool rsv1 = false, rsv2 = false, rsv3 = false;
    int opcode = 0;
    bool masked = false;
    std::uint32_t mask_key = 0;  // as sent: its first byte masks the payload's first byte
    std::uint64_t length = 0;
};

// The longest header: 2 bytes, a 64-bit length, a masking key.
constexpr std::size_t max_frame_header = 14;

// The header's size, known from its second byte (the mask bit and the
// 7-bit length).
WSKIT_API std::size_t frame_header_size(unsigned char second_byte);

// Reads a whole header: frame_header_size(bytes[1]) bytes.
WSKIT_API FrameHeader read_frame_header(const unsigned char* bytes);

// Writes `h` with the shortest length encoding (5.2 requires it); returns
// the header's size (at most max_frame_header).
WSKIT_API std::size_t write_frame_header(const FrameHeader& h, unsigned char* out);

// Masks (or unmasks: the same XOR) n payload bytes that start `offset`
// bytes into the payload.
WSKIT_API void mask_payload(char* data, std::size_t n, std::uint32_t key, std::uint64_t offset = 0);

}  // namespace wskit::detail
