// The wskit binary: parse, dispatch, map failures to exit codes.
#include "commands/commands.hpp"

#include <wskit/error.hpp>

#include <cstdio>
#include <fcntl.h>
#include <unistd.h>
#include <iostream>
#include <string>
#include <vector>

namespace {

// A closed stdin, stdout or stderr would be taken by the next descriptor
// opened (a socket), and reads of "stdin" would then read the connection.
void open_missing_standard_fds() {
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) == -1) ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    }
}

// CLI11 reports help and version requests as "errors" with exit code 0.
bool is_help_or_version(const CLI::ParseError& e) { return e.get_exit_code() == 0; }

}  // namespace

int main(int argc, char** argv) {
    open_missing_standard_fds();
    CLI::App app("wskit: a WebSocket toolkit for the terminal", "wskit");
    wskit::cli::Context ctx;
    wskit::cli::build_app(app, ctx);
    if (argc <= 1) {
        // Nothing asked: what can be asked, on stderr as for any usage error
        // (stdout may be a pipeline's data), and the usage error's status.
        std::fputs(app.help().c_str(), stderr);
        return wskit::to_int(wskit::ExitCode::usage);
    }
    try {
        wskit::cli::parse_command_line(app, ctx, std::vector<std::string>(argv + 1, argv + argc));
    } catch (const CLI::ParseError& e) {
        if (is_help_or_version(e)) return app.exit(e);
        std::fprintf(stderr, "wskit: %s\n", wskit::cli::usage_error_line(app, e.what()).c_str());
        return wskit::to_int(wskit::ExitCode::usage);
    }
    try {
        return ctx.run();
    } catch (const wskit::Error& e) {
        // A usage error found when the command starts (a bad URL or header)
        // points to the command's help, as a parse error does.
        std::string line =
            e.code() == wskit::ExitCode::usage ? wskit::cli::usage_error_line(app, e.what(), e.read_more()) : e.what();
        std::fprintf(stderr, "wskit: %s\n", line.c_str());
        return wskit::to_int(e.code());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "wskit: %s\n", e.what());
        return wskit::to_int(wskit::ExitCode::runtime);
    }
}
