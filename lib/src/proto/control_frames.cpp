#include "proto/control_frames.hpp"

namespace wskit::detail {

ControlFrame masked_control_frame(std::uint8_t opcode, const std::string& payload, std::uint32_t key) {
    FrameHeader h;
    h.opcode = opcode;
    h.length = payload.size();
    h.masked = true;
    h.mask_key = key;
    unsigned char header[max_frame_header];
    ControlFrame f;
    f.header.assign(reinterpret_cast<const char*>(header), write_frame_header(h, header));
    f.payload = payload;
    mask_payload(f.payload.data(), f.payload.size(), key);
    return f;
}

std::string close_payload(std::uint16_t code, const std::string& reason) {
    // 1005 says "no code": a close frame without a payload (RFC 6455 7.4.1).
    if (code == 1005) return {};
    std::string payload{static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
    return payload + reason;
}

ControlFrame masked_close_frame(std::uint16_t code, const std::string& reason, std::uint32_t key) {
    return masked_control_frame(close_opcode, close_payload(code, reason), key);
}

}  // namespace wskit::detail
