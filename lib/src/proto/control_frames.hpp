// A client's control frames built by hand (RFC 6455 5.5): the client sends
// its close and its pongs as prepared frames, so that it knows when each is
// written (see Client). Plain C++, unit-tested.
#pragma once

#include "proto/frame_codec.hpp"

#include <wskit/export.hpp>

#include <cstdint>
#include <string>

namespace wskit::detail {

struct ControlFrame {
    std::string header;   // FIN + opcode, the masked length, the masking key
    std::string payload;  // masked with the key
};

constexpr std::uint8_t close_opcode = opcode::close;
constexpr std::uint8_t pong_opcode = opcode::pong;

// A masked control frame of `opcode` with `payload` (at most 125 bytes).
WSKIT_API ControlFrame masked_control_frame(std::uint8_t opcode, const std::string& payload, std::uint32_t key);

// A close frame's payload (5.5.1): the status code in network order, then
// the reason; none for code 1005 ("no status").
WSKIT_API std::string close_payload(std::uint16_t code, const std::string& reason);

// A close frame with that payload.
WSKIT_API ControlFrame masked_close_frame(std::uint16_t code, const std::string& reason, std::uint32_t key);

}  // namespace wskit::detail
