// --record FILE: a session's events as a file that people and CI can keep,
// diff and play back. NDJSON in the schema of --json (wskit(1), EVENTS),
// written line by line as the events happen, so that a killed process loses
// at most its last line; or, for a FILE ending in .har, a HAR 1.2 archive in
// the form Chromium's devtools export (an entry per connection, its upgrade
// as request and response, the messages in _webSocketMessages), written
// whole at the end through a temporary file, so that it is never found
// half-written.
#pragma once

#include <wskit/client.hpp>
#include <wskit/event.hpp>
#include <wskit/export.hpp>
#include <wskit/http.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace wskit {

// Which end of the conversations the recorder sees: a client's (connect),
// a server's (listen), or both legs of a proxy's. A HAR entry is always the
// client's view: "send" is what the client sent.
enum class RecordRole { client, server, proxy };

struct RecordOptions {
    std::string path;
    RecordRole role = RecordRole::client;
    // Authorization, Cookie and Set-Cookie values and secret-looking query
    // parameters (see secrets.hpp) are masked unless this is set.
    bool secrets = false;
};

// A connection's opening handshake, as recorded with its open event.
struct RecordedHandshake {
    std::string url;       // ws://host/path?query, as the client asked for it
    HttpRequest request;   // method, resource, headers as sent
    ResponseHead response; // the 101 (status, headers) as answered
};

// A client's handshake as it went: the request as sent, the response as
// received.
WSKIT_API RecordedHandshake client_handshake(const HandshakeTrace& trace, std::string url);
// A server's: the request as received, and the 101 it answered (Upgrade,
// Connection, the subprotocol and extension chosen; its
// Sec-WebSocket-Accept is not kept by the server and left out).
WSKIT_API RecordedHandshake served_handshake(const HttpRequest& request, const Event& open);

class WSKIT_API Recorder {
public:
    // Opens FILE (created with mode 0600, or truncated). Throws
    // Error(ExitCode::runtime) naming it when it cannot be written.
    static std::unique_ptr<Recorder> open(const RecordOptions& options);
    // finish(), if it was not called.
    virtual ~Recorder() = default;

    // A connection opened (e.conn, e.leg say which), with its handshake.
    virtual void opened(const Event& e, const RecordedHandshake& handshake) = 0;
    // Any other event: messages both ways, pings and pongs, closes, errors.
    // Flow events are ignored.
    virtual void record(const Event& e) = 0;
    // NDJSON: nothing more to do; HAR: the archive is written. Idempotent.
    // Throws Error(ExitCode::runtime) when the file cannot be written.
    virtual void finish() = 0;
};

// The end of a recorded run: finishes `recorder` (none: nothing to do) and
// returns the run's exit status, `result`, or when that is 0 the failure
// to write the recording (said through `say`, one line).
WSKIT_API int finish_recording(Recorder* recorder, int result, const std::function<void(const std::string&)>& say);

}  // namespace wskit
