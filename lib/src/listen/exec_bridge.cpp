#include "process/cgi_env.hpp"
#include "process/child_process.hpp"

#include <wskit/backpressure.hpp>
#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/tool/exec_bridge.hpp>

#include <fmt/format.h>

#include <cstdlib>
#include <unordered_map>

namespace wskit {
namespace {

using namespace std::chrono_literals;

// Above this many unsent bytes to a client, its process's stdout is no longer
// read (the process then blocks on its writes), until the client has read
// them all (the server's drained event): the server's own high mark.
constexpr std::size_t stdout_high_mark = default_high_mark;

// "ws://127.0.0.1:9000/" -> {"127.0.0.1", tls false}; the port is the server's
// (0 on a Unix socket, whose clients' Host is localhost).
detail::CgiServer cgi_server(const Server& server) {
    detail::CgiServer s;
    std::string url = server.url();
    s.tls = url.rfind("wss", 0) == 0;
    if (url.find("+unix://") != std::string::npos) {  // no host and no port: the name clients give
        s.host = "localhost";
        return s;
    }
    auto start = url.find("://") + 3;
    auto end = url.rfind(':');
    s.host = url.substr(start, end - start);
    if (s.host.size() >= 2 && s.host.front() == '[') s.host = s.host.substr(1, s.host.size() - 2);
    s.port = server.port();
    return s;
}

}  // namespace

std::string resolve_exec_program(const std::string& command) {
    const char* path = std::getenv("PATH");
    auto found = detail::find_program(command, path ? path : "/usr/local/bin:/usr/bin:/bin");
    if (found.empty())
        throw Error(ExitCode::usage,
                    fmt::format("--exec: '{}' is not an executable program{} (give its path, or check the name)",
                                escape_controls(command),
                                command.find('/') == std::string::npos ? " in PATH" : ""));
    return found;
}

struct ExecBridge::Impl {
    struct Client {
        std::shared_ptr<detail::ChildProcess> child;
        bool connected = true;
        bool closing = false;  // closed by the bridge: its messages are dropped
        bool stdout_held = false;  // its output waits for the client's drained event
    };

    Impl(EventLoop& l, ExecOptions o, ExecBridge::Diagnostic d)
        : loop(l), diagnostic(std::move(d)), options(std::move(o)), children(l), parent_env(detail::current_environment()) {
        if (options.command.empty()) throw Error(ExitCode::usage, "--exec needs a command");
        program = resolve_exec_program(options.command.front());
        children.set_kill_grace(options.kill_after);
    }

    void open(const Event& e) {
        ConnId id = e.conn;
        if (options.max_forks && children.live() >= options.max_forks) {
            // Two handshakes accepted at once may both have passed on_handshake.
            server->close(id, 1013, "too many processes; try again later");
            return;
        }
        auto request = server->request(id);
        if (!request) return;
        detail::ChildSpec spec;
        spec.program = program;
        spec.argv = options.command;
        spec.env = detail::cgi_environment(*request, cgi_server(*server), id, parent_env);
        spec.pty = options.pty;
        spec.max_line = options.max_message;
        detail::ChildProcess::Handlers h;
        h.on_stdout_line = [this, id](std::string line) { stdout_line(id, std::move(line)); };
        h.on_stderr_line = [this, id](std::string line) { stderr_line(id, std::move(line)); };
        h.on_stdin_full = [this, id](bool full) {
            if (full)
                server->pause_reading(id);
            else
                server->resume_reading(id);
        };
        h.on_exit = [this, id](detail::ExitStatus status) { exited(id, status); };
        try {
            clients[id].child = children.spawn(spec, std::move(h));
        } catch (const Error& err) {
            clients.erase(id);
            diagnostic(fmt::format("wskit: #{}: {}", id, err.what()));
            server->close(id, 1011, "cannot start the process");
        }
    }

    void message(const Event& e) {
        auto it = clients.find(e.conn);
        if (it == clients.end() || !it->second.child || it->second.closing) return;
        auto& child = *it->second.child;
        std::string line;
        line.reserve(e.message.payload.size() + 1);
        line.append(e.message.payload).push_back('\n');
        child.write(std::move(line));
        // Reading from the client pauses above the high mark (on_stdin_full);
        // what was read before that still arrives, up to about a message.
        if (child.stdin_queued() > stdin_cap()) {
            it->second.closing = true;
            server->close(e.conn, 1008, "the process is not reading its input");
        }
    }

