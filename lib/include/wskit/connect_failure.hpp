// Why a client's connection could not be opened, as a pure decision: the
// client gathers facts (the phase it had reached, what the error was) and
// this turns them into an exit status and one line for the user. Keeping it
// pure lets every failure class be unit-tested without a network.
#pragma once

#include <wskit/error.hpp>
#include <wskit/export.hpp>

#include <chrono>
#include <string>

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
    timed_out,       // --connect-timeout elapsed
    closed,          // the peer closed or reset the connection
    tls_verify,      // the certificate was refused; `detail` says why
    tls_protocol,    // the TLS handshake itself failed; `detail` says why
    http_status,     // the server answered the upgrade with a status other than 101
    bad_upgrade,     // a 101 without a valid Sec-WebSocket-Accept, Upgrade or Connection
    other,           // anything else; `detail` says what
};

struct FailureFacts {
    ConnectPhase phase = ConnectPhase::connect;
    FailureCause cause = FailureCause::other;
    std::string target;      // the URL tried (ws://host:port/path)
    std::string host;        // the target's host name or address
    std::string authority;   // host:port of the target (the port always named)
    std::string proxy;       // host:port of the proxy; "" when direct
    bool secure = false;     // wss
    std::string detail;      // the error's own text, a TLS reason, a proxy's answer...
    int status = 0;          // http_status: the status received
    std::string status_text; // http_status: its reason phrase (escaped by the classifier)
    std::string location;    // http_status: a redirect's Location
    bool verbose = false;    // -v: the response is already on screen
    std::chrono::milliseconds timeout{0};  // the --connect-timeout in force
    std::string tls_min_version = "1.2";
};

struct ConnectFailure {
    ExitCode code = ExitCode::runtime;
    std::string message;  // one line, without the "wskit: " prefix
};

// Decides the exit status and the message for a failed opening:
// DNS, refusals, timeouts and a peer that hangs up before answering are
// "could not connect" (3), TLS trouble is 4, an answer other than a valid 101
// is 5. A plain ws:// connection that the peer drops without answering gets
// a hint that it may be a TLS port.
WSKIT_API ConnectFailure classify_connect_failure(const FailureFacts& facts);

}  // namespace wskit
