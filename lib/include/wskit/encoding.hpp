// Byte encodings used by input decoding and the printers.
#pragma once

#include <wskit/export.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace wskit {

WSKIT_API std::string base64_encode(std::string_view bytes);
// Standard alphabet, padding optional, whitespace ignored; nullopt on bad input.
WSKIT_API std::optional<std::string> base64_decode(std::string_view text);

WSKIT_API std::string hex_encode(std::string_view bytes);
// Hex digits in pairs; spaces, colons and newlines between pairs are ignored.
WSKIT_API std::optional<std::string> hex_decode(std::string_view text);

// A-Z made a-z, every other byte kept: for what compares without case in
// ASCII only (schemes, host names, origins, header tokens, chat names).
WSKIT_API std::string ascii_lower(std::string_view text);

// RFC 3629 UTF-8: no overlongs, no surrogates, nothing above U+10FFFF.
WSKIT_API bool is_valid_utf8(std::string_view bytes);

// True when the text ends inside a multi-byte UTF-8 character. websocketpp
// validates text messages frame by frame but, for a fragmented message, does
// not check that the last fragment completes its last character (RFC 6455
// 8.1 requires failing such a message with 1007).
WSKIT_API bool ends_mid_character(std::string_view text);

// Control characters (C0, DEL and the C1 range U+0080..U+009F) and bytes
// that are not part of valid UTF-8 written as \xNN, so that text from the
// network or a user cannot drive the terminal or break a one-line message;
// bidi controls (U+202A..U+202E, U+2066..U+2069, U+200E, U+200F, U+061C)
// written as \uNNNN, so that no text reorders the rest of its line on a
// terminal that applies them. keep_layout keeps newlines and tabs. Every
// peer-controlled string shown to a human goes through this; JSON and raw
// output never do.
WSKIT_API std::string escape_controls(std::string_view text, bool keep_layout = false);

// xxd-style lines: "00000000  68 65 6c 6c 6f ...  |hello|", at most `limit`
// bytes, then a line saying how many more there are.
WSKIT_API std::string hexdump(std::string_view bytes, std::size_t limit);

// A payload on one line, for a report that compares messages: text escaped
// and cut after `most` bytes ("..."), binary as "binary, 3 bytes: 00ff10"
// (its first 32 bytes).
WSKIT_API std::string payload_summary(std::string_view payload, bool binary, std::size_t most = 200);

}  // namespace wskit
