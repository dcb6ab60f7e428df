// What a close code means (RFC 6455 7.4.1 and the IANA registry), in words:
// for the close lines of human output, and for a client's explanation of a
// close the server started.
#pragma once

#include <wskit/export.hpp>

#include <string>
#include <string_view>

namespace wskit {

// The registered name of a code that says what went wrong ("protocol
// error", "internal error", "try again later"), or "" for the normal ones
// (1000, 1001), those that only report (1005, 1006, 1015), application
// codes (3000-4999, whose reason says what they mean) and unknown ones.
WSKIT_API std::string_view close_code_name(int code);

// Whether a close says that the conversation broke rather than ended: it
// was dropped without a close handshake (1006), or its code names what went
// wrong (close_code_name). A byte-stream bridge passes a broken one on as a
// TCP reset, an ended one as EOF after the data.
WSKIT_API bool close_is_failure(int code, bool clean);

// A client's one-line account of a close frame the server sent first:
// "the server closed the connection with code 1011 (internal error: ...)",
// with the reason, escaped, when there is one. Says whose fault it is by
// the code's meaning: 1002 and 1007 say this client broke the protocol or
// sent bad data, 1011 is the server's own failure, 1012 and 1013 mean
// "try again", 3000-4999 are the application's.
WSKIT_API std::string server_close_explanation(int code, std::string_view reason);

// `text` (an error message, which may quote a path or what a peer said) as
// a close frame's reason: escaped, so valid UTF-8 on one line, and cut to
// the 123 bytes a reason may have, between characters.
WSKIT_API std::string close_reason_from(std::string_view text);

}  // namespace wskit
