// In-process parsing of wskit command lines: which lines choose a command,
// and which are usage errors (main maps every CLI::ParseError to exit 2).
// ctx.run is never called: it would open connections.
#include "commands/commands.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace {

struct Parsed {
    CLI::App app{"wskit: a WebSocket toolkit for the terminal", "wskit"};
    wskit::cli::Context ctx;
    Parsed() { wskit::cli::build_app(app, ctx); }
};

// Parses `args` (without the program name). CLI11 2.1's
// App::parse(std::vector<std::string>&) expects the arguments reversed.
std::unique_ptr<Parsed> parse(std::vector<std::string> args) {
    auto p = std::make_unique<Parsed>();
    std::reverse(args.begin(), args.end());
    p->app.parse(args);
    return p;
}

// The exit code CLI11 reports for a line that must be rejected; never 0
// (0 is help or version).
int parse_error_code(std::vector<std::string> args) {
    try {
        auto p = parse(std::move(args));
        CHECK_FALSE(static_cast<bool>(p->ctx.run));
    } catch (const CLI::ParseError& e) {
        return e.get_exit_code();
    }
    FAIL("the command line was accepted");
    return 0;
}

}  // namespace

TEST_CASE("cli: valid connect lines choose the connect command", "[cli]") {
    const std::vector<std::vector<std::string>> lines = {
        {"connect", "ws://127.0.0.1:9000/"},
        {"c", "ws://127.0.0.1:9000/"},
        {"connect", "wss://example.com/feed", "-H", "X-Token: 1", "--header", "A: b", "-s", "chat", "-s", "v2",
         "-o", "https://example.com", "--auth", "u:p", "--user-agent", "ua", "--host", "example.org"},
        {"connect", "-x", "hello", "-x", "second", "-w", "1.5", "ws://h/"},
        {"connect", "-1", "ws://h/"},
        {"connect", "--count", "10", "--until", "^done$", "--timeout", "3", "ws://h/"},
        {"connect", "-m", "3", "ws://h/"},
        {"connect", "--max-time", "4", "ws://h/"},
        {"connect", "--keep-open", "--close-code", "4000", "--close-reason", "bye", "ws://h/"},
        {"connect", "--output", "json", "ws://h/"},
        {"connect", "--output", "raw", "--pretty", "--timestamps", "-P", "ws://h/"},
        {"connect", "--output=human", "--color", "never", "ws://h/"},
        {"connect", "--json", "ws://h/"},
        {"connect", "--raw", "ws://h/"},
        {"connect", "-0", "--binary", "ws://h/"},
        {"connect", "--paragraph", "--hex", "ws://h/"},
        {"connect", "--whole", "--base64", "ws://h/"},
        {"connect", "--slash", "ws://h/"},
        {"connect", "-v", "-v", "ws://h/"},
        {"connect", "-vv", "ws://h/"},
        {"connect", "-k", "--cacert", "ca.pem", "--tls-min", "1.3", "wss://h/"},
        {"connect", "--ca", "ca.pem", "--max-size", "1024", "--connect-timeout", "2", "ws://h/"},
        {"connect", "h:9000"},
        {"connect", "--", "ws://h/"},
    };
    for (const auto& line : lines) {
        std::string text;
        for (const auto& a : line) text += a + " ";
        INFO("wskit " << text);
        std::unique_ptr<Parsed> p;
        REQUIRE_NOTHROW(p = parse(line));
        CHECK(static_cast<bool>(p->ctx.run));
    }
}

TEST_CASE("cli: valid echo lines choose the echo command", "[cli]") {
    const std::vector<std::vector<std::string>> lines = {
        {"echo"},
        {"echo", "0"},
        {"echo", "127.0.0.1:9000"},
        {"echo", "[::1]:0", "--max-clients", "3", "--max-size", "100"},
        {"echo", "--delay", "5", "--log", "--stats", "1", "--json"},
    };
    for (const auto& line : lines) {
        INFO(line.size() << " arguments, first " << line.front());
        std::unique_ptr<Parsed> p;
        REQUIRE_NOTHROW(p = parse(line));
        CHECK(static_cast<bool>(p->ctx.run));
    }
}

