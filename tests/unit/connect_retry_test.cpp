#include "connect/retry.hpp"
#include "support.hpp"

#include <wskit/url.hpp>

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using wskit::ConnectOptions;
using wskit::Event;
using wskit::EventType;
using wskit::ExitCode;
using wskit::HandshakeTrace;
using wskit::parse_url;
using wskit::detail::Retry;

namespace {

// Retry with recording effects; the jitter is fixed at `random01`.
struct Rig {
    explicit Rig(ConnectOptions o, double random01 = 0)
        : options(std::move(o)),
          retry(options,
                {[this](const std::string& line) { diagnostics.push_back(line); },
                 [this](const std::string& line) { traces.push_back(line); },
                 [this](const Event& e) { shown.push_back(e); }, [this](ExitCode code) { failed = code; },
                 [this] { ++follows; }, [this](std::chrono::milliseconds delay) { delays.push_back(delay); }},
                [random01] { return random01; }) {}

    ConnectOptions options;
    std::vector<std::string> diagnostics;
    std::vector<std::string> traces;
    std::vector<Event> shown;
    std::optional<ExitCode> failed;
    int follows = 0;
    std::vector<std::chrono::milliseconds> delays;
    Retry retry;
};

ConnectOptions following(const std::string& url) {
    ConnectOptions o;
    o.client.url = parse_url(url);
    o.follow_redirects = true;
    return o;
}

HandshakeTrace redirect(int status, const std::string& location) {
    HandshakeTrace t;
    t.status = status;
    t.location = location;
    return t;
}

ConnectOptions reconnecting(int max = 0) {
    ConnectOptions o;
    o.client.url = parse_url("ws://example.test/feed");
    o.reconnect = true;
    o.reconnect_max = max;
    return o;
}

}  // namespace

TEST_CASE("retry: -L follows a redirect to its Location", "[connect][retry]") {
    Rig rig(following("ws://example.test/old"));
    CHECK(rig.retry.on_redirect(redirect(301, "/new?x=1")));
    CHECK(rig.follows == 1);
    CHECK(rig.retry.url().str() == "ws://example.test/new?x=1");
    CHECK(rig.retry.attempt_options().url.str() == "ws://example.test/new?x=1");
    REQUIRE(rig.shown.size() == 1);
    CHECK(rig.shown[0].type == EventType::info);
    CHECK(rig.shown[0].text == "following a 301 redirect to ws://example.test/new?x=1");
    CHECK(rig.traces.empty());  // only with -v
    CHECK_FALSE(rig.failed);
}

TEST_CASE("retry: no redirect without -L, without a Location, or for another status", "[connect][retry]") {
    auto o = following("ws://example.test/");
    o.follow_redirects = false;
    Rig off(o);
    CHECK_FALSE(off.retry.on_redirect(redirect(302, "/b")));
    Rig on(following("ws://example.test/"));
    CHECK_FALSE(on.retry.on_redirect(redirect(302, "")));
    CHECK_FALSE(on.retry.on_redirect(redirect(404, "/b")));
    CHECK_FALSE(on.retry.on_redirect(redirect(300, "/b")));
    CHECK(on.follows == 0);
    CHECK(on.retry.url().str() == "ws://example.test/");
}

TEST_CASE("retry: a redirect loop is refused, exit 5", "[connect][retry]") {
    Rig rig(following("ws://example.test/a"));
    CHECK(rig.retry.on_redirect(redirect(302, "/b")));
    CHECK(rig.retry.on_redirect(redirect(302, "/a")));
    CHECK(rig.follows == 1);
    CHECK(rig.failed == ExitCode::handshake);
    CHECK(rig.diagnostics ==
          std::vector<std::string>{"redirect loop: ws://example.test/a -> ws://example.test/b -> ws://example.test/a"});
}

TEST_CASE("retry: --max-redirects bounds the chain", "[connect][retry]") {
    auto o = following("ws://example.test/1");
    o.max_redirects = 1;
    Rig rig(o);
    CHECK(rig.retry.on_redirect(redirect(307, "/2")));
    CHECK_FALSE(rig.failed);
    CHECK(rig.retry.on_redirect(redirect(307, "/3")));
    CHECK(rig.failed == ExitCode::handshake);
    REQUIRE(rig.diagnostics.size() == 1);
    CHECK(rig.diagnostics[0] ==
          "too many redirects (2); the last one went to ws://example.test/3 (raise --max-redirects)");
}

