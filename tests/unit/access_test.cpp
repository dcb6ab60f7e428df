#include "support.hpp"

#include <wskit/access.hpp>
#include <wskit/tool/listen.hpp>

using namespace std::chrono_literals;
using wskit::AccessGate;
using wskit::AccessPolicy;
using wskit::Denial;
using wskit::GuessThrottle;
using wskit::HttpRequest;
using wskit::origin_allowed;
using wskit::origin_listed;
using wskit::token_matches;

namespace {

HttpRequest request(std::string resource, std::vector<wskit::Header> headers, std::string address = "127.0.0.1") {
    HttpRequest r;
    r.method = "GET";
    r.resource = std::move(resource);
    r.version = "HTTP/1.1";
    r.headers = std::move(headers);
    r.remote_address = address;
    r.remote = address + ":5555";
    return r;
}

const auto t0 = GuessThrottle::Clock::time_point() + 1000h;

}  // namespace

TEST_CASE("origin_allowed: no Origin, the same origin, or a listed one", "[access]") {
    CHECK(origin_allowed("", "127.0.0.1:9000", false, {}));
    CHECK(origin_allowed("http://127.0.0.1:9000", "127.0.0.1:9000", false, {}));
    CHECK(origin_allowed("HTTP://Chat.Example:9000/", "chat.example:9000", false, {}));
    CHECK(origin_allowed("http://chat.example", "chat.example:80", false, {}));
    CHECK(origin_allowed("https://chat.example", "chat.example", true, {}));
    CHECK(origin_allowed("http://[::1]:9000", "[::1]:9000", false, {}));
    CHECK_FALSE(origin_allowed("https://127.0.0.1:9000", "127.0.0.1:9000", false, {}));  // another scheme
    CHECK_FALSE(origin_allowed("http://127.0.0.1:9001", "127.0.0.1:9000", false, {}));
    CHECK_FALSE(origin_allowed("http://localhost:9000", "127.0.0.1:9000", false, {}));   // another host name
    CHECK_FALSE(origin_allowed("http://evil.example", "chat.example", false, {}));
    CHECK_FALSE(origin_allowed("null", "chat.example", false, {}));  // file:// pages, sandboxed frames
    CHECK(origin_allowed("https://friend.example", "chat.example", false, {"https://friend.example"}));
    CHECK(origin_allowed("https://friend.example", "chat.example", false, {"https://Friend.example/"}));
    CHECK_FALSE(origin_allowed("http://friend.example", "chat.example", false, {"https://friend.example"}));
    CHECK(origin_allowed("http://anything", "chat.example", false, {"*"}));
    CHECK(origin_allowed("null", "chat.example", false, {"*"}));
    CHECK_FALSE(origin_allowed("http://evil.example", "", false, {}));
}

TEST_CASE("origin_listed: case and a trailing slash do not matter", "[access]") {
    CHECK(origin_listed({"https://App.test/"}, "https://app.TEST"));
    CHECK_FALSE(origin_listed({}, "https://app.test"));
    CHECK_FALSE(origin_listed({"https://app.test"}, "https://app.test.evil"));
}

TEST_CASE("token_matches: the whole secret, nothing more or less", "[access]") {
    CHECK(token_matches("", "anything"));
    CHECK(token_matches("s3cret", "s3cret"));
    CHECK_FALSE(token_matches("s3cret", "s3cre"));
    CHECK_FALSE(token_matches("s3cret", "s3cret!"));
    CHECK_FALSE(token_matches("s3cret", ""));
    CHECK_FALSE(token_matches("s3cret", "S3cret"));
}

TEST_CASE("offered_token: Authorization: Bearer first, then ?token=", "[access]") {
    using wskit::offered_token;
    CHECK_FALSE(offered_token(request("/", {})));
    CHECK_FALSE(offered_token(request("/?name=x", {})));
    CHECK(*offered_token(request("/room?name=x&token=a%20b+c", {})) == "a b c");
    CHECK(offered_token(request("/?token=", {}))->empty());
    CHECK(*offered_token(request("/?token=q", {{"Authorization", "Bearer h"}})) == "h");
    CHECK(*offered_token(request("/", {{"Authorization", "bearer  h"}})) == "h");
    CHECK_FALSE(offered_token(request("/", {{"Authorization", "Basic dTpw"}})));
    CHECK_FALSE(offered_token(request("/?xtoken=1", {})));
}

