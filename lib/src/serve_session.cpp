#include "fd_sink.hpp"

#include <wskit/error.hpp>
#include <wskit/serve.hpp>

#include <fmt/format.h>

#include <csignal>
#include <unistd.h>

namespace wskit {
namespace {

using namespace std::chrono_literals;

// At exit, how long what is still buffered may take to be written: enough
// for a reader that is merely slow, short enough to exit promptly on a signal.
constexpr auto stdout_grace = 150ms;
constexpr auto stderr_grace = 100ms;

}  // namespace

struct ServeSession::Impl {
    Impl(EventLoop& l, const PrinterOptions& o)
        : loop(l), options(o), out(l, STDOUT_FILENO, detail::Overflow::drop, stdout_buffer),
          err(l, STDERR_FILENO, detail::Overflow::drop, stderr_buffer), printer(make_printer(o, out)) {
        out.set_handlers({[this] { on_stdout_closed(); }, {}, [this](detail::DropCount d) { report(d, "stdout"); }});
        err.set_handlers({{}, {}, [this](detail::DropCount d) { report(d, "stderr"); }});
    }

    void report(detail::DropCount d, const char* stream) {
        err.submit(fmt::format("wskit: output stalled: dropped {} {} ({} bytes) of {}; its reader was not keeping up\n",
                               d.records, d.records == 1 ? "line" : "lines", d.bytes, stream));
    }

    // A server goes on serving without its log: say so once.
    void on_stdout_closed() {
        if (out.state() == detail::FdSink::State::failed)
            err.submit(fmt::format("wskit: cannot write to stdout ({}); events are no longer printed\n", out.error()));
    }

    // The end of the run: a short grace for what is buffered, then what was
    // dropped and not yet reported.
    void finish() {
        auto now = std::chrono::steady_clock::now();
        out.drain(now + stdout_grace);
        if (auto d = out.take_dropped(); d.records > 0) report(d, "stdout");
        err.drain(now + stdout_grace + stderr_grace);
    }

    EventLoop& loop;
    PrinterOptions options;
    detail::FdSink out;
    detail::FdSink err;
    std::unique_ptr<Printer> printer;
    std::function<void()> wait_until_idle;
};

ServeSession::ServeSession(EventLoop& loop, const PrinterOptions& output)
    : impl_(std::make_unique<Impl>(loop, output)) {
    std::signal(SIGPIPE, SIG_IGN);
}
ServeSession::~ServeSession() = default;

void ServeSession::print(const Event& e) {
    impl_->printer->print(e);
    impl_->out.end_record();
}

void ServeSession::print_record(std::string_view record) { impl_->out.submit(record); }

void ServeSession::diagnostic(std::string_view line) {
    impl_->err.write(line);
    impl_->err.submit("\n");
}

std::uint64_t ServeSession::dropped_records() const { return impl_->out.total_dropped().records; }

void ServeSession::announce(const Server& server) {
    // Written at once: scripts wait for this line to learn the port.
    diagnostic("listening on " + server.url());
    impl_->err.flush();
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
    impl_->finish();
    return result;
}

}  // namespace wskit
