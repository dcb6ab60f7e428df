// What `wskit proxy` passes from one leg's handshake and close to the other:
// pure functions over requests, answers and close codes, unit-tested.
#pragma once

#include <wskit/event.hpp>
#include <wskit/http.hpp>
#include <wskit/server.hpp>

#include <string>
#include <vector>

namespace wskit::detail {

// The upstream request target: the upstream URL's path is the base and the
// client's path is appended to it ("/api" + "/feed" = "/api/feed"; a client
// asking for "/" gets the base as it is), then both queries, the base's
// first. With fixed_path the client's target is ignored.
std::string upstream_resource(const std::string& base, const std::string& client_resource, bool fixed_path);

// What of the client's upgrade request goes upstream. The upstream
// connection writes its own Host, key, version, Upgrade and Connection;
// hop-by-hop headers (RFC 9110 7.6.1, and those the client's Connection
// names) stay on the client's leg; extensions are negotiated per leg.
struct UpstreamRequest {
    std::vector<Header> headers;            // the rest, in order, repeats kept (cookies, Authorization...)
    std::vector<std::string> subprotocols;  // the client's offers, in order
    std::string origin;                     // "" when it sent none
    std::string user_agent;                 // "" when it sent none
    std::string host;                       // keep_host: the client's Host; else ""
    bool offered_deflate = false;           // it offered permessage-deflate
};
UpstreamRequest upstream_request(const HttpRequest& client, bool keep_host);

// The client's answer from the upstream's: a 101 gives its subprotocol and
// headers (cookies, custom ones; not the handshake's or hop-by-hop ones),
// any other status is passed as a refusal with its headers and body.
UpgradeAnswer answer_from_upstream(const ResponseHead& head, const std::string& body);

// The client's answer when the upstream gave none: 504 when the upstream
// did not answer in time, 502 otherwise, the reason in the body.
HttpResponse upstream_failure_answer(const std::string& why, bool timed_out);

// What one leg's close makes the proxy send on the other: the code and
// reason as they came, except those that never go on the wire (RFC 6455
// 7.4.1): 1005 (a close without a code) is sent without one; 1006 (the
// connection dropped) and 1015 (TLS failed) become 1014 towards the client
// (the upstream broke: "bad gateway") and 1001 towards the upstream (the
// client went away).
struct RelayedClose {
    int code = 1000;     // 1005: a close frame without a code
    std::string reason;
};
RelayedClose relayed_close(int code, const std::string& reason, Leg closed_leg);

}  // namespace wskit::detail
