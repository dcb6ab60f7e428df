#include "proto/control_frames.hpp"

namespace wskit::detail {

ControlFrame masked_control_frame(std::uint8_t opcode, const std::string& payload, std::uint32_t key) {
    ControlFrame f;
    f.header.push_back(static_cast<char>(0x80 | opcode));
    f.header.push_back(static_cast<char>(0x80 | payload.size()));
    for (int i = 0; i < 4; ++i) f.header.push_back(static_cast<char>(key >> (8 * (3 - i)) & 0xff));
    f.payload = payload;
    for (std::size_t i = 0; i < f.payload.size(); ++i)
        f.payload[i] = static_cast<char>(f.payload[i] ^ f.header[2 + i % 4]);
    return f;
}

ControlFrame masked_close_frame(std::uint16_t code, const std::string& reason, std::uint32_t key) {
    std::string payload;
    payload.push_back(static_cast<char>(code >> 8));
    payload.push_back(static_cast<char>(code & 0xff));
    payload += reason;
    return masked_control_frame(close_opcode, payload, key);
}

}  // namespace wskit::detail
