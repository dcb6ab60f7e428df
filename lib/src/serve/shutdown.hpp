// How every server stops on SIGINT/SIGTERM: close each connection with 1001,
// and stop the loop once all have closed, or after 1 s whatever the peers do.
#pragma once

#include <wskit/loop.hpp>
#include <wskit/server.hpp>

namespace wskit::detail {

// Polled: no single event says "the last close handshake is over".
inline void stop_when_no_connections(EventLoop& loop, Server& server) {
    if (server.connection_count() == 0) return loop.stop();
    loop.after(std::chrono::milliseconds(10), [&loop, &server] { stop_when_no_connections(loop, server); });
}

inline void shut_down_then_stop(EventLoop& loop, Server& server) {
    server.shutdown(1001, "server shutting down");
    loop.after(std::chrono::milliseconds(1000), [&loop] { loop.stop(); });
    stop_when_no_connections(loop, server);
}

}  // namespace wskit::detail
