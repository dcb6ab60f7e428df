// The targets of `wskit listen --to`: tcp:HOST:PORT (tcp:[::1]:22 for IPv6)
// and unix:PATH, parsed by parse_stream_target and written back by
// StreamTarget::text().
#include "support.hpp"

#include <wskit/stream_target.hpp>

#include <string>
#include <string_view>

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using wskit::ExitCode;
using wskit::parse_stream_target;
using wskit::StreamTarget;
using wskit::test::error_message;

namespace {

// The message of the usage error `text` must raise.
std::string refusal(std::string_view text) {
    return error_message([&] { parse_stream_target(text); }, ExitCode::usage);
}

}  // namespace

// --- tcp: ------------------------------------------------------------------------

TEST_CASE("parse_stream_target: tcp with an IPv4 address", "[stream_target]") {
    auto t = parse_stream_target("tcp:127.0.0.1:22");
    CHECK(t.kind == StreamTarget::Kind::tcp);
    CHECK(t.host == "127.0.0.1");
    CHECK(t.port == 22);
    CHECK(t.path.empty());
    CHECK(t.text() == "tcp:127.0.0.1:22");
    // The ends of the port range.
    CHECK(parse_stream_target("tcp:10.0.0.1:1").port == 1);
    CHECK(parse_stream_target("tcp:10.0.0.1:65535").port == 65535);
    CHECK(parse_stream_target("tcp:10.0.0.1:65535").text() == "tcp:10.0.0.1:65535");
}

TEST_CASE("parse_stream_target: tcp with a name", "[stream_target]") {
    auto t = parse_stream_target("tcp:localhost:5901");
    CHECK(t.kind == StreamTarget::Kind::tcp);
    CHECK(t.host == "localhost");
    CHECK(t.port == 5901);
    CHECK(t.text() == "tcp:localhost:5901");
    auto vnc = parse_stream_target("tcp:vnc-1.example.test:5900");
    CHECK(vnc.host == "vnc-1.example.test");
    CHECK(vnc.port == 5900);
    CHECK(vnc.text() == "tcp:vnc-1.example.test:5900");
}

TEST_CASE("parse_stream_target: bracketed IPv6, brackets given back by text()", "[stream_target]") {
    auto t = parse_stream_target("tcp:[::1]:22");
    CHECK(t.kind == StreamTarget::Kind::tcp);
    CHECK(t.host == "::1");  // without its brackets: what the resolver takes
    CHECK(t.port == 22);
    CHECK(t.text() == "tcp:[::1]:22");
    auto full = parse_stream_target("tcp:[2001:db8::a:b]:8443");
    CHECK(full.host == "2001:db8::a:b");
    CHECK(full.port == 8443);
    CHECK(full.text() == "tcp:[2001:db8::a:b]:8443");
    auto scoped = parse_stream_target("tcp:[fe80::1%eth0]:22");
    CHECK(scoped.host == "fe80::1%eth0");
    CHECK(scoped.text() == "tcp:[fe80::1%eth0]:22");
}

TEST_CASE("parse_stream_target: text() parses back to the same target", "[stream_target]") {
    for (std::string_view text : {"tcp:127.0.0.1:22", "tcp:localhost:1", "tcp:[::1]:65535", "tcp:[::ffff:10.0.0.1]:80",
                                  "unix:/run/app.sock", "unix:relative.sock"}) {
        INFO(text);
        auto t = parse_stream_target(text);
        CHECK(t.text() == text);
        auto again = parse_stream_target(t.text());
        CHECK(again.kind == t.kind);
        CHECK(again.host == t.host);
        CHECK(again.port == t.port);
        CHECK(again.path == t.path);
    }
}

// --- unix: -----------------------------------------------------------------------

