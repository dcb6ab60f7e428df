// Exit codes and the error type that carries one. This table is the single
// source for main()'s exit status and for the EXIT STATUS section of the man
// pages.
#pragma once

#include <wskit/export.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace wskit {

enum class ExitCode : int {
    ok = 0,               // success, or a normal close (1000 or 1001)
    runtime = 1,          // any other runtime error
    usage = 2,            // bad flag, bad URL
    connect = 3,          // DNS, refused, unreachable, no TCP connection in time
    tls = 4,              // certificate verification or TLS protocol failure
    handshake = 5,        // connected, but no valid 101: another status, bad accept, not HTTP, closed unanswered
    abnormal_close = 6,   // 1006, or a close code other than 1000/1001
    timeout = 7,          // connected, but no TLS or upgrade answer in time; --timeout; --count not reached
    interrupted = 130,    // SIGINT, after a clean close handshake
    terminated = 143,     // SIGTERM, after a clean close handshake
};

struct ExitCodeInfo {
    ExitCode code;
    const char* name;
    const char* meaning;
};

// Every exit code with its one-line meaning, in numeric order.
WSKIT_API const std::vector<ExitCodeInfo>& exit_code_table();

inline int to_int(ExitCode code) { return static_cast<int>(code); }

// Exit status for a close code seen by a client or a server: 1000 and 1001
// are normal, anything else (1006 included) is abnormal.
WSKIT_API ExitCode exit_code_for_close(int close_code);

// Exit status after SIGINT (interrupted), SIGTERM or any other (terminated).
WSKIT_API ExitCode exit_code_for_signal(int signo);

// Why an endpoint may not put `close_code` in a close frame it sends, as a
// clause for an error message ("1006 only reports ..."), or an empty string
// when it may. Sendable are 1000-1003, 1007-1014 (RFC 6455 7.4.1 and the IANA
// registry) and 3000-4999 (7.4.2); 1005, 1006 and 1015 only report what
// happened, 1004 and 1016-2999 are reserved, the rest are not close codes.
WSKIT_API std::string close_code_problem(int close_code);

// The sendable ranges, for messages: "1000-1003, 1007-1014 or 3000-4999".
WSKIT_API const char* sendable_close_codes();

// Why `reason` cannot go in a close frame, as a clause ("is 130 bytes long;
// ..."), or an empty string when it can: it must be UTF-8 text of at most
// 123 bytes (RFC 6455 5.5: 125 bytes of payload, two of them the code).
WSKIT_API std::string close_reason_problem(std::string_view reason);

// An error that knows the exit code it maps to. what() is one line, without
// the "wskit: " prefix, that says what failed and what to do. A usage error
// points to where to read more: the command's --help, or `read_more` ("man
// wskit-run") when what was wrong is in a file whose syntax --help does not
// describe.
class WSKIT_API Error : public std::runtime_error {
public:
    Error(ExitCode code, const std::string& message, std::string read_more = {})
        : std::runtime_error(message), code_(code), read_more_(std::move(read_more)) {}
    ExitCode code() const noexcept { return code_; }
    const std::string& read_more() const noexcept { return read_more_; }

private:
    ExitCode code_;
    std::string read_more_;
};

}  // namespace wskit
