// Slash commands typed in a client (/ping, /close 4000 bye, ...): parsing
// only, so that it can be tested without a connection.
#pragma once

#include <wskit/export.hpp>
#include <wskit/message.hpp>

#include <string>
#include <string_view>

namespace wskit {

struct SlashCommand {
    enum class Kind {
        message,  // not a command (or "//x"): send `message`
        ping,     // /ping [data]
        pong,     // /pong [data]
        close,    // /close [code [reason]]
        binary,   // /bin HEX: `message` is the decoded binary message
        quit,     // /quit: close with 1000 and exit
        help,     // /help
        invalid,  // a command with bad arguments, or an unknown one: `error` says why
    };
    Kind kind = Kind::message;
    Message message;    // message, ping, pong (payload), binary
    int close_code = 1000;
    std::string close_reason;
    std::string error;
};

// Lines that do not start with '/' are messages as they are; "//x" is the
// message "/x".
WSKIT_API SlashCommand parse_slash_command(std::string_view line);

// The text /help prints, one command per line.
WSKIT_API const char* slash_help();

}  // namespace wskit
