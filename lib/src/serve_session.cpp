#include "fd_sink.hpp"

#include <wskit/error.hpp>
#include <wskit/serve.hpp>

#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace wskit {

struct ServeSession::Impl {
    Impl(EventLoop& l, const PrinterOptions& o) : loop(l), options(o), out(STDOUT_FILENO), printer(make_printer(o, out)) {}
    EventLoop& loop;
    PrinterOptions options;
    detail::FdSink out;
    std::unique_ptr<Printer> printer;
    bool flush_scheduled = false;
    std::function<void()> wait_until_idle;
};

ServeSession::ServeSession(EventLoop& loop, const PrinterOptions& output)
    : impl_(std::make_unique<Impl>(loop, output)) {
    std::signal(SIGPIPE, SIG_IGN);
}
ServeSession::~ServeSession() = default;

Printer& ServeSession::printer() { return *impl_->printer; }

void ServeSession::print(const Event& e) {
    impl_->printer->print(e);
    if (impl_->flush_scheduled) return;
    impl_->flush_scheduled = true;
    impl_->loop.post([impl = impl_.get()] {
        impl->flush_scheduled = false;
        impl->out.flush();
    });
}

void ServeSession::announce(const Server& server) {
    std::fprintf(stderr, "listening on %s\n", server.url().c_str());
    if (impl_->options.format == OutputFormat::json) {
        Event e;
        e.type = EventType::listening;
        e.text = server.url();
        print(e);
    }
}

int ServeSession::run_until_signal(Server& server) {
    int result = 0;
    auto& loop = impl_->loop;
    loop.on_signals([&](int signo) {
        int code = signo == SIGINT ? to_int(ExitCode::interrupted) : to_int(ExitCode::terminated);
        if (result != 0) return loop.stop();  // a second signal: stop now
        result = code;
        server.shutdown(1001, "server shutting down");
        loop.after(std::chrono::milliseconds(1000), [&loop] { loop.stop(); });
        // Stop as soon as every close handshake has completed.
        impl_->wait_until_idle = [this, &server, &loop] {
            if (server.connection_count() == 0) return loop.stop();
            loop.after(std::chrono::milliseconds(10), impl_->wait_until_idle);
        };
        impl_->wait_until_idle();
    });
    loop.run();
    impl_->out.flush();
    return result;
}

}  // namespace wskit
