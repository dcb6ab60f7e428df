// --exec: the options of the websocketd-style bridge, registered by listen
// (see ExecBridge in the library for what they do), and of its client-side
// twin, registered by connect (run_exec_client).
#include "commands.hpp"

#include <cmath>

namespace wskit::cli {

ExecOptions ExecFlags::resolve(bool binary) const {
    ExecOptions o;
    o.command.push_back(command);
    o.command.insert(o.command.end(), args.begin(), args.end());
    o.pty = pty;
    o.binary = binary;
    o.kill_after = std::chrono::milliseconds(std::llround(kill_after * 1000));
    o.max_forks = max_forks;
    o.error_close_code = error_code;
    o.stderr_to = stderr_to == "client" || stderr_to == "server" ? ExecStderr::client
                  : stderr_to == "ignore" ? ExecStderr::ignore
                                          : ExecStderr::log;
    return o;
}

namespace {

// listen's --exec, websocketd's model.
const char* listen_exec_help() {
    return "Turn listen into a bridge to a program, as websocketd does: each client gets its own process of CMD, "
        "run with ARGS (everything after CMD on the command line belongs to it, so --exec comes last: "
        "'wskit listen 9000 --exec python3 -u game.py --level 2'). Each line the process writes on stdout is "
        "sent to its client as a text message (binary with --binary; a line that is not UTF-8 goes as binary "
        "too, so that no client fails the connection on it), and a line longer than --max-size goes in pieces "
        "of that size. Each message from the client is written to the process's stdin followed by a newline. "
        "Each line the process writes on stderr is printed on wskit's stderr after the client's id ('#3 ...'), "
        "escaped (see --exec-stderr for sending it to the client instead). The environment holds what CGI and "
        "websocketd give: REMOTE_ADDR, REMOTE_HOST, REMOTE_PORT, "
        "SERVER_NAME (from the Host header), SERVER_PORT, SERVER_SOFTWARE, SERVER_PROTOCOL, GATEWAY_INTERFACE, "
        "REQUEST_METHOD, REQUEST_URI, SCRIPT_NAME (empty), PATH_INFO (the path, decoded), QUERY_STRING, SCHEME "
        "(ws or wss), HTTPS (on with wss), HTTP_NAME for every request header (upper case, dashes made "
        "underscores, repeated headers joined with ', '; never HTTP_PROXY) and WSKIT_CONN_ID (the client's id); "
        "no value holds a control character from the request: in headers they become spaces, in REQUEST_URI and "
        "QUERY_STRING they are percent-encoded, and PATH_INFO leaves them encoded (%0A stays %0A), so that a "
        "script reading its environment line by line finds no forged variable. "
        "Of wskit's own environment only PATH, HOME, USER, LOGNAME, SHELL, LANG, LC_ALL, LC_CTYPE, TZ, TMPDIR "
        "and LD_LIBRARY_PATH are passed on: the rest may hold secrets. The process runs in its own session and "
        "process group, with only stdin, stdout and stderr open, and WSKIT_EXEC_TAG in its environment, which "
        "what it starts inherits. When the client leaves, the process gets EOF "
        "on stdin, SIGTERM after --kill-after, then SIGKILL as long again later (each sent to every process of "
        "its session, and to those that left it with setsid but carry its WSKIT_EXEC_TAG, so a shell's children "
        "and daemons end too); what it still writes is dropped. When it exits, what it left running is killed. "
        "When the process exits, its "
        "last lines are sent and the client gets close 1000, or 1011 when it exited with another status than 0 "
        "or was killed by a signal (said on stderr too). Nothing is buffered without bounds: a client that does "
        "not read stops wskit reading its process's stdout, so that the process blocks on its writes; a process "
        "that does not read its stdin stops wskit reading from its client, and a client still far ahead is "
        "closed with 1008. Only connections are printed on stdout (open and close with their id), in the chosen "
        "output format. SIGINT or SIGTERM ends every process the same way and waits for each: none is left "
        "running, and none as a zombie. Recipes: 'wskit listen 9000 --exec cat' is an echo server with a process "
        "per client; 'wskit listen 9000 --exec sh -c \"tail -n 0 -f /var/log/app.log\"' follows a log in every "
        "browser that connects. A program that writes into a pipe in blocks answers late or only when it exits: "
        "use --pty, or make it flush each line (python3 -u, stdbuf -oL for C programs, fflush). A script learns "
        "who it serves from its environment: the path in PATH_INFO, the parameters in QUERY_STRING, a token in "
        "HTTP_AUTHORIZATION. To send one program's output to every client instead, pipe it into wskit listen "
        "without --exec.";
}

const char* connect_exec_help() {
    return "Instead of a session on standard input and output, run CMD with ARGS once the connection is open "
           "(everything after CMD on the command line belongs to it, so --exec comes last: 'wskit connect "
           "wss://example.test/feed --exec python3 -u bot.py --verbose'), the client-side twin of listen --exec and "
           "websocat's exec: each line CMD writes on stdout is sent to the server as a text message (binary with "
           "--binary; a line that is not UTF-8 goes as binary too, and a line longer than --max-size in pieces), "
           "and each message from the server is written to its stdin followed by a newline. Its stderr lines go "
           "to wskit's stderr, escaped (see --exec-stderr). It runs with wskit's environment, plus WSKIT_URL (the "
           "URL) and WSKIT_SUBPROTOCOL (the one the server chose), in its own session and process group. When "
           "it exits, its last lines are sent and the connection closes with 1000, or with --exec-error-code "
           "(1011) when it exited with another status than 0 or was killed (said on stderr; wskit exits with 1). "
           "When the server closes, or the connection fails, the process gets EOF on stdin (a hang-up and "
           "SIGHUP with --pty), SIGTERM after --kill-after, then SIGKILL as long again later; wskit waits for it "
           "and exits with the connection's status. SIGINT or SIGTERM ends both at once. Nothing is buffered "
           "without bounds: a server that does not read stops wskit reading the process's stdout, a process that "
           "does not read its stdin stops wskit reading from the server. Only the connection's open and close "
           "are printed on stdout (-v adds the handshake on stderr, and the process's start and end). A program "
           "that writes into a pipe in blocks answers late: use --pty, or make it flush each line (python3 -u, "
           "stdbuf -oL).";
}

}  // namespace

void add_exec_options(Context& ctx, CLI::App& app, ExecFlags& f, ExecRole role) {
    const bool listen = role == ExecRole::listen;
    auto* exec = add_option(ctx, app, "--exec", f.command,
                            listen ? "Run CMD for each client: its stdout lines are messages, messages its stdin"
                                   : "Run CMD on the connection: its stdout lines are messages, messages its stdin",
                            listen ? listen_exec_help() : connect_exec_help(), Complete::file);
    exec->option_text("CMD [ARGS...]");
    ctx.rest_of_line.push_back({&app, "--exec", &f.args,
                                listen ? "--exec needs the program to run, with its arguments after it: "
                                         "wskit listen 9000 --exec CMD [ARGS...]"
                                       : "--exec needs the program to run, with its arguments after it: "
                                         "wskit connect URL --exec CMD [ARGS...]"});
    std::string leaves = listen ? "When the client leaves" : "When the server closes";
    auto* pty = add_flag(
        ctx, app, "--pty", f.pty, "With --exec: run the process on a pseudo-terminal, so that it answers line by line",
        "With --exec: give the process a pseudo-terminal as stdin and stdout (stderr stays a pipe). Programs "
        "whose output is block-buffered into a pipe (Python, C's stdio, most programs that never call flush) "
        "write each line at once to a terminal, so each answer reaches the client when it is printed. The "
        "terminal is raw: the input is not echoed back, LF stays LF in both directions, and bytes like ^C in a "
        "message are data, not signals. " + leaves + ", the terminal is hung up as when a terminal "
        "window is closed: the process gets SIGHUP, and end of file if it reads on, then SIGTERM and SIGKILL as "
        "without --pty. The process may tell it has "
        "a terminal (isatty): some programs then print prompts or colors.");
    auto* kill_after = add_option(
        ctx, app, "--kill-after", f.kill_after,
        listen ? "With --exec: SIGTERM a process SECS after its client left (default 1)"
               : "With --exec: SIGTERM the process SECS after the server closed (default 1)",
        std::string("With --exec: ") + (listen ? "when a client leaves, its process" : "when the server closes, the process") +
            " gets EOF on stdin at once, SIGTERM SECS seconds later if it is still running, and SIGKILL SECS "
            "seconds after that. When wskit itself is stopped, every process gets EOF and SIGTERM at once, and "
            "SIGKILL SECS seconds later. Default 1; 0 sends SIGTERM right away.",
        Complete::number);
    kill_after->check(seconds_validator())->option_text("SECS");
    CLI::Option* max_forks = nullptr;
    if (listen)
        max_forks = add_option(
        ctx, app, "--max-forks", f.max_forks, "With --exec: run at most N processes at once; more clients get HTTP 503",
        "With --exec: at most N processes run at once, counting those whose client has left and that are still "
        "ending; a client arriving beyond that gets HTTP 503 with Retry-After (and a line on stderr). Default: "
        "no limit.",
        Complete::number);
    if (max_forks) max_forks->check(count_validator())->option_text("N");
    auto* stderr_to = listen ? add_option(
        ctx, app, "--exec-stderr", f.stderr_to,
        "With --exec: where the process's stderr lines go: log (default), client, ignore",
        "With --exec: where each line the process writes on stderr goes. log (the default): on wskit's stderr "
        "after the client's id ('#3 ...'), escaped. client: to the client, as a message like a stdout line, which "
        "a bridge to an interpreter needs ('wskit listen 9000 --exec-stderr client --exec python3 -q -u -i' shows "
        "the client its tracebacks; a prompt written without a newline reaches it with the next line). "
        "ignore: dropped. The lines of stdout and stderr are sent in the order wskit reads them: they come "
        "through two pipes, so a line of one may pass a line the process wrote earlier on the other.",
        Complete::choices, {"log", "client", "ignore"}) : add_option(
        ctx, app, "--exec-stderr", f.stderr_to,
        "With --exec: where the process's stderr lines go: log (default), server, ignore",
        "With --exec: where each line the process writes on stderr goes. log (the default): on wskit's stderr, "
        "escaped. server: to the server, as a message like a stdout line (an interpreter's prompts and "
        "tracebacks). ignore: dropped.",
        Complete::choices, {"log", "server", "ignore"});
    stderr_to->option_text("WHERE");
    auto* error_code = add_option(
        ctx, app, "--exec-error-code", f.error_code,
        "With --exec: the close code when the process fails (default 1011)",
        std::string("With --exec: the close code sent when ") + (listen ? "a client's process" : "the process") +
            " exits with another status than 0 or is killed by a signal (default 1011, an error on the " +
            (listen ? "server's" : "sender's") + " side; 1000 treats a failure like a normal end). The reason "
            "says how it ended ('process exited with status 3').",
        Complete::number);
    error_code->check(close_code_validator())->option_text("CODE");
    ctx.checks.emplace_back(&app, [&f, pty, kill_after, max_forks, stderr_to, error_code] {
        if (f.enabled()) return;
        for (const auto* opt : {pty, kill_after, max_forks, stderr_to, error_code}) {
            if (opt && opt->count() > 0)
                throw CLI::ValidationError(opt->get_name() + " only applies with --exec CMD");
        }
    });
}

}  // namespace wskit::cli
