// The `wskit proxy` session: the server its clients reach, one ProxyPair per
// client, what both legs do printed, and the terminal's slash commands.
#include "proxy/pair.hpp"
#include "term/console.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/tool/proxy.hpp>
#include <wskit/tool/slash.hpp>

#include <fmt/format.h>

#include <csignal>
#include <map>

namespace wskit {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// At exit, how long what is still buffered may take to be written.
constexpr auto stdout_grace = 150ms;
// After SIGINT/SIGTERM, how long the pairs' close handshakes may take.
constexpr auto close_grace = 1000ms;

class ProxySession {
public:
    explicit ProxySession(const ProxyOptions& o) : o_(o), access_(for_server(o.access, o.server)) {
        detail::Console::Options console;
        console.output = o.output;
        console.output.show_conn = true;
        console.output.show_outgoing = true;  // what the proxy injects itself
        // The relay never waits for stdout: a stalled reader costs lines,
        // counted and reported, as on the other servers.
        console.overflow = detail::Overflow::drop;
        console.interactive = o.interactive;
        console_ = std::make_unique<detail::Console>(
            loop_, std::move(console),
            detail::Console::Handlers{[this](std::vector<Message>& batch) { on_input(batch); },
                                      [this](std::optional<std::string>) {
                                          if (o_.interactive) stop(0);
                                      },
                                      [this] { console_->diagnostic("standard output is gone; going on without it"); },
                                      {}});

        ServerOptions server = o.server;
        if (o.once) server.max_clients = 1;
        server.answer_pings = false;  // pings cross; the other side answers them
        // The upgrade waits for the upstream's answer, which may take the
        // whole --connect-timeout.
        server.handshake_timeout = std::max(server.handshake_timeout, o.upstream.open_timeout + 2s);
        Server::Handlers handlers;
        handlers.on_event = [this](Event& e) { on_client_event(e); };
        handlers.on_handshake = [this](const HttpRequest& req) {
            return access_.refuse_handshake(req, Clock::now(), [this](const std::string& line) { console_->diagnostic(line); });
        };
        handlers.on_upgrade = [this](ConnId id, const HttpRequest& req) { on_upgrade(id, req); };
        if (o.verbosity >= 1)
            handlers.on_answer = [this](const HttpRequest& req, const std::vector<CheckResult>&, const ResponseHead& head) {
                show_answer(req, head);
            };
        handlers.on_warning = [this](const std::string& line) { console_->diagnostic(line); };
        server_ = std::make_unique<Server>(loop_, server, std::move(handlers));
        if (o.record) recorder_ = Recorder::open(*o.record);
        host_ = std::make_unique<detail::PairHost>(detail::PairHost{
            loop_, *server_, o_,
            [this](const Event& e) {
                if (recorder_) recorder_->record(e);
                console_->print(e);
            },
            [this](const Event& e, const RecordedHandshake& handshake) {
                if (recorder_) recorder_->opened(e, handshake);
                console_->print(e);
            },
            [this](const std::string& line) { console_->status_line(line); },
            [this](ConnId id, int code) { on_pair_done(id, code); }});
    }

    int run() {
        server_->listen();
        // Watched before the announcement: a script may signal as soon as it reads it.
        loop_.on_signals([this](int signo) { stop(to_int(exit_code_for_signal(signo))); });
        console_->announce(server_->url());
        console_->status_line("forwarding to " + o_.upstream.url.str());
        if (o_.slash || o_.interactive) console_->start_input();
        loop_.run();
        pairs_.clear();
        result_ = finish_recording(recorder_.get(), result_, [this](const std::string& line) { console_->diagnostic(line); });
        console_->drain(Clock::now() + stdout_grace);
        if (auto dropped = console_->dropped_records())
            console_->diagnostic(fmt::format("{} lines of output were dropped: standard output did not keep up", dropped));
        return result_;
    }

private:
    // --- pairs ------------------------------------------------------------

    void on_upgrade(ConnId id, const HttpRequest& req) {
        if (o_.verbosity >= 1) {
            show_request(id, req);
            answering_[req.remote] = id;
        }
        ++upgrades_;
        if (o_.faults.refuse_every && upgrades_ % o_.faults.refuse_every == 0) {
            console_->status_line(fmt::format("#{} refused with 503 (--refuse-every {})", id, o_.faults.refuse_every));
            server_->answer_upgrade(id, {HttpResponse{503, {{"Retry-After", "1"}}, "Refused on purpose (wskit proxy --refuse-every).\n"}, {}, {}});
            return;
        }
        if (stopping_) return server_->answer_upgrade(id, {HttpResponse{503, {}, "The proxy is shutting down.\n"}, {}, {}});
        // The proxy's --token is its own: the server behind it never sees it.
        auto pair = std::make_unique<detail::ProxyPair>(*host_, id, o_.access.token.empty() ? req : without_token(req));
        auto& started = *pairs_.emplace(id, std::move(pair)).first->second;
        started.start();
    }

