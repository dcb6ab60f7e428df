// What every server subcommand does around its Server: announce the URL,
// print events, stop cleanly on SIGINT/SIGTERM.
#pragma once

#include <wskit/export.hpp>
#include <wskit/loop.hpp>
#include <wskit/printer.hpp>
#include <wskit/server.hpp>

#include <memory>

namespace wskit {

class WSKIT_API ServeSession {
public:
    ServeSession(EventLoop& loop, const PrinterOptions& output);
    ~ServeSession();

    Printer& printer();
    // Prints an event and schedules a flush of stdout.
    void print(const Event& e);
    // Prints "listening on URL" on stderr (and the listening event in JSON
    // output) once server.listen() has succeeded.
    void announce(const Server& server);
    // Runs the loop until SIGINT/SIGTERM; then closes every connection with
    // 1001 and returns 130/143 once they are closed, or after 1 s at most.
    int run_until_signal(Server& server);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace wskit
