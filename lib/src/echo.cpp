#include <wskit/echo.hpp>
#include <wskit/serve.hpp>

#include <fmt/format.h>

namespace wskit {
namespace {

using Clock = std::chrono::steady_clock;

// Prints message and byte rates on stderr every `period`.
class StatsReporter {
public:
    StatsReporter(EventLoop& loop, Server& server, ServeSession& session, double seconds)
        : loop_(loop), server_(server), session_(session), period_(static_cast<long long>(seconds * 1000)) {}

    void start() {
        last_ = server_.stats();
        last_time_ = Clock::now();
        loop_.after(period_, [this] { report(); });
    }

private:
    void report() {
        auto now_stats = server_.stats();
        auto now = Clock::now();
        double secs = std::chrono::duration<double>(now - last_time_).count();
        auto rate = [secs](std::uint64_t a, std::uint64_t b) { return static_cast<double>(a - b) / secs; };
        session_.diagnostic(fmt::format("stats: {} clients, {:.0f} msg/s in, {:.0f} msg/s out, {:.2f} MB/s in, {:.2f} MB/s out",
                                 server_.connection_count(), rate(now_stats.messages_in, last_.messages_in),
                                 rate(now_stats.messages_out, last_.messages_out),
                                 rate(now_stats.bytes_in, last_.bytes_in) / 1e6,
                                 rate(now_stats.bytes_out, last_.bytes_out) / 1e6));
        last_ = now_stats;
        last_time_ = now;
        loop_.after(period_, [this] { report(); });
    }

    EventLoop& loop_;
    Server& server_;
    ServeSession& session_;
    std::chrono::milliseconds period_;
    ServerStats last_;
    Clock::time_point last_time_;
};

}  // namespace

int run_echo(const EchoOptions& options) {
    EventLoop loop;
    ServeSession session(loop, options.output);
    Server* server_ptr = nullptr;

    ServerOptions server_options = options.server;
    server_options.echo = options.delay_ms == 0;
    server_options.message_events = options.log || options.delay_ms > 0;

    Server::Handlers handlers;
    if (options.log || options.delay_ms > 0) {
        handlers.on_event = [&](const Event& e) {
            if (options.log) session.print(e);
            if (options.delay_ms > 0 && e.type == EventType::message) {
                loop.after(std::chrono::milliseconds(options.delay_ms),
                           [&server_ptr, conn = e.conn, m = e.message] { server_ptr->send(conn, m); });
            }
        };
    }
    handlers.on_http = [&server_ptr](const HttpRequest& req) {
        if (req.resource == "/healthz") return HttpResponse{200, {{"Content-Type", "text/plain"}}, "ok\n"};
        return upgrade_required_page(server_ptr->url());
    };

    Server server(loop, server_options, std::move(handlers));
    server_ptr = &server;
    server.listen();
    session.announce(server);
    StatsReporter stats(loop, server, session, options.stats_seconds);
    if (options.stats_seconds > 0) stats.start();
    return session.run_until_signal(server);
}

}  // namespace wskit
