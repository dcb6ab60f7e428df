// How every server stops on SIGINT/SIGTERM: close each connection with 1001,
// and stop the loop once all have closed, or after 1 s whatever the peers do.
#pragma once

#include <wskit/event.hpp>
#include <wskit/loop.hpp>
#include <wskit/server.hpp>

#include <functional>

namespace wskit::detail {

// The server's event handler, and the loop stops on its all_closed event:
// every server that may go through shut_down_then_stop is built with it.
inline std::function<void(Event&)> stop_loop_when_all_closed(EventLoop& loop, std::function<void(Event&)> on_event) {
    return [&loop, on_event = std::move(on_event)](Event& e) {
        if (e.type == EventType::all_closed) return loop.stop();
        on_event(e);
    };
}

inline void shut_down_then_stop(EventLoop& loop, Server& server) {
    server.shutdown(1001, "server shutting down");
    loop.after(std::chrono::milliseconds(1000), [&loop] { loop.stop(); });
}

}  // namespace wskit::detail
