// `wskit replay FILE [URL]`: plays the client's side of a recording (a
// --record NDJSON file, or a HAR from wskit or a browser's devtools) against
// a server and compares what the server sends with what it sent then.
#pragma once

#include <wskit/client.hpp>
#include <wskit/export.hpp>
#include <wskit/http.hpp>
#include <wskit/message.hpp>
#include <wskit/loop.hpp>
#include <wskit/printer.hpp>
#include <wskit/server.hpp>
#include <wskit/tool/bridge.hpp>
#include <wskit/tool/record.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wskit {

// One connection of a recording, seen from its client.
struct RecordedConversation {
    struct Step {
        bool sent = false;  // by the client; else received from the server
        Message message;    // text or binary
        double at = 0;      // seconds after the open
    };
    std::string url;
    std::vector<Header> headers;            // the request's, but those of the handshake itself
    std::vector<std::string> subprotocols;  // offered
    std::string subprotocol;                // the server's choice
    std::vector<Header> response_headers;   // the server's 101, but those of the handshake itself
    std::vector<Step> steps;                // in the order they happened
    std::optional<int> client_close;        // the client closed, with this code
    std::optional<int> server_close;        // the server closed, with this code
};

// Reads a recording: NDJSON (a --record file, or --json output of connect)
// or a HAR (a FILE ending in .har, or any file that is one JSON document
// with log.entries). Connections without messages are kept. Throws
// Error(ExitCode::usage) naming the file and line for what it cannot read.
WSKIT_API std::vector<RecordedConversation> load_recording(const std::string& path);
// The same from text; `name` names it in errors.
WSKIT_API std::vector<RecordedConversation> parse_recording(std::string_view text, const std::string& name);

// How received messages are compared with the recorded ones.
struct ReplayComparison {
    std::vector<std::string> ignore;  // JSON Pointers removed from both sides of JSON messages
    bool loose = false;               // counts and types only
};

// Why `pointer` is not a JSON Pointer (RFC 6901: "" or "/a/0/b"), or "".
WSKIT_API std::string json_pointer_problem(const std::string& pointer);

// Whether a received message matches the recorded one.
WSKIT_API bool same_message(const Message& recorded, const Message& received, const ReplayComparison& how);

enum class ReplayPacing {
    recorded,  // each sent message at its recorded time after the open (scaled by speed)
    none,      // as fast as possible
    lockstep,  // each after the server messages that preceded it in the recording
};

struct ReplayOptions {
    std::string path;
    ClientOptions client;  // url (empty: the recorded one), -H (added to or replacing the recorded headers), TLS...
    bool url_given = false;
    ReplayPacing pacing = ReplayPacing::recorded;
    double speed = 1;
    ReplayComparison comparison;
    // After the last recorded step, how long to wait for what is still
    // expected before calling it missing (and for unexpected extras).
    double wait_seconds = 2;
    PrinterOptions output;                // human or json (the diff as events)
    std::optional<RecordOptions> record;  // --record NEW: this replay as a recording
    int verbosity = 0;
};

// `wskit listen --replay FILE`: a mock of the recorded server. Each client
// gets the server's side of the recording's first connection: the server
// messages that came before the client's first one at once, then, each
// time the client has sent as many messages as it had then, the ones that
// followed (or, with `timing`, each at its recorded time after the open).
// A client message that differs from the recorded one is said (#ID line),
// and the conversation goes on.
struct ReplayServerOptions {
    std::string path;
    bool timing = false;     // --replay-timing
    ReplayComparison comparison;
};

class WSKIT_API ReplayBridge final : public ClientBridge {
public:
    using Diagnostic = std::function<void(const std::string& line)>;
    // Reads the recording (throws Error(usage) as load_recording does).
    ReplayBridge(EventLoop& loop, ReplayServerOptions options, Diagnostic diagnostic);
    ~ReplayBridge() override;
    // The subprotocol the recorded server chose, and the other headers of
    // its 101 (Set-Cookie, custom ones), to answer with.
    const std::string& subprotocol() const;
    const std::vector<Header>& upgrade_headers() const;

    void attach(Server& server) override;
    std::optional<HttpResponse> on_handshake(const HttpRequest&) override { return std::nullopt; }
    void on_event(const Event& e) override;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

// Replays every connection of the recording in turn; returns 0 when the
// server sent what was recorded, 1 when not, and the connection's exit
// status when one could not be opened or closed abnormally. Throws Error.
WSKIT_API int run_replay(const ReplayOptions& options);

}  // namespace wskit
