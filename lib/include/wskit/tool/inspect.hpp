// handshake-inspect: a verdict on a server's opening handshake, TLS and
// timing (client mode), or on the handshakes clients send (server mode).
// The session gathers a report as a value; the renderers turn it into
// human sections or one JSON document.
#pragma once

#include <wskit/client.hpp>
#include <wskit/error.hpp>
#include <wskit/export.hpp>
#include <wskit/extended_connect.hpp>
#include <wskit/handshake_check.hpp>
#include <wskit/inspection.hpp>
#include <wskit/server.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace wskit {

// One answer on the way with -L: the URL asked and what it said.
struct RedirectHop {
    std::string url;
    int status = 0;
    std::string location;
};

struct CloseOutcome {
    int code = 0;         // 1006 when none was received
    std::string reason;
    bool clean = false;   // the close handshake completed
};

// The same server over HTTP/2 (RFC 8441), as a browser that reuses an
// HTTP/2 connection to the host opens the WebSocket: whether the server
// speaks HTTP/2, whether its SETTINGS allow the extended CONNECT, and then
// the CONNECT, its answer, a ping round trip and the close on the stream.
struct Http2Report {
    bool prior_knowledge = false;     // h2c (--h2c), not TLS's ALPN
    bool negotiated = false;          // the server spoke HTTP/2: its SETTINGS came
    bool enabled = false;             // ... with SETTINGS_ENABLE_CONNECT_PROTOCOL = 1: browsers use it
    std::string alpn;                 // TLS's choice: "h2", "http/1.1", "" for none (or h2c)
    std::vector<Http2Setting> settings;  // as received
    std::string request;              // the CONNECT's fields, one "name: value" line each, CRLF-ended
    std::string response;             // the answer's; "" when none came
    std::vector<CheckResult> checks;
    std::vector<double> ping_ms;
    std::optional<CloseOutcome> close;
    Timings timings;
    std::string error;                // one line when it failed, else ""
    ExitCode exit = ExitCode::ok;     // counts in the verdict only when `enabled`
};

// Everything one client-mode inspection found, for the renderers.
struct InspectReport {
    std::string url;                  // the URL inspected last (after redirects)
    std::vector<RedirectHop> redirects;
    ConnectionInspection connection;
    std::string request;              // as sent: request line and headers
    std::string response;             // as received: status line and headers; "" when none
    std::string body;                 // of a non-101 response, at most max_body bytes
    bool body_truncated = false;
    std::vector<CheckResult> checks;
    std::vector<std::string> first_messages;  // what the server sent after the 101 (text: its first 200 bytes)
    std::vector<double> ping_ms;      // round trips of --ping, in order
    std::optional<CloseOutcome> close;
    std::optional<Http2Report> http2; // when HTTP/2 was probed too
    std::string error;                // one line when the run failed, else ""
    ExitCode exit = ExitCode::ok;
};

struct RenderOptions {
    bool color = false;         // ANSI colors (a TTY without NO_COLOR)
    bool show_secrets = false;  // Authorization, Cookie, Proxy-Authorization... shown as they are
};

// Human sections: Resolution, Timings, TLS, Request, Response, Checks, After
// the handshake, Verdict. Peer-controlled text is escaped.
WSKIT_API std::string render_human(const InspectReport& report, const RenderOptions& options);
// One JSON document (docs/schema/handshake-inspect.schema.json), with a newline.
WSKIT_API std::string render_json(const InspectReport& report, const RenderOptions& options);

struct InspectOptions {
    ClientOptions client;
    bool follow_redirects = false;
    bool location_trusted = false;       // -L sends credentials to any origin, follows wss:// to ws:// (see plan_redirect)
    int max_redirects = 10;
    int pings = 0;                       // round trips measured after the handshake
    std::size_t max_body = 64 * 1024;    // of a non-101 response (the library reads at most 64 KiB)
    // HTTP/2 as well: automatic for wss:// (ALPN h2), prior knowledge (h2c)
    // for ws:// too, or none.
    enum class Http2Probe { automatic, prior_knowledge, off };
    Http2Probe http2 = Http2Probe::automatic;
};

// Connects (following redirects when asked), records everything, checks the
// answer and the first frames, measures pings, closes; then the same over
// HTTP/2 (options.http2), on a connection of its own. Never throws for what
// the server does: that is in the report. A broken HTTP/2 path fails the
// verdict only where browsers would take it (the server enables it).
WSKIT_API InspectReport inspect_server(const InspectOptions& options);

// --- server mode --------------------------------------------------------

// One incoming request as seen by the inspecting server.
struct RequestReport {
    std::uint64_t number = 0;           // 1, 2, 3... in arrival order
    HttpRequest request;                // the head as received, headers in order
    std::vector<CheckResult> checks;    // RFC 6455 4.2.1
    int answered = 0;                   // the status it got: 101, --respond's, or the server's refusal
    ResponseHead answer;                // the head of that answer, as it was written
    std::vector<CheckResult> answer_checks;  // the answer as a browser checks it (check_answer)
};

WSKIT_API std::string render_request_human(const RequestReport& report, const RenderOptions& options);
WSKIT_API std::string render_request_json(const RequestReport& report, const RenderOptions& options);

struct InspectServerOptions {
    ServerOptions server;
    // Pages let in besides the server's own ("*": any); other pages get 403,
    // clients without Origin are let in.
    std::vector<std::string> origins;
    int respond = 0;      // answer every handshake with this status instead of accepting it; 0: accept
    bool once = false;    // exit after the first request (and its connection) is done
    bool json = false;
    RenderOptions render;
};

// Runs until SIGINT/SIGTERM (or after the first request with `once`),
// printing every request on stdout and, for accepted connections, their
// first messages (echoed back). Returns the exit status.
WSKIT_API int run_inspect_server(const InspectServerOptions& options);

}  // namespace wskit
