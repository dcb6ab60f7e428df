// Why a client's connection could not be opened, as a pure decision: the
// client gathers facts (the phase it had reached, what the error was, what
// the server sent) and this turns them into an exit status and one line for
// the user. connect, handshake-inspect and bench all classify their failed
// openings here, so that the same facts get the same status everywhere.
// Keeping it pure lets every failure class be unit-tested without a network.
#pragma once

#include <wskit/error.hpp>
#include <wskit/export.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace wskit {

// How far the opening got when it failed, in order.
enum class ConnectPhase {
    connect,   // resolving the name and opening TCP (to the server or the proxy)
    proxy,     // TCP to the proxy is up; the tunnel is being negotiated
    tls,       // TCP (and tunnel) up; TLS handshake in progress
    upgrade,   // the upgrade request is on its way or sent; waiting for the answer
};

// What went wrong, reduced from the transport's error codes.
enum class FailureCause {
    host_not_found,  // DNS said no such name (or no address of a usable family)
    refused,         // nothing listens there (ECONNREFUSED)
    unreachable,     // no route to the host or network
    timed_out,       // the time allowed ran out (`timeout`, `timeout_option`)
    closed,          // the peer closed or reset the connection
    tls_verify,      // the certificate was refused; `detail` says why
    tls_protocol,    // the TLS handshake itself failed; `detail` says why
    http_status,     // the server answered the upgrade with a status other than 101
    bad_upgrade,     // a 101 without a valid Sec-WebSocket-Accept, Upgrade or Connection
    bad_negotiation, // a 101 that agrees to what was not offered; `detail` says what
    no_descriptors,  // this process is out of file descriptors; `detail` says how many are open
    other,           // anything else; `detail` says what
};

struct FailureFacts {
    ConnectPhase phase = ConnectPhase::connect;
    FailureCause cause = FailureCause::other;
    std::string target;      // the URL tried (ws://host:port/path)
    std::string host;        // the target's host name or address
    std::string authority;   // host:port of the target (the port always named), or unix:PATH
    std::string proxy;       // host:port of the proxy; "" when direct
    bool secure = false;     // wss
    std::string detail;      // the error's own text, a TLS reason, a proxy's answer...
    int status = 0;          // http_status: the status received
    std::string status_text; // http_status: its reason phrase (escaped by the classifier)
    std::string location;    // http_status: a redirect's Location
    // The first bytes the server sent in answer to the upgrade request, as
    // they came (escaped by the classifier); "" when nothing came. Tells a
    // TLS record or other bytes that are not HTTP from a head that stopped
    // half-way.
    std::string answer;
    bool verbose = false;    // -v: the response is already on screen
    std::chrono::milliseconds timeout{0};  // the time that ran out (timed_out)
    std::string timeout_option = "--connect-timeout";  // the option that sets it, for the message
    std::string tls_min_version = "1.2";
};

struct ConnectFailure {
    ExitCode code = ExitCode::runtime;
    std::string message;  // one line, without the "wskit: " prefix
};

// Decides the exit status and the message for a failed opening. The rule
// (wskit(1), EXIT STATUS) turns on whether a connection to the server was
// made:
// - 3, could not connect: DNS, refused, unreachable, or no TCP connection
//   (and proxy tunnel) within the time allowed;
// - once TCP is up: TLS trouble is 4; an answer that is not a 101 (another
//   status, a bad 101, bytes that are not HTTP such as a TLS record, or the
//   connection closed without an answer) is 5, with a hint at wss:// where
//   the server seems to speak TLS; no complete answer in time (a TLS
//   handshake or a response head that never ends) is 7, timed out waiting;
// - out of local file descriptors is 1, a runtime error of this process.
// After TCP is up the message never says "cannot connect".
WSKIT_API ConnectFailure classify_connect_failure(const FailureFacts& facts);

// What the first bytes of an answer to an HTTP request are.
enum class AnswerKind {
    none,     // nothing came
    http,     // the start of an HTTP response ("HTTP/")
    tls,      // a TLS record (a TLS server reading our request as a ClientHello)
    unknown,  // anything else
};
WSKIT_API AnswerKind classify_answer(std::string_view answer);

}  // namespace wskit
