// What the client decides from the facts of a failed opening or of a close:
// net/client gathers them from websocketpp and the socket, this turns them
// into an exit status and one line for the user, so that every class can be
// unit-tested without a network. classify_connect_failure
// (<wskit/connect_failure.hpp>) words the failed openings.
#pragma once

#include <wskit/connect_failure.hpp>
#include <wskit/event.hpp>

#include <cstddef>
#include <optional>
#include <string>

namespace wskit::detail {

// A failed opening as the client saw it.
struct OpeningOutcome {
    FailureFacts facts;             // where it got and what was tried; the cause is decided here
    bool timed_out = false;         // --connect-timeout ran out first (rather than the transport failing)
    int status = 0;                 // the answer's status; 0 when none came
    bool response_complete = false; // the answer's head reached its blank line
    std::string status_text;        // its reason phrase
    std::string location;           // its Location
    bool tunnel_failed = false;     // the proxy refused the tunnel: tunnel_error says how
    std::string tunnel_error;
    std::string verify_failure;     // why the certificate was refused; "" when it was not
    std::string upgrade_error;      // the library's word on a bad 101
    FailureCause transport_cause = FailureCause::other;  // the transport's error, reduced
    std::string transport_error;    // its text
    std::string tls_error;          // TLS's own last error: why a handshake failed or the peer closed
};

ConnectFailure classify_opening(const OpeningOutcome& outcome);

// How a connection that was open ended.
struct CloseOutcome {
    bool failed_here = false;   // wskit failed it (the server broke the protocol, a message too big...)
    bool clean = true;          // the close handshake completed
    bool user_closed = false;   // our close frame went out because we were asked to close
    int code = 0;               // the close event's code and reason
    std::string reason;
    std::string library_error;  // the library's word for a failure, when the reason is empty
    int remote_code = 1005;     // the server's close code (1005: none)
    int sent_close_code = 0;    // the code we closed with, when user_closed
    std::size_t max_message_size = 0;  // --max-size, for a 1009 of ours
};

// The close event's own part of the outcome: its code, reason and whether it
// was clean; the client adds what it knows of how it came about.
CloseOutcome close_outcome_of(const Event& close);

// The failure of a close that is not a success, or none. The server's code
// decides even after we sent our close (a 1009 or 1008 in answer to it is
// not a success), unless it merely echoes our own.
std::optional<ConnectFailure> classify_close(const CloseOutcome& outcome);

}  // namespace wskit::detail
