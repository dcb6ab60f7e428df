// Slash commands typed in a client (/ping, /close 4000 bye, ...): parsing
// only, so that it can be tested without a connection.
#pragma once

#include <wskit/event.hpp>
#include <wskit/export.hpp>
#include <wskit/message.hpp>

#include <string>
#include <string_view>
#include <vector>

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
        // Any other /word: not wskit's, so the server's (a chat's /nick,
        // /who): `message` is the line as typed, sent as a text message.
        to_server,
        invalid,  // one of the commands above with bad arguments: `error` says why
    };
    Kind kind = Kind::message;
    Message message;    // message, ping, pong (payload), binary
    int close_code = 1000;
    std::string close_reason;
    std::string error;
};

// Lines that do not start with '/' are messages as they are; "//x" is the
// message "/x". The commands are a fixed set (client_slash_commands()):
// any other line starting with '/' is to_server, so that a server's own
// commands work from a client as from any other.
WSKIT_API SlashCommand parse_slash_command(std::string_view line);

// A line typed into `wskit listen`: a message for every client, or a
// command. The client's /close, /bin, /quit, /help and //x work there too;
// an unknown command is an error there (the clients have no commands).
struct ListenCommand {
    enum class Kind {
        message,  // send `message` to every client
        to,       // /to ID message: send `message` to `target`
        list,     // /list
        kick,     // /kick ID [code [reason]]: close `target`
        ping,     // /ping [ID]: `target`, or every client when 0
        close,    // /close [code [reason]]: close every client
        binary,   // /bin HEX: `message` to every client
        quit,     // /quit
        help,     // /help
        invalid,  // `error` says why
    };
    Kind kind = Kind::message;
    ConnId target = 0;
    Message message;
    int close_code = 1000;
    std::string close_reason;
    std::string error;
};

WSKIT_API ListenCommand parse_listen_command(std::string_view line);

// A line typed into `wskit proxy` (on its terminal, or piped with --slash):
// commands only, since its messages are the two peers' to send.
struct ProxyCommand {
    enum class Kind {
        send,     // /send ID c|s TEXT: `message` towards `to` of pair `target`
        close,    // /close ID [code [reason]]: close pair `target`, both legs
        list,     // /list
        quit,     // /quit
        help,     // /help
        invalid,  // `error` says why (a line without a slash among them)
    };
    Kind kind = Kind::help;
    ConnId target = 0;
    Leg to = Leg::upstream;
    Message message;
    int close_code = 1000;
    std::string close_reason;
    std::string error;
};

WSKIT_API ProxyCommand parse_proxy_command(std::string_view line);

// One slash command as /help and the man pages show it. Each context (a
// client's terminal, listen's, a chat room) has one table of these: /help
// and the man page are both rendered from it, so they cannot disagree.
struct SlashCommandDoc {
    std::string usage;  // "/close [code [reason]]"
    std::string help;   // "start the close handshake (default 1000)"
};

// The commands of a client's terminal (connect).
WSKIT_API const std::vector<SlashCommandDoc>& client_slash_commands();
// The commands of listen's terminal.
WSKIT_API const std::vector<SlashCommandDoc>& listen_slash_commands();
// The commands of proxy's terminal.
WSKIT_API const std::vector<SlashCommandDoc>& proxy_slash_commands();

// What /help prints: one command per line, the help texts aligned.
WSKIT_API std::string format_slash_help(const std::vector<SlashCommandDoc>& table);

}  // namespace wskit