TEST_CASE("cli: a missing URL is a parse error", "[cli]") {
    CHECK(parse_error_code({"connect"}) != 0);
    CHECK(parse_error_code({"connect", "--json"}) != 0);
}

TEST_CASE("cli: a subcommand is required", "[cli]") {
    CHECK(parse_error_code({}) != 0);
    CHECK(parse_error_code({"--json"}) != 0);
}

TEST_CASE("cli: unknown flags and commands are parse errors", "[cli]") {
    CHECK(parse_error_code({"connect", "--no-such-flag", "ws://h/"}) != 0);
    CHECK(parse_error_code({"connect", "-Z", "ws://h/"}) != 0);
    CHECK(parse_error_code({"frobnicate"}) != 0);
    CHECK(parse_error_code({"connect", "ws://h/", "extra"}) != 0);
}

TEST_CASE("cli: input encodings exclude each other", "[cli]") {
    CHECK(parse_error_code({"connect", "--binary", "--hex", "ws://h/"}) != 0);
    CHECK(parse_error_code({"connect", "--hex", "--binary", "ws://h/"}) != 0);
    CHECK(parse_error_code({"connect", "--binary", "--base64", "ws://h/"}) != 0);
    CHECK(parse_error_code({"connect", "--hex", "--base64", "ws://h/"}) != 0);
}

TEST_CASE("cli: input framings exclude each other", "[cli]") {
    CHECK(parse_error_code({"connect", "-0", "--whole", "ws://h/"}) != 0);
    CHECK(parse_error_code({"connect", "--whole", "-0", "ws://h/"}) != 0);
    CHECK(parse_error_code({"connect", "--null", "--paragraph", "ws://h/"}) != 0);
    CHECK(parse_error_code({"connect", "--paragraph", "--whole", "ws://h/"}) != 0);
}

TEST_CASE("cli: bad option values are parse errors", "[cli]") {
    CHECK(parse_error_code({"connect", "--output", "xml", "ws://h/"}) != 0);
    CHECK(parse_error_code({"connect", "--output", "JSON", "ws://h/"}) != 0);
    CHECK(parse_error_code({"connect", "--color", "sometimes", "ws://h/"}) != 0);
    CHECK(parse_error_code({"connect", "--tls-min", "1.1", "wss://h/"}) != 0);
    CHECK(parse_error_code({"connect", "--count", "ten", "ws://h/"}) != 0);
    CHECK(parse_error_code({"connect", "-w", "-1", "ws://h/"}) != 0);
    CHECK(parse_error_code({"connect", "--timeout", "-2", "ws://h/"}) != 0);
    CHECK(parse_error_code({"connect", "--close-code", "999", "ws://h/"}) != 0);
    CHECK(parse_error_code({"connect", "--close-code", "5000", "ws://h/"}) != 0);
    CHECK(parse_error_code({"connect", "--connect-timeout", "0", "ws://h/"}) != 0);
    CHECK(parse_error_code({"connect", "--output", "ws://h/"}) != 0);
    CHECK(parse_error_code({"echo", "--max-clients", "many"}) != 0);
}

TEST_CASE("cli: --help and --version are reported with exit code 0", "[cli]") {
    for (const auto& line : std::vector<std::vector<std::string>>{
             {"--help"}, {"-h"}, {"connect", "--help"}, {"echo", "-h"}, {"--version"}, {"-V"}}) {
        INFO(line.back());
        try {
            parse(line);
            FAIL("no help or version request was reported");
        } catch (const CLI::ParseError& e) {
            CHECK(e.get_exit_code() == 0);
        }
    }
}
