// The checks of an opening handshake, as values: a request seen by a server
// (RFC 6455 4.2.1) or a response seen by a client (4.1), each turned into a
// list of results rather than stopping at the first problem, so that an
// inspector can show all of them and a server can answer the first failure.
// Pure functions, no I/O.
#pragma once

#include <wskit/client.hpp>
#include <wskit/error.hpp>
#include <wskit/export.hpp>
#include <wskit/http.hpp>
#include <wskit/server.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wskit {

enum class Verdict { pass, warn, fail };

WSKIT_API const char* verdict_name(Verdict verdict);  // "pass", "warn", "fail"

struct CheckResult {
    std::string id;        // stable, for JSON and scripts: "status", "accept", "key"...
    // What is checked, for humans, as a subject ("status", "Sec-WebSocket-Accept
    // for the key sent") rather than a claim, so that it reads right beside
    // PASS and FAIL alike. Not stable: scripts use id.
    std::string name;
    Verdict verdict = Verdict::pass;
    std::string expected;  // peer-controlled text is kept as received: escape it to show it
    std::string actual;
    std::string rfc;       // "RFC 6455 4.1"
    std::string detail;    // context: the key sent, an extension's parameters...; may be empty
    ExitCode exit_class = ExitCode::handshake;  // the exit status a failure maps to
};

// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")), RFC 6455 4.2.2.
WSKIT_API std::string websocket_accept(std::string_view key);

// What a client checks in the server's answer to its opening handshake.
// `offered_extensions` is the Sec-WebSocket-Extensions value the client sent.
WSKIT_API std::vector<CheckResult> check_response(const ResponseHead& response, std::string_view key_sent,
                                                  const std::vector<std::string>& offered_subprotocols,
                                                  std::string_view offered_extensions);

// What a server checks in a client's opening handshake (4.2.1 items 1-6),
// and that it announces no body: bytes after the head are the client's
// first frames, so a body would be taken for frames (request smuggling).
WSKIT_API std::vector<CheckResult> check_request(const HttpRequest& request);

// What a browser checks in a server's answer to `request`, the client's
// handshake: for a 101, the checks of check_response, with a subprotocol
// required when the client offered any (browsers and Node's ws fail the
// connection without one, though RFC 6455 allows it); for a refusal, what
// the client needs to go on (a 426's version, a redirect's Location...).
// The status itself is no check: refusing is the server's right.
WSKIT_API std::vector<CheckResult> check_answer(const HttpRequest& request, const ResponseHead& answer);

// The subprotocol a server answers to `offered` (the client's, in its
// order): the first offer that is in `accepted`, else with
// `else_first_offer` the first offer; nullopt when none is chosen.
WSKIT_API std::optional<std::string> choose_subprotocol(const std::vector<std::string>& offered,
                                                        const std::vector<std::string>& accepted,
                                                        bool else_first_offer);

// The first failing result, or nullptr.
WSKIT_API const CheckResult* first_failure(const std::vector<CheckResult>& results);

// The exit status of a list: ok when nothing failed (warnings allowed), else
// the class of the first failure.
WSKIT_API ExitCode exit_code_of(const std::vector<CheckResult>& results);

// One line for connect -v: "pass (6 checks, 1 warning)" or "FAIL: <name>:
// expected E, got A (RFC ...)" for the first failure. Not escaped.
WSKIT_API std::string verdict_summary(const std::vector<CheckResult>& results);

// The checks of a client's handshake as it was traced: `request` as sent
// (its key, subprotocols and extensions are the offer) and `response` as
// received. Empty when there is no response.
WSKIT_API std::vector<CheckResult> check_exchange(std::string_view request, std::string_view response);

// The names of a Sec-WebSocket-Extensions value, without their parameters:
// "permessage-deflate; client_max_window_bits, x" -> {"permessage-deflate", "x"}.
WSKIT_API std::vector<std::string> extension_names(std::string_view value);

}  // namespace wskit
