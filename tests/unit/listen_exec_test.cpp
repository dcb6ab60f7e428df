// listen's --exec options: everything after --exec CMD is the program's.
#include "commands/commands.hpp"

#include <catch2/catch.hpp>

using wskit::cli::ExecFlags;

namespace {

struct Parsed {
    CLI::App app{"wskit", "wskit"};
    wskit::cli::Context ctx;
    ExecFlags flags;
    std::string address;
    bool verbose = false;
    Parsed() {
        auto* sub = app.add_subcommand("listen");
        sub->alias("l");
        sub->add_option("address", address);
        sub->add_flag("-v", verbose);
        wskit::cli::add_exec_options(ctx, *sub, flags, wskit::cli::ExecRole::listen);
    }
};

std::unique_ptr<Parsed> parse(std::vector<std::string> args) {
    auto p = std::make_unique<Parsed>();
    wskit::cli::parse_command_line(p->app, p->ctx, std::move(args));
    return p;
}

}  // namespace

TEST_CASE("listen --exec takes the rest of the command line", "[exec-cli]") {
    auto p = parse({"listen", "9000", "-v", "--exec", "python3", "-u", "game.py", "--level", "2", "-v"});
    CHECK(p->address == "9000");
    CHECK(p->verbose);
    CHECK(p->flags.command == "python3");
    CHECK(p->flags.args == std::vector<std::string>{"-u", "game.py", "--level", "2", "-v"});
    auto o = p->flags.resolve(false);
    CHECK(o.command == std::vector<std::string>{"python3", "-u", "game.py", "--level", "2", "-v"});
}

TEST_CASE("listen --exec=CMD and the alias", "[exec-cli]") {
    auto p = parse({"l", "--exec=cat", "-n"});
    CHECK(p->flags.command == "cat");
    CHECK(p->flags.args == std::vector<std::string>{"-n"});
    CHECK(p->address.empty());  // -n did not go anywhere else
}

TEST_CASE("listen --exec without arguments, and options before it", "[exec-cli]") {
    auto p = parse({"listen", "--pty", "--kill-after", "0.25", "--max-forks", "4", "0", "--exec", "cat"});
    CHECK(p->flags.args.empty());
    auto o = p->flags.resolve(true);
    CHECK(o.pty);
    CHECK(o.binary);
    CHECK(o.kill_after == std::chrono::milliseconds(250));
    CHECK(o.max_forks == 4);
    CHECK(p->address == "0");
}

TEST_CASE("listen --exec options are refused without --exec", "[exec-cli]") {
    CHECK_THROWS_AS(parse({"listen", "--pty"}), CLI::ValidationError);
    CHECK_THROWS_AS(parse({"listen", "--max-forks", "2"}), CLI::ValidationError);
    CHECK_THROWS_AS(parse({"listen", "--kill-after", "-1", "--exec", "cat"}), CLI::ParseError);
    CHECK_THROWS_AS(parse({"listen", "--exec"}), CLI::ParseError);
}

TEST_CASE("listen --exec after -- is an argument, not the option", "[exec-cli]") {
    CHECK_THROWS_AS(parse({"listen", "--", "--exec", "cat"}), CLI::ParseError);
}

TEST_CASE("listen --exec at the end of the line says what it needs", "[exec-cli]") {
    try {
        parse({"listen", "9000", "--exec"});
        FAIL("no error");
    } catch (const CLI::ParseError& e) {
        CHECK(std::string(e.what()) ==
              "--exec needs the program to run, with its arguments after it: wskit listen 9000 --exec CMD [ARGS...]");
    }
}

TEST_CASE("listen --exec-stderr: log, client or ignore, only with --exec", "[exec-cli]") {
    CHECK(parse({"listen", "0", "--exec", "cat"})->flags.resolve(false).stderr_to == wskit::ExecStderr::log);
    auto p = parse({"listen", "--exec-stderr", "client", "0", "--exec", "python3", "-i"});
    CHECK(p->flags.resolve(false).stderr_to == wskit::ExecStderr::client);
    CHECK(parse({"listen", "--exec-stderr", "ignore", "0", "--exec", "cat"})->flags.resolve(false).stderr_to ==
          wskit::ExecStderr::ignore);
    CHECK_THROWS_AS(parse({"listen", "--exec-stderr", "screen", "0", "--exec", "cat"}), CLI::ParseError);
    CHECK_THROWS_AS(parse({"listen", "--exec-stderr", "client", "0"}), CLI::ValidationError);
}
