// `wskit proxy`: a WebSocket proxy for debugging. Each client gets its own
// connection to the upstream server; everything that crosses either leg is
// printed, and faults can be injected on purpose.
#pragma once

#include <wskit/access.hpp>
#include <wskit/client.hpp>
#include <wskit/event.hpp>
#include <wskit/export.hpp>
#include <wskit/printer.hpp>
#include <wskit/server.hpp>
#include <wskit/tool/record.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace wskit {

// When a fault that ends a connection strikes: after `messages` data
// messages sent on the leg, or `after` time once the pair is open.
struct FaultTrigger {
    std::size_t messages = 0;  // 0: by time
    std::chrono::milliseconds after{0};
};

// Faults injected on purpose (toxiproxy's idea, for WebSocket messages),
// each on what the proxy sends on the legs in `legs`.
struct ProxyFaults {
    enum class Legs { client, upstream, both };
    Legs legs = Legs::both;                       // --leg
    std::chrono::milliseconds delay{0};           // --delay MS[±JITTER]: each message held this long...
    std::chrono::milliseconds jitter{0};          // ...give or take up to this (order is kept)
    std::size_t throttle = 0;                     // --throttle BYTES/S: payload bytes per second; 0: none
    std::size_t drop_every = 0;                   // --drop-every N: every Nth data message is dropped
    std::optional<FaultTrigger> close_after;      // --close-after: close the leg with close_code
    int close_code = 1000;
    std::string close_reason;
    std::optional<FaultTrigger> kill_after;       // --kill-after: drop the leg's TCP connection, no close frame
    std::size_t refuse_every = 0;                 // --refuse-every N: every Nth upgrade gets 503

    bool on(Leg leg) const {
        return legs == Legs::both || (legs == Legs::client) == (leg == Leg::client);
    }
};

// "250" or "250±50" (also "250+-50"), in milliseconds. Throws
// Error(ExitCode::usage) saying what is expected.
WSKIT_API std::pair<std::chrono::milliseconds, std::chrono::milliseconds> parse_fault_delay(std::string_view text);
// "N" (messages) or "SECSs" / "MSms" (time), then for --close-after
// ":CODE[:REASON]". Throws Error(ExitCode::usage).
struct CloseFault {
    FaultTrigger trigger;
    int code = 1000;
    std::string reason;
};
WSKIT_API CloseFault parse_close_fault(std::string_view text, bool with_code);

struct ProxyOptions {  // the flags of `wskit proxy`, see wskit-proxy(1)
    ServerOptions server;      // the clients' side: address, TLS, limits, --compress
    AccessPolicy access;       // --origin, --token (`secure` is set from server.tls)
    ClientOptions upstream;    // the upstream URL (the base of every target), -H, TLS trust, --proxy...
    bool fixed_path = false;   // --fixed-path: every client goes to the upstream URL as given
    bool keep_host = false;    // --keep-host: the client's Host goes upstream
    // Offer permessage-deflate upstream: when the client offered it (nullopt),
    // always (--upstream-compress), or never (--no-upstream-compress).
    std::optional<bool> upstream_compress;
    PrinterOptions output;     // format already resolved
    int verbosity = 0;         // -v: both handshakes and the upstream's timings, on stderr
    bool once = false;         // serve one client, exit with its status
    bool slash = false;        // slash commands from piped input (--slash)
    bool interactive = false;  // the line editor (stdin and stdout are terminals)
    ProxyFaults faults;
    // --record FILE: both legs' events, each open with its handshake (role
    // proxy; a HAR has the client legs; see record.hpp).
    std::optional<RecordOptions> record;
};

// Serves until SIGINT/SIGTERM, /quit, or with --once the first pair's end;
// returns the exit status (see wskit-proxy(1)). Throws Error when it cannot
// listen.
WSKIT_API int run_proxy(const ProxyOptions& options);

}  // namespace wskit
