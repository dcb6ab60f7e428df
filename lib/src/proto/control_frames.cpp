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

ControlFrame masked_close_frame(std::uint16_t code, const std::string& reason, std::uint32_t key) {
    std::string payload;
    // 1005 says "no code": a close frame without a payload (RFC 6455 7.4.1).
    if (code == 1005) return masked_control_frame(close_opcode, payload, key);
    payload.push_back(static_cast<char>(code >> 8));
    payload.push_back(static_cast<char>(code & 0xff));
    payload += reason;
    return masked_control_frame(close_opcode, payload, key);
}

}  // namespace wskit::detail
