#include "term/console.hpp"
#include "serve/shutdown.hpp"

#include <wskit/error.hpp>
#include <wskit/tool/serve.hpp>

#include <csignal>

namespace wskit {
namespace {

using namespace std::chrono_literals;

// At exit, how long what is still buffered may take to be written: enough
// for a reader that is merely slow, short enough to exit promptly on a signal.
constexpr auto stdout_grace = 150ms;

detail::Console::Options console_options(const PrinterOptions& output) {
    detail::Console::Options o;
    o.output = output;
    // A server's log must never stall it: a slow reader costs dropped lines.
    o.overflow = detail::Overflow::drop;
    o.stdout_capacity = ServeSession::stdout_buffer;
    o.stderr_capacity = ServeSession::stderr_buffer;
    return o;
}

}  // namespace

struct ServeSession::Impl {
    Impl(EventLoop& l, const PrinterOptions& o) : loop(l), console(l, console_options(o), {}) {}

    // SIGINT and SIGTERM shut the server down: watched from before the
    // announcement, since a script that reads "listening on" may signal at
    // once.
    void watch_signals(Server& server) {
        if (watching) return;
        watching = true;
        loop.on_signals([this, &server](int signo) {
            if (result != 0) return loop.stop();  // a second signal: stop now
            result = to_int(exit_code_for_signal(signo));
            detail::shut_down_then_stop(loop, server);
        });
    }

    EventLoop& loop;
    detail::Console console;
    bool watching = false;
    int result = 0;  // the signal's exit status
};

ServeSession::ServeSession(EventLoop& loop, const PrinterOptions& output)
    : impl_(std::make_unique<Impl>(loop, output)) {
    std::signal(SIGPIPE, SIG_IGN);
}
ServeSession::~ServeSession() = default;

void ServeSession::print(const Event& e) { impl_->console.print(e); }

void ServeSession::print_record(std::string_view record) { impl_->console.print_record(record); }

void ServeSession::diagnostic(std::string_view line) { impl_->console.status_line(line); }

void ServeSession::warning(std::string_view line) { impl_->console.diagnostic(line); }

std::uint64_t ServeSession::dropped_records() const { return impl_->console.dropped_records(); }

void ServeSession::announce(Server& server) {
    impl_->watch_signals(server);
    impl_->console.announce(server.url());
}

std::function<void(Event&)> ServeSession::stopping_when_all_closed(std::function<void(Event&)> on_event) {
    return detail::stop_loop_when_all_closed(impl_->loop, std::move(on_event));
}

int ServeSession::run_until_signal(Server& server) {
    impl_->watch_signals(server);
    impl_->loop.run();
    impl_->console.drain(std::chrono::steady_clock::now() + stdout_grace);
    return impl_->result;
}

}  // namespace wskit
