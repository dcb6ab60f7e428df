#include "proto/frame_codec.hpp"

namespace wskit::detail {

std::size_t frame_header_size(unsigned char second_byte) {
    std::size_t n = 2 + ((second_byte & 0x80) ? 4 : 0);
    if ((second_byte & 0x7f) == 126) n += 2;
    if ((second_byte & 0x7f) == 127) n += 8;
    return n;
}

FrameHeader read_frame_header(const unsigned char* b) {
    FrameHeader h;
    h.fin = b[0] & 0x80;
    h.rsv1 = b[0] & 0x40;
    h.rsv2 = b[0] & 0x20;
    h.rsv3 = b[0] & 0x10;
    h.opcode = b[0] & 0x0f;
    h.masked = b[1] & 0x80;
    std::size_t pos = 2;
    h.length = b[1] & 0x7f;
    if (h.length >= 126) {
        std::size_t n = h.length == 126 ? 2 : 8;
        h.length = 0;
        for (std::size_t i = 0; i < n; ++i) h.length = h.length << 8 | b[pos++];
    }
    if (h.masked)
        for (int i = 0; i < 4; ++i) h.mask_key = h.mask_key << 8 | b[pos++];
    return h;
}

std::size_t write_frame_header(const FrameHeader& h, unsigned char* out) {
    std::size_t n = 0;
    out[n++] = static_cast<unsigned char>((h.fin ? 0x80 : 0) | (h.rsv1 ? 0x40 : 0) | (h.rsv2 ? 0x20 : 0) |
                                          (h.rsv3 ? 0x10 : 0) | (h.opcode & 0x0f));
    unsigned char mask_bit = h.masked ? 0x80 : 0;
    if (h.length < 126) {
        out[n++] = static_cast<unsigned char>(mask_bit | h.length);
    } else if (h.length < 65536) {
        out[n++] = mask_bit | 126;
        for (int b = 1; b >= 0; --b) out[n++] = static_cast<unsigned char>(h.length >> (8 * b));
    } else {
        out[n++] = mask_bit | 127;
        for (int b = 7; b >= 0; --b) out[n++] = static_cast<unsigned char>(h.length >> (8 * b));
    }
    if (h.masked)
        for (int b = 3; b >= 0; --b) out[n++] = static_cast<unsigned char>(h.mask_key >> (8 * b));
    return n;
}

void mask_payload(char* data, std::size_t n, std::uint32_t key, std::uint64_t offset) {
    unsigned char k[4] = {static_cast<unsigned char>(key >> 24), static_cast<unsigned char>(key >> 16),
                          static_cast<unsigned char>(key >> 8), static_cast<unsigned char>(key)};
    for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<char>(data[i] ^ k[(offset + i) % 4]);
}

}  // namespace wskit::detail
