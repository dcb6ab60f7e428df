// The language of `wskit run` scripts, parsed: pure code, no I/O. One
// statement per line; see wskit-run(1).
#pragma once

#include <wskit/export.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wskit::detail {

struct ScriptStatement {
    enum class Kind {
        connect,       // connect URL [-H "Name: value"]... [-s PROTOCOL]...
        send,          // send TEXT
        send_binary,   // send-binary HEX
        ping,          // ping [TEXT]
        expect_text,   // expect TEXT (exact, or a JSON subset when TEXT is JSON)
        expect_regex,  // expect /RE2/ [as VAR]
        expect_count,  // expect N messages
        expect_binary, // expect binary HEX
        expect_pong,   // expect pong [TEXT]
        expect_close,  // expect close [CODE]
        sleep,         // sleep DURATION
        close,         // close [CODE [REASON]]
        repeat,        // repeat N {   (its block ends at `end`)
        end_repeat,    // }            (goes back to `start`)
    };
    Kind kind = Kind::send;
    std::size_t line = 0;
    std::size_t column = 0;           // expect_regex: where its /regex/ starts
    std::string source;               // the line as written, for messages
    std::string text;                 // payload, URL, pattern or reason ($VARS not yet replaced)
    bool json = false;                // expect_text: TEXT looks like JSON ({...} or [...]): matched as a subset
    bool has_text = false;            // ping, expect pong: a payload was given
    std::vector<std::string> headers; // connect: -H values
    std::vector<std::string> subprotocols;
    std::string capture;              // expect_regex: `as VAR`
    long number = 0;                  // expect_count, repeat count, close/expect close code (0: any)
    std::optional<std::chrono::milliseconds> within;  // expects; sleep's duration
    std::size_t jump = 0;             // repeat: index after its end; end_repeat: index of its repeat
};

struct Script {
    std::string name;
    std::vector<ScriptStatement> statements;
};

// Parses a script. Throws Error(ExitCode::usage) with "NAME:LINE:COLUMN:
// what is wrong", one line.
WSKIT_API Script parse_script(std::string_view text, const std::string& name);

// Replaces $NAME and ${NAME} by lookup(NAME); "$$" is a dollar sign. Returns
// the name of the first variable that lookup does not know (nullopt), in
// `missing`, and leaves the rest as it is.
WSKIT_API std::string substitute_variables(std::string_view text,
                                           const std::function<std::optional<std::string>(const std::string&)>& lookup,
                                           std::string& missing);

}  // namespace wskit::detail
