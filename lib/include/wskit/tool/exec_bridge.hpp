// `wskit listen --exec CMD [ARGS...]`: websocketd's model. Each client gets
// its own process of CMD; each line the process writes on stdout is a message
// to its client, each message from the client a line on the process's stdin.
//
// - The process's environment is CGI's and websocketd's (REMOTE_ADDR,
//   QUERY_STRING, HTTP_* for every header...; see wskit-listen(1)), with only
//   a few of wskit's own variables (PATH, HOME, the locale...).
// - Its stderr goes to wskit's stderr, a line at a time, prefixed with the
//   client's id ("#3 ") and escaped; or to the client, or nowhere.
// - The client leaves: the process gets EOF on stdin, SIGTERM after
//   kill_after, SIGKILL kill_after later (to its whole process group).
// - The process exits: once its last stdout lines are sent, the client gets
//   close 1000, or 1011 with a non-zero status or a signal.
// - Neither side outgrows memory: a client that does not read pauses the
//   reading of its process's stdout (so the process blocks on its writes),
//   and a process that does not read its stdin pauses the reading from its
//   client; past a hard cap the client is closed with 1008.
#pragma once

#include <wskit/event.hpp>
#include <wskit/export.hpp>
#include <wskit/loop.hpp>
#include <wskit/server.hpp>
#include <wskit/tool/bridge.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wskit {

// Where an --exec process's stderr lines go.
enum class ExecStderr {
    log,     // wskit's stderr, after the client's id
    client,  // the client, as messages like its stdout lines (a REPL's tracebacks and prompts)
    ignore,
};

struct ExecOptions {
    std::vector<std::string> command;  // CMD and its arguments
    bool pty = false;                  // stdin and stdout on a pseudo-terminal
    bool binary = false;               // stdout lines go as binary messages
    std::chrono::milliseconds kill_after{1000};
    // The close code when the process exits with another status than 0 or
    // is killed by a signal (1011: an error on the server's side).
    int error_close_code = 1011;
    std::size_t max_forks = 0;         // most live processes; 0: no limit
    ExecStderr stderr_to = ExecStderr::log;  // a person watching wskit sees what went wrong
    // The server's largest message (--max-size): a longer stdout line is
    // sent in pieces of this size, cut between UTF-8 characters.
    std::size_t max_message = 16u << 20;
};

// The path CMD runs from (looked up in PATH like a shell), or throws
// Error(usage) saying that it is not an executable program.
WSKIT_API std::string resolve_exec_program(const std::string& command);

class WSKIT_API ExecBridge final : public ClientBridge {
public:
    // One line for wskit's stderr, without its newline: a process's stderr
    // line ("#3 ..."), or a diagnostic ("wskit: ...").
    using Diagnostic = std::function<void(const std::string& line)>;

    // Checks that the command can be run (throws Error(usage) if not).
    ExecBridge(EventLoop& loop, ExecOptions options, Diagnostic diagnostic);
    // Ends every process left (SIGTERM, SIGKILL after kill_after) and waits
    // for each: nothing is left running, and no zombie.
    ~ExecBridge() override;
    ExecBridge(const ExecBridge&) = delete;
    ExecBridge& operator=(const ExecBridge&) = delete;

    // The server the clients come from; before it starts listening.
    void attach(Server& server) override;
    // open starts a process, a message goes to its stdin, close ends it.
    void on_event(const Event& e) override;
    // A 503 when max_forks processes are running (those whose client has left
    // and that are still ending count too), or nullopt.
    std::optional<HttpResponse> on_handshake(const HttpRequest& request) override;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace wskit
