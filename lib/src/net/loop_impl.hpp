// The event loop's inside: an Asio io_context, for the code that owns
// sockets or descriptors (net/, and the engines that open their own sockets:
// bench/, chat/redis/). No websocketpp here.
#pragma once

// Standard headers before Asio's: see net/unix_socket.hpp.
#include <functional>
#include <map>
#include <memory>

#include <wskit/loop.hpp>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

namespace wskit {

struct EventLoop::Impl {
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    std::map<TimerId, std::unique_ptr<asio::steady_timer>> timers;
    TimerId next_timer = 1;
    std::unique_ptr<asio::signal_set> signals;
    std::function<void(int)> on_signal;
    void wait_signal();
};

}  // namespace wskit
