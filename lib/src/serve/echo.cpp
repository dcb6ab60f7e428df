#include <wskit/tool/echo.hpp>
#include <wskit/tool/serve.hpp>

#include <fmt/format.h>

namespace wskit {
namespace {

using Clock = std::chrono::steady_clock;

struct Rates {
    std::size_t clients = 0;
    double msg_in = 0, msg_out = 0;  // messages per second
    double mb_in = 0, mb_out = 0;    // 10^6 bytes per second
};

// Prints message and byte rates every `period`: a human line on stderr, or
// a stats event on stdout with --json (one NDJSON object, documented in
// wskit-echo(1)).
class StatsReporter {
public:
    StatsReporter(EventLoop& loop, Server& server, ServeSession& session, double seconds, bool json)
        : loop_(loop), server_(server), session_(session), json_(json),
          period_(static_cast<long long>(seconds * 1000)) {}

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
        Rates r;
        r.clients = server_.connection_count();
        r.msg_in = rate(now_stats.messages_in, last_.messages_in);
        r.msg_out = rate(now_stats.messages_out, last_.messages_out);
        r.mb_in = rate(now_stats.bytes_in, last_.bytes_in) / 1e6;
        r.mb_out = rate(now_stats.bytes_out, last_.bytes_out) / 1e6;
        if (json_) {
            session_.print_record(stats_json(r, std::chrono::system_clock::now(), session_.dropped_records()));
        } else {
            session_.diagnostic(stats_line(r));
        }
        last_ = now_stats;
        last_time_ = now;
        loop_.after(period_, [this] { report(); });
    }

    static std::string stats_line(const Rates& r) {
        return fmt::format("stats: {} {}, {:.0f} msg/s in, {:.0f} msg/s out, {:.2f} MB/s in, {:.2f} MB/s out",
                           r.clients, r.clients == 1 ? "client" : "clients", r.msg_in, r.msg_out, r.mb_in,
                           r.mb_out);
    }

    // Numbers only, so no escaping is needed.
    static std::string stats_json(const Rates& r, std::chrono::system_clock::time_point ts, std::uint64_t dropped) {
        return fmt::format(
            "{{\"event\":\"stats\",\"ts\":\"{}\",\"conn\":0,\"clients\":{},\"msg_in_per_s\":{:.1f},"
            "\"msg_out_per_s\":{:.1f},\"mb_in_per_s\":{:.3f},\"mb_out_per_s\":{:.3f},\"dropped_lines\":{}}}\n",
            format_iso_time(ts), r.clients, r.msg_in, r.msg_out, r.mb_in, r.mb_out, dropped);
    }

    EventLoop& loop_;
    Server& server_;
    ServeSession& session_;
    const bool json_;
    std::chrono::milliseconds period_;
    ServerStats last_;
    Clock::time_point last_time_;
};

}  // namespace

int run_echo(const EchoOptions& options) {
    EventLoop loop;
    ServeSession session(loop, options.output);
    Server* server_ptr = nullptr;

    Server::Handlers handlers;
    handlers.on_event = session.stopping_when_all_closed([&](Event& e) {
        if (e.type != EventType::message) {
            if (options.log) session.print(e);
            return;
        }
        if (options.delay_ms > 0) {
            if (options.log) session.print(e);
            loop.after(std::chrono::milliseconds(options.delay_ms),
                       [&server_ptr, conn = e.conn, m = std::move(e.message)]() mutable {
                           server_ptr->send(conn, server_ptr->prepare(std::move(m)));
                       });
            return;
        }
        if (options.log) {
            // Echoed before it is printed, as without --log (printing a large
            // message takes a while); the log keeps its own copy.
            server_ptr->send(e.conn, server_ptr->prepare(Message(e.message)));
            return session.print(e);
        }
        // The payload moves into the frame: echoing copies nothing.
        server_ptr->send(e.conn, server_ptr->prepare(std::move(e.message)));
    });
    handlers.on_warning = [&session](const std::string& line) { session.warning(line); };
    handlers.on_http = [&server_ptr](const HttpRequest& req) {
        if (req.resource == "/healthz") return HttpResponse{200, {{"Content-Type", "text/plain"}}, "ok\n"};
        return upgrade_required_page(server_ptr->url());
    };

    Server server(loop, options.server, std::move(handlers));
    server_ptr = &server;
    server.listen();
    session.announce(server);
    StatsReporter stats(loop, server, session, options.stats_seconds,
                        options.output.format == OutputFormat::json);
    if (options.stats_seconds > 0) stats.start();
    return session.run_until_signal(server);
}

}  // namespace wskit
