// In-process parsing of wskit command lines: which lines choose a command,
// and which are usage errors (main maps every CLI::ParseError to exit 2).
// ctx.run is never called: it would open connections.
#include "commands/commands.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <unistd.h>
#include <string>
#include <vector>

namespace {

struct Parsed {
    CLI::App app{"wskit: a WebSocket toolkit for the terminal", "wskit"};
    wskit::cli::Context ctx;
    Parsed() { wskit::cli::build_app(app, ctx); }
};

// Parses `args` (without the program name) as main does.
std::unique_ptr<Parsed> parse(std::vector<std::string> args) {
    auto p = std::make_unique<Parsed>();
    wskit::cli::parse_command_line(p->app, p->ctx, std::move(args));
    return p;
}

// Each command line parses, and chooses a command to run.
void check_all_parse(const std::vector<std::vector<std::string>>& lines) {
    for (const auto& line : lines) {
        std::string text;
        for (const auto& a : line) text += a + " ";
        INFO("wskit " << text);
        std::unique_ptr<Parsed> p;
        REQUIRE_NOTHROW(p = parse(line));
        CHECK(static_cast<bool>(p->ctx.run));
    }
}

// The line main prints for a rejected command line (after "wskit: ").
std::string usage_line(std::vector<std::string> args) {
    Parsed p;
    try {
        wskit::cli::parse_command_line(p.app, p.ctx, std::move(args));
    } catch (const CLI::ParseError& e) {
        CHECK(e.get_exit_code() != 0);
        return wskit::cli::usage_error_line(p.app, e.what());
    }
    FAIL("the command line was accepted");
    return {};
}

// A file that is removed when the test ends.
struct TempFile {
    std::string path;
    explicit TempFile(const std::string& content) {
        char name[] = "/tmp/wskit-cli-test-XXXXXX";
        int fd = ::mkstemp(name);
        REQUIRE(fd >= 0);
        REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
        ::close(fd);
        path = name;
    }
    ~TempFile() { std::remove(path.c_str()); }
};

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
    check_all_parse(lines);
}

TEST_CASE("cli: valid echo lines choose the echo command", "[cli]") {
    const std::vector<std::vector<std::string>> lines = {
        {"echo"},
        {"echo", "0"},
        {"echo", "127.0.0.1:9000"},
        {"echo", "[::1]:0", "--max-clients", "3", "--max-size", "100"},
        {"echo", "--delay", "5", "--log", "--stats", "1", "--json"},
    };
    check_all_parse(lines);
}

