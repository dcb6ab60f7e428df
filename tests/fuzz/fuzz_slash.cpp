// parse_slash_command on any line: no crash, and what it accepts can be sent
// as it is (a close code an endpoint may send, control frame payloads within
// RFC 6455's limits); a line that is not a command is sent unaltered.
#include "fuzz_support.hpp"

#include <wskit/encoding.hpp>
#include <wskit/tool/slash.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

using wskit::fuzz::require;
using Kind = wskit::SlashCommand::Kind;

namespace {

bool sendable_close_code(int code) {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    const wskit::SlashCommand c = wskit::parse_slash_command(line);
    switch (c.kind) {
        case Kind::message:
            require(c.message.opcode == wskit::Opcode::text, "a plain line is not sent as text");
            if (line.substr(0, 2) == "//")
                require(c.message.payload == line.substr(1), "'//x' is not sent as '/x'");
            else
                require(c.message.payload == line, "a line that is not a command was altered");
            break;
        case Kind::ping:
        case Kind::pong:
            // RFC 6455 5.5: control frames carry at most 125 bytes.
            require(c.message.payload.size() <= 125, "a ping or pong payload is over 125 bytes");
            break;
        case Kind::close:
            require(sendable_close_code(c.close_code), "a close code an endpoint may not send was accepted");
            // 125 bytes of payload minus the 2-byte code.
            require(c.close_reason.size() <= 123, "a close reason is over 123 bytes");
            break;
        case Kind::binary:
            require(c.message.opcode == wskit::Opcode::binary, "/bin does not send binary");
            break;
        case Kind::invalid:
            require(!c.error.empty(), "an invalid command has no error message");
            // Shown on stderr, where the line it quotes must not drive the terminal.
            require(wskit::fuzz::has_no_controls(c.error), "an error message holds a control character");
            break;
        case Kind::to_server:
            // Another program's command: sent as typed, as text.
            require(c.message.opcode == wskit::Opcode::text && c.message.payload == line,
                    "a server's command was altered on its way");
            break;
        case Kind::quit:
        case Kind::help:
            break;
    }
    return 0;
}