TEST_CASE("without_token: no Bearer header and no token parameter is left", "[access]") {
    using wskit::without_token;
    auto r = without_token(request("/room?a=1&token=s&b=2&token=t", {{"Authorization", "Bearer s"}, {"Cookie", "c=1"},
                                                                      {"Authorization", "Basic dTpw"}}));
    CHECK(r.resource == "/room?a=1&b=2");
    REQUIRE(r.headers.size() == 2);
    CHECK(r.headers[0].name == "Cookie");
    CHECK(r.headers[1].value == "Basic dTpw");  // not a token: the server's business
    CHECK_FALSE(wskit::offered_token(r));
    CHECK(without_token(request("/?token=s", {})).resource == "/");
    CHECK(without_token(request("/x?xtoken=1&", {})).resource == "/x?xtoken=1");
    CHECK(without_token(request("/plain", {})).resource == "/plain");
}

TEST_CASE("is_loopback_host", "[access]") {
    using wskit::is_loopback_host;
    for (const char* h : {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST", "::ffff:127.0.0.1"})
        CHECK(is_loopback_host(h));
    for (const char* h : {"0.0.0.0", "::", "192.168.1.2", "10.0.0.1", "example.com", "", "::2"})
        CHECK_FALSE(is_loopback_host(h));
}

TEST_CASE("GuessThrottle: a few free guesses, then a doubling delay up to the cap", "[access]") {
    GuessThrottle t;  // 5 free, 1 s doubling, 60 s at most
    for (int i = 0; i < 5; ++i) {
        CHECK(t.blocked_for("10.0.0.1", t0) == 0ms);
        t.failed("10.0.0.1", t0);
    }
    CHECK(t.blocked_for("10.0.0.1", t0) == 0ms);
    t.failed("10.0.0.1", t0);  // the 6th
    CHECK(t.blocked_for("10.0.0.1", t0) == 1000ms);
    CHECK(t.blocked_for("10.0.0.1", t0 + 400ms) == 600ms);
    CHECK(t.blocked_for("10.0.0.2", t0) == 0ms);  // others are not held back
    t.failed("10.0.0.1", t0 + 1s);
    CHECK(t.blocked_for("10.0.0.1", t0 + 1s) == 2000ms);
    for (int i = 0; i < 20; ++i) t.failed("10.0.0.1", t0 + 2s);
    CHECK(t.blocked_for("10.0.0.1", t0 + 2s) == 60000ms);
    // The right token wipes the slate.
    t.succeeded("10.0.0.1");
    CHECK(t.blocked_for("10.0.0.1", t0 + 2s) == 0ms);
}

TEST_CASE("GuessThrottle: quiet addresses are forgotten; IPv6 counts per /64", "[access]") {
    GuessThrottle t;
    for (int i = 0; i < 6; ++i) t.failed("10.0.0.1", t0);
    CHECK(t.blocked_for("10.0.0.1", t0) > 0ms);
    t.failed("10.0.0.1", t0 + 11min);  // a new count: the 1st
    CHECK(t.blocked_for("10.0.0.1", t0 + 11min) == 0ms);

    for (int i = 0; i < 3; ++i) t.failed("2001:db8:1:2::1", t0);
    for (int i = 0; i < 3; ++i) t.failed("2001:db8:1:2:ffff::9", t0);
    CHECK(t.blocked_for("2001:db8:1:2::77", t0) == 1000ms);
    CHECK(t.blocked_for("2001:db8:1:3::1", t0) == 0ms);
}

TEST_CASE("GuessThrottle: the table is bounded, the oldest failure goes first", "[access]") {
    GuessThrottle::Limits limits;
    limits.max_addresses = 3;
    limits.free_guesses = 0;
    GuessThrottle t(limits);
    t.failed("10.0.0.1", t0);
    t.failed("10.0.0.2", t0 + 1s);
    t.failed("10.0.0.3", t0 + 2s);
    t.failed("10.0.0.4", t0 + 3s);
    CHECK(t.size() == 3);
    CHECK(t.blocked_for("10.0.0.1", t0 + 3s) == 0ms);  // pushed out
    CHECK(t.blocked_for("10.0.0.2", t0 + 1s) > 0ms);
    CHECK(t.blocked_for("10.0.0.4", t0 + 3s) > 0ms);
}

TEST_CASE("AccessGate: origin 403, token 401, then 429 with Retry-After", "[access]") {
    AccessPolicy policy;
    policy.token = "s3cret";
    AccessGate gate(policy);
    auto page = [](std::string origin) { return request("/", {{"Host", "127.0.0.1:9000"}, {"Origin", origin}}); };

    auto foreign = gate.check_handshake(page("http://127.0.0.1:9001"), t0);
    REQUIRE(foreign);
    CHECK(foreign->why == Denial::origin);
    CHECK(foreign->response.status == 403);
    CHECK(foreign->log_line == "refused 127.0.0.1:5555: origin 'http://127.0.0.1:9001' is not allowed (--origin)");
    auto null_page = gate.check_handshake(page("null\x1b"), t0);
    REQUIRE(null_page);
    CHECK(null_page->log_line == "refused 127.0.0.1:5555: origin 'null\\x1b' is not allowed (--origin)");

    auto none = gate.check_handshake(request("/", {}), t0);
    REQUIRE(none);
    CHECK(none->why == Denial::token);
    CHECK(none->response.status == 401);
    CHECK(none->response.headers.back().name == "WWW-Authenticate");
    CHECK(none->log_line == "refused 127.0.0.1:5555: no token (--token)");
    CHECK_FALSE(gate.check_handshake(request("/?token=s3cret", {}), t0));
    // The server's own page passes the origin check, then needs the token.
    CHECK(gate.check_handshake(page("http://127.0.0.1:9000"), t0)->why == Denial::token);

    for (int i = 0; i < 5; ++i) {
        auto wrong = gate.check_handshake(request("/?token=guess", {}), t0);
        REQUIRE(wrong);
        CHECK(wrong->response.status == 401);
    }
    auto sixth = gate.check_handshake(request("/?token=guess", {}), t0);
    REQUIRE(sixth);
    CHECK(sixth->response.status == 401);
    CHECK(sixth->log_line ==
          "refused 127.0.0.1:5555: wrong token (--token); too many wrong tokens from 127.0.0.1: refused with 429 "
          "for 1 s");
    // Blocked: even the right token waits, and no line is said per request.
    auto blocked = gate.check_handshake(request("/?token=s3cret", {}), t0 + 200ms);
    REQUIRE(blocked);
    CHECK(blocked->why == Denial::throttled);
    CHECK(blocked->response.status == 429);
    CHECK(blocked->response.headers.back().name == "Retry-After");
    CHECK(blocked->response.headers.back().value == "1");
    CHECK(blocked->log_line.empty());
    // Another address is not held back; the blocked one may try again later.
    CHECK_FALSE(gate.check_handshake(request("/?token=s3cret", {}, "127.0.0.2"), t0 + 200ms));
    CHECK_FALSE(gate.check_token(request("/?token=s3cret", {}), t0 + 1s));
}

TEST_CASE("AccessGate: no token set lets every non-browser client in", "[access]") {
    AccessGate gate(AccessPolicy{});
    CHECK_FALSE(gate.check_handshake(request("/?token=x", {}), t0));
    CHECK_FALSE(gate.check_token(request("/", {}), t0));
    AccessPolicy wss;
    wss.secure = true;
    AccessGate secure(wss);
    CHECK_FALSE(secure.check_handshake(request("/", {{"Host", "h:9000"}, {"Origin", "https://h:9000"}}), t0));
    CHECK(secure.check_handshake(request("/", {{"Host", "h:9000"}, {"Origin", "http://h:9000"}}), t0));
}

TEST_CASE("exposure_warnings: --exec reachable by every page or every host", "[access][listen]") {
    wskit::ListenOptions o;
    CHECK(wskit::exposure_warnings(o).empty());  // no --exec
    o.exec = wskit::ExecOptions{};
    o.exec->command = {"bash"};
    CHECK(wskit::exposure_warnings(o).empty());  // loopback, the default
    o.server.host = "0.0.0.0";
    auto w = wskit::exposure_warnings(o);
    REQUIRE(w.size() == 1);
    CHECK_THAT(w[0], Catch::Matchers::StartsWith("warning: --exec on 0.0.0.0, which is not loopback"));
    CHECK_THAT(w[0], Catch::Matchers::Contains("'bash'") && Catch::Matchers::Contains("--token"));
    o.access.token = "s";
    CHECK(wskit::exposure_warnings(o).empty());
    o.access.token.clear();
    o.access.origins = {"https://app.test"};
    CHECK(wskit::exposure_warnings(o).empty());
    o.access.origins = {"*"};
    CHECK(wskit::exposure_warnings(o).size() == 2);
    o.server.host = "::1";
    w = wskit::exposure_warnings(o);
    REQUIRE(w.size() == 1);
    CHECK_THAT(w[0], Catch::Matchers::StartsWith("warning: --origin '*' with --exec"));
}
