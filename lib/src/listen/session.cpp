// The `wskit listen` session: clients -> stdout, stdin -> clients.
#include "term/console.hpp"
#include "serve/shutdown.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/handshake_check.hpp>
#include <wskit/tool/listen.hpp>
#include <wskit/tool/slash.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <map>

namespace wskit {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// What /list shows of a client.
struct ClientInfo {
    std::string peer;
    std::string path;
    std::string subprotocol;
    Clock::time_point since = Clock::now();
    std::uint64_t messages_in = 0;
    std::uint64_t messages_out = 0;
};

std::string format_age(Clock::duration d) {
    auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
    if (s < 60) return fmt::format("{}s", s);
    if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
    return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
}

class ListenSession {
public:
    explicit ListenSession(const ListenOptions& o) : o_(o), access_(for_server(o.access, o.server)) {
        detail::Console::Options console;
        console.output = o.output;
        console.output.show_conn = true;
        console.overflow = detail::Overflow::keep;  // what clients send is the data: nothing is dropped
        console.interactive = o.interactive;
        console.framing = o.framing;
        console.encoding = o.encoding;
        console_ = std::make_unique<detail::Console>(
            loop_, std::move(console),
            detail::Console::Handlers{[this](std::vector<Message>& batch) { on_input(batch); },
                                      [this](std::optional<std::string> error) { on_input_end(std::move(error)); },
                                      [this] { on_output_closed(); }, [this] { set_reading(true); }});
        show_outgoing_ = o.output.show_outgoing || o.output.format == OutputFormat::json;
        if (o.record) recorder_ = Recorder::open(*o.record);

        ServerOptions server = o.server;
        if (o.once) server.max_clients = 1;
        Server::Handlers handlers;
        handlers.on_event = detail::stop_loop_when_all_closed(loop_, [this](const Event& e) { on_event(e); });
        handlers.on_handshake = [this](const HttpRequest& req) -> std::optional<HttpResponse> {
            auto say = [this](const std::string& line) { console_->diagnostic(line); };
            if (auto refusal = access_.refuse_handshake(req, Clock::now(), say)) return refusal;
            if (bridge_) return bridge_->on_handshake(req);
            return std::nullopt;
        };
        handlers.on_warning = [this](const std::string& line) { console_->diagnostic(line); };
        // Their lines come prefixed: "#3 ..." about a client, "wskit: ..." of their own.
        auto bridge_line = [this](const std::string& line) { console_->status_line(line); };
        if (o.exec) {
            ExecOptions exec = *o.exec;
            exec.max_message = server.max_message_size;
            bridge_ = std::make_unique<ExecBridge>(loop_, exec, bridge_line);
        } else if (o.to) {
            bridge_ = std::make_unique<TcpBridge>(loop_, *o.to, bridge_line);
        } else if (o.replay) {
            auto replay = std::make_unique<ReplayBridge>(loop_, *o.replay, bridge_line);
            // The recorded server's choice, when a client offers it.
            if (!replay->subprotocol().empty()) {
                server.subprotocols = {replay->subprotocol()};
                server.answer_first_offer = false;
            }
            server.upgrade_headers = replay->upgrade_headers();
            bridge_ = std::move(replay);
        }
        server_ = std::make_unique<Server>(loop_, server, std::move(handlers));
        if (bridge_) bridge_->attach(*server_);
    }

    int run() {
        server_->listen();
        for (const auto& warning : exposure_warnings(o_)) console_->diagnostic(warning);
        // Watched before the announcement: a script may signal as soon as it reads it.
        loop_.on_signals([this](int signo) { on_signal(signo); });
        console_->announce(server_->url());
        if (!bridge_) console_->start_input();
        loop_.run();
        finish(stop_code_);
        result_ = finish_recording(recorder_.get(), result_, [this](const std::string& line) { console_->diagnostic(line); });
        int signo = 0;
        // Clients' messages are the data: a slow reader gets them all, unless
        // a signal says to stop now.
        auto deadline = result_ >= 128 ? std::optional(Clock::now() + 150ms) : std::nullopt;
        if (console_->drain(deadline, &signo) == detail::FdSink::Drain::interrupted && result_ < 128)
            result_ = to_int(exit_code_for_signal(signo));
        return result_;
    }

private:
    // --- clients ----------------------------------------------------------

    void on_event(const Event& e) {
        if (bridge_) return on_bridge_event(e);
        record(e);
        console_->print(e);
        switch (e.type) {
            case EventType::open: on_open(e); break;
            case EventType::message:
                if (auto it = clients_.find(e.conn); it != clients_.end()) ++it->second.messages_in;
                break;
            case EventType::close:
                clients_.erase(e.conn);
                update_backlog();
                break;
            case EventType::drained: update_backlog(); break;
            default: break;
        }
        if (console_->output_backed_up()) set_reading(false);
        if (e.type == EventType::close && o_.once) finish(to_int(exit_code_for_close(e.code)));
    }