TEST_CASE("parse_stream_target: unix paths, as they are", "[stream_target]") {
    auto t = parse_stream_target("unix:/run/app.sock");
    CHECK(t.kind == StreamTarget::Kind::unix_socket);
    CHECK(t.path == "/run/app.sock");
    CHECK(t.host.empty());
    CHECK(t.port == 0);
    CHECK(t.text() == "unix:/run/app.sock");
    // Relative, with colons and spaces: everything after "unix:" is the path.
    CHECK(parse_stream_target("unix:app.sock").path == "app.sock");
    CHECK(parse_stream_target("unix:/tmp/a:b:22").path == "/tmp/a:b:22");
    CHECK(parse_stream_target("unix:/tmp/my socket").path == "/tmp/my socket");
    CHECK(parse_stream_target("unix:/tmp/a:b:22").text() == "unix:/tmp/a:b:22");
}

// --- errors ----------------------------------------------------------------------

TEST_CASE("parse_stream_target: what is neither tcp: nor unix: is a usage error", "[stream_target]") {
    for (std::string_view text : {"", "ftp:x", "tcp", "unix", "127.0.0.1:22", "ssh:host:22", " tcp:h:22", "udp:h:53"}) {
        INFO("'" << text << "'");
        auto message = refusal(text);
        CHECK_THAT(message, StartsWith("--to '" + std::string(text) + "': "));
        CHECK_THAT(message, Contains("expected tcp:HOST:PORT or unix:PATH"));
    }
}

TEST_CASE("parse_stream_target: tcp without a host or a port", "[stream_target]") {
    for (std::string_view text : {"tcp:", "tcp:host", "tcp::22", "tcp:127.0.0.1"}) {
        INFO("'" << text << "'");
        auto message = refusal(text);
        CHECK_THAT(message, StartsWith("--to '" + std::string(text) + "': "));
        CHECK_THAT(message, Contains("expected tcp:HOST:PORT, like tcp:127.0.0.1:22"));
    }
}

TEST_CASE("parse_stream_target: a port that is not 1 to 65535", "[stream_target]") {
    for (std::string_view text : {"tcp:h:", "tcp:h:0", "tcp:h:00", "tcp:h:65536", "tcp:h:70000", "tcp:h:-1", "tcp:h:+22",
                                  "tcp:h:2 2", "tcp:h:22x", "tcp:h:ssh", "tcp:h:99999999999999999999",
                                  "tcp:[::1]:0", "tcp:[::1]:"}) {
        INFO("'" << text << "'");
        auto message = refusal(text);
        CHECK_THAT(message, StartsWith("--to '" + std::string(text) + "': "));
        CHECK_THAT(message, Contains("the port is a number from 1 to 65535"));
    }
}

TEST_CASE("parse_stream_target: IPv6 without brackets, or empty ones", "[stream_target]") {
    for (std::string_view text : {"tcp:::1:22", "tcp:2001:db8::1:443", "tcp:[]:22"}) {
        INFO("'" << text << "'");
        auto message = refusal(text);
        CHECK_THAT(message, StartsWith("--to '" + std::string(text) + "': "));
    }
    CHECK_THAT(refusal("tcp:::1:22"), Contains("an IPv6 address goes in brackets: tcp:[::1]:22"));
}

TEST_CASE("parse_stream_target: unix without a path", "[stream_target]") {
    auto message = refusal("unix:");
    CHECK(message == "--to 'unix:': expected unix:PATH, the socket's path");
}

TEST_CASE("parse_stream_target: the text quoted in an error is escaped", "[stream_target]") {
    auto message = refusal("tcp:h\n:0");
    CHECK_THAT(message, StartsWith("--to '"));
    CHECK(message.find('\n') == std::string::npos);
    CHECK(refusal("ftp:\x1b[31m").find('\x1b') == std::string::npos);
}

// Brackets enclose the whole host or are refused: "tcp:[::1:22" would be the
// host "[::1", written back as "tcp:[[::1]:22".
TEST_CASE("parse_stream_target: brackets must enclose the whole host", "[stream_target]") {
    for (std::string_view text : {"tcp:[::1:22", "tcp:[::1]x:22", "tcp:x[::1]:22", "tcp:a[b:c:22"}) {
        INFO("'" << text << "'");
        // Each one checked (error_message would stop at the first).
        CHECK_THROWS_WITH(parse_stream_target(text), StartsWith("--to '" + std::string(text) + "': "));
    }
}
