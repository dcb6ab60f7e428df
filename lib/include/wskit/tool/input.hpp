// Turning a byte stream (stdin) into messages: how it is cut into units, and
// how each unit is decoded. Plain logic, unit-tested without a network.
#pragma once

#include <wskit/export.hpp>
#include <wskit/message.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace wskit {

enum class InputFraming {
    lines,      // each line (LF or CRLF) is a message; an empty line is an empty message
    null,       // units end with NUL (-0/--null)
    paragraph,  // units are separated by one or more blank lines (--paragraph)
    whole,      // all of the input is one message (--whole)
    stream,     // each read is a message, as it comes: a byte stream relayed, not cut (--stdio)
};

enum class InputEncoding {
    text,    // send each unit as a text frame
    binary,  // send each unit as a binary frame, bytes as they are
    hex,     // decode hex, send binary
    base64,  // decode base64, send binary
};

class WSKIT_API InputSplitter {
public:
    explicit InputSplitter(InputFraming framing) : framing_(framing) {}

    // Consumes bytes; each completed unit is appended to `units`. Units are
    // never split across calls: partial ones wait for more input.
    void feed(std::string_view bytes, std::vector<std::string>& units);
    // The input ended: the last unit, when there is one, is appended.
    void finish(std::vector<std::string>& units);

private:
    void feed_paragraphs(std::vector<std::string>& units);

    InputFraming framing_;
    std::string pending_;
    std::size_t scanned_ = 0;  // bytes of pending_ already searched for a separator
};

// Turns one unit into the message to send. Throws Error(ExitCode::runtime)
// naming the problem when hex or base64 does not decode.
WSKIT_API Message decode_input(std::string unit, InputEncoding encoding);

// Why an input unit cannot go as a text message (it is not UTF-8), or "" when
// it can: "input line 3 is not valid UTF-8; ...", `unit` naming where it was.
WSKIT_API std::string text_input_problem(const Message& m, const std::string& unit);

}  // namespace wskit
