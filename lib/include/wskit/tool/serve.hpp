// What every server subcommand does around its Server: announce the URL,
// print events, stop cleanly on SIGINT/SIGTERM.
//
// Its output never blocks the event loop: stdout and stderr are written
// without blocking through bounded buffers. When their reader stalls, what
// does not fit is dropped a whole line (event) at a time and counted, and
// once the reader is back one line on stderr says how much was lost
// ("wskit: output stalled: dropped 1234 lines (56789 bytes) of stdout ...").
// A stalled log thus costs log lines, never a frozen server.
#pragma once

#include <wskit/export.hpp>
#include <wskit/loop.hpp>
#include <wskit/printer.hpp>
#include <wskit/server.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

namespace wskit {

class WSKIT_API ServeSession {
public:
    // Bytes of stdout kept for a stalled reader before events are dropped:
    // a few seconds of a busy log, and a bounded cost however long the stall.
    static constexpr std::size_t stdout_buffer = 1u << 20;
    // The same for stderr, which carries only diagnostics and stats lines.
    static constexpr std::size_t stderr_buffer = 64u << 10;

    ServeSession(EventLoop& loop, const PrinterOptions& output);
    ~ServeSession();

    // Prints an event on stdout (dropped, and counted, when the reader has
    // fallen too far behind). Loop thread only, like everything here.
    void print(const Event& e);
    // Writes one preformatted record (with its newline) on stdout, under
    // the same rule.
    void print_record(std::string_view record);
    // Writes one line on stderr (the newline is added), under the same rule.
    void diagnostic(std::string_view line);
    // The same, prefixed with "wskit: ": a warning, or a client refused.
    void warning(std::string_view line);
    // Events and records dropped from stdout so far.
    std::uint64_t dropped_records() const;

    // Prints "listening on URL" on stderr (and the listening event in JSON
    // output) once server.listen() has succeeded.
    void announce(Server& server);
    // Runs the loop until SIGINT/SIGTERM; then closes every connection with
    // 1001 and returns 130/143 once they are closed, or after 1 s at most.
    // What is still buffered then gets a short grace to be written.
    int run_until_signal(Server& server);
    // The server's event handler to build it with: on_event, and the loop
    // stops on the all_closed event that follows a shutdown.
    std::function<void(Event&)> stopping_when_all_closed(std::function<void(Event&)> on_event);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace wskit