    void closed(const Event& e) {
        auto it = clients.find(e.conn);
        if (it == clients.end()) return;
        auto& c = it->second;
        c.connected = false;
        c.stdout_held = false;
        if (c.child && !c.child->exited()) {
            c.child->read_stdout(true);  // its output is dropped now, never waited for
            c.child->stop(options.kill_after);
        } else {
            clients.erase(it);
        }
    }

    void stdout_line(ConnId id, std::string line) {
        auto it = clients.find(id);
        if (it == clients.end() || !it->second.connected) return;
        Message m;
        // A line that is not UTF-8 would make the client fail the connection
        // (1007) as a text message: it goes as binary instead.
        m.opcode = options.binary || !is_valid_utf8(line) ? Opcode::binary : Opcode::text;
        m.payload = std::move(line);
        server->send(id, std::move(m));
        if (!it->second.stdout_held && server->buffered_amount(id) > stdout_high_mark) {
            it->second.stdout_held = true;
            it->second.child->read_stdout(false);
        }
    }

    void stderr_line(ConnId id, std::string line) {
        switch (options.stderr_to) {
            case ExecStderr::log: return diagnostic(fmt::format("#{} {}", id, escape_controls(line)));
            case ExecStderr::client: return stdout_line(id, std::move(line));
            case ExecStderr::ignore: return;
        }
    }

    // The client has read everything sent to it: its process may talk again.
    void drained(ConnId id) {
        auto it = clients.find(id);
        if (it == clients.end() || !it->second.stdout_held) return;
        it->second.stdout_held = false;
        if (it->second.child) it->second.child->read_stdout(true);
    }

    void exited(ConnId id, detail::ExitStatus status) {
        auto it = clients.find(id);
        if (it == clients.end()) return;
        if (!it->second.connected) {
            clients.erase(it);
            return;
        }
        if (!status.success())
            diagnostic(fmt::format("wskit: #{}: {} {}", id, escape_controls(options.command.front()),
                                           detail::describe(status)));
        // Its last lines were sent before this: the close frame follows them.
        server->close(id, status.success() ? 1000 : options.error_close_code,
                      status.success() ? "" : "process " + detail::describe(status));
        it->second.child.reset();
    }

    std::size_t stdin_cap() const {
        return detail::ChildProcess::stdin_high_mark + options.max_message + (1u << 20);
    }

    EventLoop& loop;
    ExecBridge::Diagnostic diagnostic;
    ExecOptions options;
    std::string program;
    Server* server = nullptr;
    // Declared before clients: destroyed after them, it ends the processes.
    detail::ChildProcesses children;
    std::unordered_map<ConnId, Client> clients;  // until the client has left and its process ended
    std::vector<std::string> parent_env;
};

ExecBridge::ExecBridge(EventLoop& loop, ExecOptions options, Diagnostic diagnostic)
    : impl_(std::make_unique<Impl>(loop, std::move(options), std::move(diagnostic))) {}
ExecBridge::~ExecBridge() = default;

void ExecBridge::attach(Server& server) { impl_->server = &server; }

void ExecBridge::on_event(const Event& e) {
    if (!impl_->server) return;
    switch (e.type) {
        case EventType::open: impl_->open(e); break;
        case EventType::message: impl_->message(e); break;
        case EventType::close: impl_->closed(e); break;
        case EventType::drained: impl_->drained(e.conn); break;
        default: break;
    }
}

std::optional<HttpResponse> ExecBridge::on_handshake(const HttpRequest& request) {
    std::size_t max = impl_->options.max_forks;
    if (!max || impl_->children.live() < max) return std::nullopt;
    impl_->diagnostic(fmt::format("wskit: refused a client from {}: {} processes running (--max-forks)",
                                          escape_controls(request.remote), max));
    return HttpResponse{503,
                        {{"Content-Type", "text/plain; charset=utf-8"}, {"Retry-After", "1"}},
                        fmt::format("Too many processes: at most {} at once.\n", max)};
}

}  // namespace wskit