    // -v: the client's handshake request on stderr, curl -v style ("< " for
    // what came in), each line with the client's id.
    void show_request(ConnId id) {
        auto req = server_->request(id);
        if (!req) return;
        auto line = [&](const std::string& text) { console_->status_line(fmt::format("#{} < {}", id, escape_controls(text))); };
        line(fmt::format("{} {} {}", req->method, req->resource, req->version));
        for (const auto& h : req->headers) line(h.name + ": " + h.value);
    }

    // --exec, --to: messages are the bridge's business (its processes',
    // its TCP connections'); connections are shown.
    void on_bridge_event(const Event& e) {
        if (e.type == EventType::open && o_.verbosity >= 1) show_request(e.conn);
        bridge_->on_event(e);
        if (e.type == EventType::open || e.type == EventType::close || e.type == EventType::error) console_->print(e);
        if (e.type == EventType::close && o_.once) finish(to_int(exit_code_for_close(e.code)));
    }

    void on_open(const Event& e) {
        if (o_.verbosity >= 1) show_request(e.conn);
        auto& c = clients_[e.conn];
        c.peer = e.peer;
        c.path = e.resource;
        c.subprotocol = e.subprotocol;
        if (!reading_) server_->pause_reading(e.conn);
        // What was read before anyone was there goes to the first client.
        for (auto& m : held_) send(e.conn, std::move(m));
        held_.clear();
        held_bytes_ = 0;
        update_backlog();
    }

    void set_reading(bool on) {
        if (reading_ == on) return;
        reading_ = on;
        for (const auto& [id, c] : clients_) on ? server_->resume_reading(id) : server_->pause_reading(id);
    }

    void send(ConnId id, Message m) {
        auto it = clients_.find(id);
        if (it == clients_.end()) return;
        ++it->second.messages_out;
        show_outgoing(id, m);
        server_->send(id, std::move(m));
    }

    void broadcast(const Message& m) {
        if (clients_.empty()) {
            held_bytes_ += m.payload.size();
            held_.push_back(m);
            return;
        }
        show_outgoing(0, m);
        std::vector<ConnId> ids;
        for (auto& [id, c] : clients_) {
            ++c.messages_out;
            ids.push_back(id);
        }
        if (m.opcode == Opcode::ping) {
            for (auto id : ids) server_->send(id, m);
            return;
        }
        // Framed once, queued as is for every client.
        server_->broadcast(ids, server_->prepare(m));
    }

    // A message sent to one client (id), or to all (0: recorded for each).
    void show_outgoing(ConnId id, const Message& m) {
        if (!show_outgoing_ && !recorder_) return;
        Event e;
        e.type = m.opcode == Opcode::ping ? EventType::ping : EventType::message;
        e.direction = Direction::out;
        e.conn = id;
        e.message = m;
        if (show_outgoing_) console_->print(e);
        if (!recorder_) return;
        if (id) return record(e);
        for (const auto& [client, c] : clients_) {
            e.conn = client;
            record(e);
        }
    }

    void record(const Event& e) {
        if (!recorder_) return;
        if (e.type != EventType::open) return recorder_->record(e);
        if (auto request = server_->request(e.conn)) recorder_->opened(e, served_handshake(*request, e));
    }

    // --- input ------------------------------------------------------------

    void on_input(std::vector<Message>& batch) {
        for (auto& m : batch) {
            if (input_stopped_) break;
            ++units_read_;
            if (o_.slash && m.opcode == Opcode::text) {
                run_command(parse_listen_command(m.payload));
                continue;
            }
            if (auto problem = text_input_problem(m, fmt::format("input message {}", units_read_)); !problem.empty()) {
                stop_input(problem);
                break;
            }
            broadcast(m);
        }
        update_backlog();
    }

    void run_command(ListenCommand c) {
        using K = ListenCommand::Kind;
        switch (c.kind) {
            case K::message:
            case K::binary: return broadcast(c.message);
            case K::to:
                if (!clients_.count(c.target)) return no_such_client(c.target);
                return send(c.target, std::move(c.message));
            case K::ping:
                if (c.target == 0) {
                    if (clients_.empty()) return console_->info("no clients");
                    return broadcast(c.message);
                }
                if (!clients_.count(c.target)) return no_such_client(c.target);
                return send(c.target, std::move(c.message));
            case K::kick:
                if (!clients_.count(c.target)) return no_such_client(c.target);
                return server_->close(c.target, c.close_code, c.close_reason);
            case K::close:
                for (const auto& [id, info] : clients_) server_->close(id, c.close_code, c.close_reason);
                return;
            case K::list: return list_clients();
            case K::quit: return on_signal(0);
            case K::help: return console_->info(format_slash_help(listen_slash_commands()));
            case K::invalid: return console_->diagnostic(c.error);
        }
    }

    void no_such_client(ConnId id) {
        console_->diagnostic(fmt::format("no client #{} (type /list)", id));
    }