    void on_client_event(Event& e) {
        if (e.type == EventType::all_closed) return stop_if_done();
        if (e.type == EventType::error) forget_answer(e.conn);  // gone before its answer was written
        auto it = pairs_.find(e.conn);
        if (it == pairs_.end()) {
            // A refused upgrade's client leaving, and the like.
            if (e.type != EventType::drained && e.type != EventType::error) console_->print(e);
            return;
        }
        it->second->on_client_event(e);
    }

    // Both legs are over. The pair goes from the loop: it may be inside its
    // own upstream's handler now.
    void on_pair_done(ConnId id, int client_code) {
        loop_.post([this, id] {
            pairs_.erase(id);
            stop_if_done();
        });
        if (o_.once && !stopping_) {
            result_ = to_int(exit_code_for_close(client_code));
            stop(result_);
        }
    }

    // -v: the client's request and the answer it got, on stderr, "C> " and
    // "C< " as the leg's messages are shown.
    void show_request(ConnId id, const HttpRequest& req) {
        auto line = [&](const std::string& text) { console_->status_line(fmt::format("#{} C> {}", id, escape_controls(text))); };
        line(fmt::format("{} {} {}", req.method, req.resource, req.version));
        for (const auto& h : req.headers) line(h.name + ": " + h.value);
    }

    void show_answer(const HttpRequest& req, const ResponseHead& head) {
        auto it = answering_.find(req.remote);
        if (it == answering_.end()) return;
        auto id = it->second;
        answering_.erase(it);
        auto line = [&](const std::string& text) { console_->status_line(fmt::format("#{} C< {}", id, escape_controls(text))); };
        line(fmt::format("{} {} {}", head.version, head.status, head.reason));
        for (const auto& h : head.headers) line(h.name + ": " + h.value);
    }

    void forget_answer(ConnId id) {
        for (auto it = answering_.begin(); it != answering_.end(); ++it)
            if (it->second == id) return void(answering_.erase(it));
    }

    // --- slash commands -------------------------------------------------------

    void on_input(std::vector<Message>& batch) {
        for (auto& m : batch) run_command(parse_proxy_command(m.payload));
    }

    void run_command(ProxyCommand c) {
        using K = ProxyCommand::Kind;
        auto pair = [&]() -> detail::ProxyPair* {
            auto it = pairs_.find(c.target);
            if (it == pairs_.end()) console_->diagnostic(fmt::format("no pair #{} (type /list)", c.target));
            return it == pairs_.end() ? nullptr : it->second.get();
        };
        switch (c.kind) {
            case K::send:
                if (auto* p = pair()) p->inject(c.to, std::move(c.message));
                return;
            case K::close:
                if (auto* p = pair()) p->close(c.close_code, c.close_reason);
                return;
            case K::list: return list_pairs();
            case K::quit: return stop(0);
            case K::help: return console_->info(format_slash_help(proxy_slash_commands()));
            case K::invalid: return console_->diagnostic(c.error);
        }
    }

    void list_pairs() {
        if (pairs_.empty()) return console_->info("no clients");
        std::string table;
        auto now = Clock::now();
        for (const auto& [id, p] : pairs_) table += p->describe(now) + "\n";
        console_->info(table);
    }

    // --- ending -----------------------------------------------------------------

    // SIGINT/SIGTERM, /quit, --once's pair gone: every pair is closed with
    // 1001 on both legs; the loop stops once all are over, or after a grace.
    void stop(int code) {
        if (stopping_) return loop_.stop();  // a second signal: go now
        stopping_ = true;
        if (!o_.once || result_ == 0) result_ = code;
        for (auto& [id, p] : pairs_) p->close(1001, "proxy shutting down");
        server_->shutdown(1001, "proxy shutting down");
        loop_.after(close_grace, [this] { loop_.stop(); });
    }

    void stop_if_done() {
        if (stopping_ && pairs_.empty() && server_->connection_count() == 0) loop_.stop();
    }

    const ProxyOptions& o_;
    AccessGate access_;
    EventLoop loop_;
    std::unique_ptr<detail::Console> console_;
    std::unique_ptr<Recorder> recorder_;  // --record
    std::unique_ptr<Server> server_;
    std::unique_ptr<detail::PairHost> host_;
    std::map<ConnId, std::unique_ptr<detail::ProxyPair>> pairs_;  // ordered, for /list
    // -v: the clients whose answer is still to be shown, by address (what
    // on_answer knows of a request), until it is written or they are gone.
    std::map<std::string, ConnId> answering_;
    std::size_t upgrades_ = 0;
    bool stopping_ = false;
    int result_ = 0;
};

}  // namespace

int run_proxy(const ProxyOptions& options) {
    std::signal(SIGPIPE, SIG_IGN);
    ProxySession session(options);
    return session.run();
}

}  // namespace wskit