TEST_CASE("retry: wss:// to ws:// is refused unless --location-trusted", "[connect][retry]") {
    Rig rig(following("wss://example.test/"));
    CHECK(rig.retry.on_redirect(redirect(302, "ws://example.test/")));
    CHECK(rig.failed == ExitCode::handshake);
    REQUIRE(rig.diagnostics.size() == 1);
    CHECK_THAT(rig.diagnostics[0], Contains("would no longer be encrypted"));

    auto o = following("wss://example.test/");
    o.location_trusted = true;
    Rig trusted(o);
    CHECK(trusted.retry.on_redirect(redirect(302, "ws://example.test/")));
    CHECK_FALSE(trusted.failed);
    CHECK(trusted.follows == 1);
}

TEST_CASE("retry: a bad Location fails the session with its reason", "[connect][retry]") {
    Rig rig(following("ws://example.test/"));
    CHECK(rig.retry.on_redirect(redirect(302, "ftp://example.test/")));
    CHECK(rig.failed == ExitCode::handshake);
    CHECK(rig.diagnostics.size() == 1);
    CHECK(rig.follows == 0);
}

TEST_CASE("retry: credentials stay with their origin, -v says so", "[connect][retry]") {
    auto o = following("ws://example.test/");
    o.client.headers.push_back({"Authorization", "Bearer s3cret"});
    o.verbosity = 1;
    Rig rig(o);
    CHECK(rig.retry.on_redirect(redirect(302, "ws://other.test/")));
    CHECK(rig.retry.attempt_options().headers.empty());
    CHECK(rig.traces == std::vector<std::string>{
                            "following a 302 redirect to ws://other.test/",
                            "not sending Authorization to ws://other.test/, another origin than ws://example.test/ "
                            "(--location-trusted sends them)"});
}

TEST_CASE("retry: --reconnect backs off exponentially, reported each time", "[connect][retry]") {
    Rig rig(reconnecting(), 0.0);
    CHECK(rig.retry.on_drop(false, ExitCode::connect, "cannot connect to example.test:80: refused"));
    CHECK(rig.retry.on_drop(false, ExitCode::connect, ""));
    CHECK(rig.retry.on_drop(false, ExitCode::abnormal_close, ""));
    CHECK(rig.delays == std::vector<std::chrono::milliseconds>{250ms, 500ms, 1000ms});
    CHECK(rig.diagnostics == std::vector<std::string>{"cannot connect to example.test:80: refused"});
    REQUIRE(rig.shown.size() == 3);
    CHECK(rig.shown[2].type == EventType::reconnect);
    CHECK(rig.shown[2].attempt == 3);
    CHECK(rig.shown[2].delay_ms == 1000);
    CHECK(rig.shown[2].text == "ws://example.test/feed");
}

TEST_CASE("retry: an open starts the backoff afresh", "[connect][retry]") {
    Rig rig(reconnecting(2), 0.5);
    CHECK(rig.retry.on_drop(false, ExitCode::connect, ""));
    CHECK(rig.retry.on_drop(false, ExitCode::connect, ""));
    CHECK_FALSE(rig.retry.on_drop(false, ExitCode::connect, ""));  // --reconnect-max 2
    rig.retry.on_open();
    CHECK(rig.retry.on_drop(false, ExitCode::abnormal_close, ""));
    CHECK(rig.delays == std::vector<std::chrono::milliseconds>{375ms, 750ms, 375ms});
}

TEST_CASE("retry: no reconnect without --reconnect, when ending, or for a usage error", "[connect][retry]") {
    auto o = reconnecting();
    o.reconnect = false;
    Rig off(o);
    CHECK_FALSE(off.retry.on_drop(false, ExitCode::connect, ""));
    Rig on(reconnecting());
    CHECK_FALSE(on.retry.on_drop(true, ExitCode::abnormal_close, ""));
    CHECK_FALSE(on.retry.on_drop(false, ExitCode::usage, "bad header"));
    CHECK(on.delays.empty());
    CHECK(on.shown.empty());
    CHECK(on.diagnostics.empty());
}

TEST_CASE("reconnect_delay_ms: from 0.5 s, doubling, capped at 30 s, half jitter", "[connect][retry]") {
    CHECK(wskit::reconnect_delay_ms(1, 0.0) == 250);
    CHECK(wskit::reconnect_delay_ms(1, 0.999) == 499);
    CHECK(wskit::reconnect_delay_ms(4, 0.0) == 2000);
    CHECK(wskit::reconnect_delay_ms(20, 0.0) == 15000);
    CHECK(wskit::reconnect_delay_ms(20, 0.5) == 22500);
}