    void list_clients() {
        if (clients_.empty()) return console_->info("no clients");
        auto now = Clock::now();
        std::string table;
        for (const auto& [id, c] : clients_) {
            table += fmt::format("#{} {} path {} subprotocol {} connected {} messages in {} out {}\n", id, c.peer,
                                 escape_controls(c.path), c.subprotocol.empty() ? "-" : escape_controls(c.subprotocol),
                                 format_age(now - c.since), c.messages_in, c.messages_out);
        }
        console_->info(table);
    }

    // Input is read as fast as the quickest client takes it: a client that
    // stops reading does not hold the others back; its backlog grows to the
    // server's cap and it is closed with 1008. With no client, what is held
    // for the first one counts.
    void update_backlog() {
        std::size_t backlog = held_bytes_;
        if (!clients_.empty()) {
            backlog = SIZE_MAX;
            for (const auto& [id, c] : clients_) backlog = std::min(backlog, server_->buffered_amount(id));
        }
        // Above the reader's mark, it waits for a client's drained event
        // (or the slowest client leaving) to call this again.
        console_->set_backlog(backlog);
    }

    void stop_input(const std::string& why) {
        input_stopped_ = true;
        console_->diagnostic(why);
    }

    // The end of piped input does not end the session: clients may still
    // talk, and those that arrive later still get what was held for them.
    // Ctrl-D at the terminal is a person saying "done", as /quit.
    void on_input_end(std::optional<std::string> error) {
        if (error) stop_input(*error);
        if (o_.interactive) on_signal(0);
    }

    // --- ending -----------------------------------------------------------

    // The reader of stdout went away (| head -1): nothing more can be shown,
    // so the session ends as on /quit; a failed write (a full disk) is exit 1.
    void on_output_closed() {
        if (console_->output_failed())
            console_->diagnostic(fmt::format("cannot write to standard output: {}", console_->output_error()));
        exit_override_ = console_->output_failed() ? to_int(ExitCode::runtime) : 0;
        set_reading(true);
        on_signal(0);
    }

    // SIGINT/SIGTERM (or /quit, signo 0): every client gets 1001.
    void on_signal(int signo) {
        int code = signo == 0 ? 0 : to_int(exit_code_for_signal(signo));
        if (stopping_) return finish(code);  // a second signal: go now
        stopping_ = true;
        stop_code_ = code;
        detail::shut_down_then_stop(loop_, *server_);
    }

    void finish(int code) {
        if (finished_) return;
        finished_ = true;
        result_ = exit_override_.value_or(code);
        if (result_ == 0 && input_stopped_) result_ = to_int(ExitCode::runtime);
        if (!stopping_) server_->shutdown(1001, "server shutting down");
        loop_.stop();
    }

    const ListenOptions& o_;
    AccessGate access_;
    EventLoop loop_;
    std::unique_ptr<detail::Console> console_;
    std::unique_ptr<Recorder> recorder_;  // --record
    std::unique_ptr<ClientBridge> bridge_;  // --exec, --to; outlives the server's connections
    std::unique_ptr<Server> server_;
    std::map<ConnId, ClientInfo> clients_;  // ordered, for /list
    std::vector<Message> held_;             // read before the first client came
    std::size_t held_bytes_ = 0;
    bool reading_ = true;                   // clients are read (stdout keeps up)
    bool show_outgoing_ = false;
    bool input_stopped_ = false;  // bad input: the rest is not sent, and the exit status is 1
    std::size_t units_read_ = 0;
    bool stopping_ = false;
    int stop_code_ = 0;
    bool finished_ = false;
    std::optional<int> exit_override_;
    int result_ = 0;
};

}  // namespace

std::vector<std::string> exposure_warnings(const ListenOptions& o) {
    std::vector<std::string> out;
    // What a visitor gets at: "run 'bash'", "reach tcp:127.0.0.1:22".
    std::string option, what;
    if (o.exec && !o.exec->command.empty()) {
        option = "--exec";
        what = "run '" + escape_controls(o.exec->command.front()) + "'";
    } else if (o.to) {
        option = "--to";
        what = "reach " + escape_controls(o.to->target.text());
    } else {
        return out;
    }
    const auto& origins = o.access.origins;
    bool any_page = std::find(origins.begin(), origins.end(), "*") != origins.end();
    if (any_page)
        out.push_back(fmt::format("warning: --origin '*' with {}: any web page a browser here visits can {} through "
                                  "this server; list the pages' origins instead",
                                  option, what));
    bool controlled = !o.access.token.empty() || (!origins.empty() && !any_page);
    if (!is_loopback_host(o.server.host) && !controlled)
        out.push_back(fmt::format("warning: {} on {}, which is not loopback: anyone who can reach the port can {}; "
                                  "require a secret with --token SECRET (or bind 127.0.0.1)",
                                  option, escape_controls(o.server.host), what));
    return out;
}

int run_listen(const ListenOptions& options) {
    std::signal(SIGPIPE, SIG_IGN);
    ListenSession session(options);
    return session.run();
}

}  // namespace wskit
