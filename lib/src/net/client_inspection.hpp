// What the client shows of its opening handshake: the request and response
// for -v and the handshake trace, the TLS session as curl -v words it, and
// the whole inspection for handshake-inspect (ClientOptions::inspection).
// Taken from plain values the client reads off its connection, so that none
// of it needs websocketpp.
#pragma once

#include "net/connect_outcome.hpp"

#include <wskit/client.hpp>
#include <wskit/inspection.hpp>
#include <wskit/trace.hpp>

#include <openssl/ssl.h>

#include <chrono>
#include <optional>
#include <string>

namespace wskit::detail {

// The response as the client's connection holds it.
struct ResponseSeen {
    int status = 0;          // 0 when none came
    std::string head;        // status line and headers, as received (or as parsed when the raw ones were not kept)
    std::string body;
    std::string location;
    bool head_done = false;  // the head reached its blank line
};

// Fills the trace's request and response. `connected`: the transport's
// outcome once TCP connected, else null (a failed socket no longer knows
// its peer).
void capture_handshake(HandshakeTrace& trace, const std::string& request, const ResponseSeen& response,
                       const ConnectOutcome* connected);

// What inspection needs besides the transport's outcome.
struct InspectionFacts {
    std::optional<std::chrono::steady_clock::time_point> post_init_at;  // TCP, tunnel and TLS done
    bool answered = false;      // a response came: the upgrade and total times are known
    SSL* ssl = nullptr;         // wss: the session; null for ws
    bool insecure = false;      // --insecure: the certificate was not verified
    std::string verify_failure; // why the certificate was refused; "" when it was not
};

// ClientOptions::inspection, once the response is in (or the opening failed).
void fill_inspection(ConnectionInspection& inspection, const ConnectOutcome& outcome, const InspectionFacts& facts);

// -v: what curl -v says once TLS is up.
void trace_tls(SSL* ssl, const TraceHandler& trace);

}  // namespace wskit::detail
