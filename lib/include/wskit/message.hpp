// WebSocket messages as the library hands them around: an opcode and the
// payload bytes, owned.
#pragma once

#include <string>

namespace wskit {

enum class Opcode { text, binary, ping, pong, close };

// "text", "binary", "ping", "pong", "close": the names used in JSON output.
inline const char* opcode_name(Opcode op) {
    switch (op) {
        case Opcode::text: return "text";
        case Opcode::binary: return "binary";
        case Opcode::ping: return "ping";
        case Opcode::pong: return "pong";
        case Opcode::close: return "close";
    }
    return "?";
}

struct Message {
    Opcode opcode = Opcode::text;
    std::string payload;
};

}  // namespace wskit