TEST_CASE("cli: valid listen lines choose the listen command", "[cli]") {
    check_all_parse({
        {"listen", "9000"},
        {"l", "0.0.0.0:0", "--once", "--json"},
        {"listen", "0", "-s", "chat", "-s", "v2", "--origin", "https://a.test", "--origin", "https://b.test"},
        {"listen", "0", "--slash", "--hex", "--max-clients", "2", "-v"},
        {"listen", "0", "--pty", "--kill-after", "2", "--max-forks", "3", "--exec", "cat", "-u"},
    });
    CHECK_THAT(usage_line({"listen"}), Catch::Matchers::Contains("(see 'wskit listen --help')"));
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

TEST_CASE("cli: negative or non-numeric seconds and counts get a short message", "[cli]") {
    for (const auto& line : std::vector<std::vector<std::string>>{
             {"connect", "-w", "-1", "ws://h/"},
             {"connect", "--wait", "abc", "ws://h/"},
             {"connect", "--timeout", "-2", "ws://h/"},
             {"connect", "--ping-interval", "-1", "ws://h/"},
             {"connect", "--ping-timeout", "nan", "ws://h/"},
             {"connect", "--connect-timeout", "0", "ws://h/"},
             {"echo", "--stats", "-1"}}) {
        INFO(line[1] << " " << line[2]);
        auto message = usage_line(line);
        CHECK(message.find("expects a number of seconds") != std::string::npos);
        CHECK(message.find("'" + line[2] + "'") != std::string::npos);
        CHECK(message.size() < 160);
    }
    for (const auto& line : std::vector<std::vector<std::string>>{
             {"connect", "--count", "-1", "ws://h/"},
             {"connect", "--max-redirects", "-1", "ws://h/"},
             {"connect", "--reconnect-max", "-5", "ws://h/"},
             {"connect", "--max-size", "-1", "ws://h/"},
             {"echo", "--max-clients", "-1"},
             {"echo", "--max-size", "1.5"}}) {
        INFO(line[1] << " " << line[2]);
        auto message = usage_line(line);
        CHECK(message.find("expects a whole number") != std::string::npos);
        CHECK(message.size() < 160);
    }
    CHECK_NOTHROW(parse({"connect", "-w", "0", "--timeout", "0.25", "--count", "0", "ws://h/"}));
}

TEST_CASE("cli: --close-code accepts only codes a close frame may carry", "[cli]") {
    for (const char* code : {"1000", "1001", "1002", "1003", "1007", "1010", "1011", "1014", "3000", "4000", "4999"}) {
        INFO("--close-code " << code);
        CHECK_NOTHROW(parse({"connect", "--close-code", code, "ws://h/"}));
    }
    for (const char* code : {"999", "1004", "1005", "1006", "1015", "1016", "2999", "5000", "0", "-1", "abc",
                             "1000000000000"}) {
        INFO("--close-code " << code);
        auto message = usage_line({"connect", "--close-code", code, "ws://h/"});
        CHECK(message.rfind("--close-code: ", 0) == 0);
        CHECK(message.find("1000-1003, 1007-1014 or 3000-4999") != std::string::npos);
        CHECK(message.find('\n') == std::string::npos);
    }
    CHECK(usage_line({"connect", "--close-code", "1006", "ws://h/"}).find("never sent") != std::string::npos);
}

TEST_CASE("cli: --close-reason is UTF-8 of at most 123 bytes, never cut", "[cli]") {
    CHECK_NOTHROW(parse({"connect", "--close-reason", std::string(123, 'x'), "ws://h/"}));
    CHECK_NOTHROW(parse({"connect", "--close-reason", "", "ws://h/"}));
    std::string e_acute = "\xc3\xa9";
    std::string accents;
    for (int i = 0; i < 61; ++i) accents += e_acute;  // 122 bytes
    CHECK_NOTHROW(parse({"connect", "--close-reason", accents + "x", "ws://h/"}));
    CHECK(usage_line({"connect", "--close-reason", accents + e_acute, "ws://h/"}).find("124 bytes") !=
          std::string::npos);
    CHECK(usage_line({"connect", "--close-reason", std::string(200, 'x'), "ws://h/"}).find("at most 123 bytes") !=
          std::string::npos);
    CHECK(usage_line({"connect", "--close-reason", "bad \xff byte", "ws://h/"}).find("not valid UTF-8") !=
          std::string::npos);
}

TEST_CASE("cli: output formats that disagree are a usage error", "[cli]") {
    CHECK(usage_line({"connect", "--json", "--raw", "ws://h/"}) ==
          "--raw and --json ask for different output formats; give one (see 'wskit connect --help')");
    CHECK(usage_line({"connect", "--output", "raw", "--json", "ws://h/"}).find("--output raw and --json") !=
          std::string::npos);
    CHECK(usage_line({"connect", "--output", "human", "--raw", "ws://h/"}).find("different output formats") !=
          std::string::npos);
    CHECK(usage_line({"echo", "--raw", "--json"}).find("(see 'wskit echo --help')") != std::string::npos);
    CHECK_NOTHROW(parse({"connect", "--output", "json", "--json", "ws://h/"}));
    CHECK_NOTHROW(parse({"connect", "--output", "raw", "--raw", "ws://h/"}));
    CHECK_NOTHROW(parse({"connect", "--output", "auto", "--json", "ws://h/"}));
}

TEST_CASE("cli: --cert and --key come together", "[cli]") {
    TempFile cert("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    TempFile both("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
                  "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
    CHECK(usage_line({"echo", "--key", "key.pem"}) ==
          "--key needs --cert, the certificate the key belongs to (see 'wskit echo --help')");
    CHECK(usage_line({"echo", "--cert", cert.path}) ==
          "--cert needs --key: '" + cert.path + "' holds no private key (see 'wskit echo --help')");
    CHECK(usage_line({"connect", "--key", "key.pem", "wss://h/"}).find("--key needs --cert") != std::string::npos);
    CHECK(usage_line({"connect", "--cert", cert.path, "wss://h/"}).find("--cert needs --key") != std::string::npos);
    CHECK_NOTHROW(parse({"echo", "--cert", cert.path, "--key", "key.pem"}));
    CHECK_NOTHROW(parse({"echo", "--cert", both.path}));  // one file with both
    // An unreadable certificate is left to the TLS loader, which names the file.
    CHECK_NOTHROW(parse({"echo", "--cert", "/nonexistent/cert.pem"}));
}

TEST_CASE("cli: an unknown command is named, with a suggestion when one is close", "[cli]") {
    CHECK(usage_line({"lisen", "--help"}) == "unknown command 'lisen'; did you mean 'listen'? (see 'wskit --help')");
    CHECK(usage_line({"frobnicate", "--help"}) == "unknown command 'frobnicate' (see 'wskit --help')");
    CHECK(usage_line({"conect", "ws://h/"}) ==
          "unknown command 'conect'; did you mean 'connect'? (see 'wskit --help')");
    CHECK(usage_line({"--json", "ecoh"}) == "unknown command 'ecoh'; did you mean 'echo'? (see 'wskit --help')");
    CHECK(usage_line({"x"}) == "unknown command 'x' (see 'wskit --help')");
    CHECK(usage_line({"generat"}) == "unknown command 'generat' (see 'wskit --help')");  // hidden: not suggested
    CHECK(parse_error_code({"lisen", "--help"}) != 0);
}

TEST_CASE("cli: usage errors point to the help of the command being parsed", "[cli]") {
    CHECK(usage_line({"connect", "--bogus", "ws://h/"}) ==
          "the following argument was not expected: --bogus (see 'wskit connect --help')");
    CHECK(usage_line({"c", "--output", "xml", "ws://h/"}).find("(see 'wskit connect --help')") != std::string::npos);
    CHECK(usage_line({"connect"}).find("(see 'wskit connect --help')") != std::string::npos);
    CHECK(usage_line({"echo", "--delay", "x"}).find("(see 'wskit echo --help')") != std::string::npos);
    CHECK(usage_line({"--bogus"}).find("(see 'wskit --help')") != std::string::npos);
}

TEST_CASE("cli: closest_name", "[cli]") {
    const std::vector<std::string> names{"connect", "c", "listen", "l", "echo", "broadcast-chat", "chat"};
    CHECK(wskit::cli::closest_name("lisen", names) == "listen");
    CHECK(wskit::cli::closest_name("conect", names) == "connect");
    CHECK(wskit::cli::closest_name("connetc", names) == "connect");
    CHECK(wskit::cli::closest_name("ehco", names) == "echo");
    CHECK(wskit::cli::closest_name("caht", names) == "chat");
    CHECK(wskit::cli::closest_name("x", names).empty());
    CHECK(wskit::cli::closest_name("b", names).empty());
    CHECK(wskit::cli::closest_name("frobnicate", names).empty());
}

TEST_CASE("cli: -H with a handshake header wskit has a flag for gets a hint", "[cli]") {
    wskit::cli::ClientFlags f;
    f.headers = {"X-Token: 1", "Sec-WebSocket-Protocol: chat, v2", "sec-websocket-extensions: permessage-deflate"};
    auto hints = f.header_hints();
    REQUIRE(hints.size() == 2);
    CHECK(hints[0] == "warning: -H 'Sec-WebSocket-Protocol: chat, v2': use -s chat -s v2 to offer a subprotocol "
                      "(the header is sent as given)");
    CHECK(hints[1].find("-H 'sec-websocket-extensions: permessage-deflate'") != std::string::npos);
    f.headers = {"X-Token: 1", "Sec-WebSocket-Protocolx: y", "bad header"};
    CHECK(f.header_hints().empty());
}

TEST_CASE("cli: bench takes the client's handshake and TLS options, and -n is its message count", "[cli]") {
    const std::vector<std::vector<std::string>> lines = {
        {"bench", "ws://h/"},
        {"bench", "--mode", "fanout", "-c", "50", "--senders", "2", "--rate", "500", "ws://h/"},
        {"bench", "--mode", "fanout", "-c", "1000", "ws://a:1/room", "ws://b:2/room", "wss://c:3/room"},
        {"bench", "ws://a:1/room", "--mode", "fanout", "ws://b:2/room"},
        {"bench", "--mode", "handshake", "-d", "2", "ws://h/"},
        {"bench", "--mode", "idle", "-c", "1000", "--server-pid", "42", "ws://h/"},
        {"bench", "-n", "1000", "-w", "64", "--size", "4k", "--binary", "--warmup", "0.5", "--threads", "2", "ws://h/"},
        {"bench", "-H", "X-A: 1", "-s", "chat", "-o", "http://o", "--auth", "u:p", "--user-agent", "ua",
         "--host", "h2", "--connect-timeout", "3", "--json", "-q", "ws://h/"},
        {"bench", "-k", "--ca", "ca.pem", "--tls-min", "1.3", "wss://h/"},
        {"bench", "--compress", "--max-size", "1000", "ws://h/"},
        {"bench", "--compress=server_no_context_takeover,client_max_window_bits=10", "ws://h/"},
        {"connect", "-n", "wss://h/"},  // connect keeps -n as --no-check
    };
    check_all_parse(lines);
    CHECK_THAT(usage_line({"bench", "-n", "x", "ws://h/"}), Catch::Matchers::Contains("expects a whole number"));
    CHECK_THAT(usage_line({"bench", "--size", "12q", "ws://h/"}), Catch::Matchers::Contains("expects a size in bytes"));
    CHECK_THAT(usage_line({"bench", "--rate", "-5", "ws://h/"}), Catch::Matchers::Contains("messages per second"));
    CHECK_THAT(usage_line({"bench", "--mode", "flood", "ws://h/"}), Catch::Matchers::Contains("--mode"));
    CHECK_THAT(usage_line({"bench", "--proxy", "http://p:1", "ws://h/"}),
               Catch::Matchers::Contains("see 'wskit bench --help'"));
    CHECK_THAT(usage_line({"bench"}), Catch::Matchers::Contains("url is required"));
    // Only fan-out spreads over several servers; the others say so in one line (exit 2).
    for (const char* mode : {"echo", "handshake", "idle"}) {
        INFO(mode);
        CHECK(usage_line({"bench", "--mode", mode, "ws://a:1/", "ws://b:2/"}) ==
              std::string("--mode ") + mode +
                  " takes one URL (2 given); only --mode fanout spreads over several servers (see 'wskit bench --help')");
    }
}
