// A server connection's close event: whose close it was, and the code and
// reason it ended with. Needs wspp.hpp's includes first.
#pragma once

#include <wskit/event.hpp>

#include <optional>
#include <string>
#include <utility>

namespace wskit::detail {

// What the server knows of a connection's end besides websocketpp's state.
struct ServerEnd {
    bool closed_here = false;   // the application's close() (or shutdown) sent a close frame
    bool aborted_here = false;  // the application's abort() dropped it
    std::optional<std::pair<int, std::string>> backlog_close;  // the backpressure's 1008
};

template <class Con>
Event server_close_event(const Con& con, const ServerEnd& end) {
    Event e = close_event(con, failed_by_library(con.get_local_close_code()));
    if (con.error_close && con.error_close->code) {
        // The library failed it, or the application closed it with an error
        // code; its close handshake may have timed out (hook 13 in
        // net/wspp/README.md).
        e.code = con.error_close->code;
        e.reason = con.error_close->reason;
    } else if (end.closed_here) {
        e.code = con.get_local_close_code();
        e.reason = con.get_local_close_reason();
    }
    if (end.backlog_close) {
        e.code = end.backlog_close->first;
        e.reason = end.backlog_close->second;
    }
    // The server started it.
    if (end.closed_here || end.aborted_here || end.backlog_close) e.direction = Direction::out;
    return e;
}

}  // namespace wskit::detail
