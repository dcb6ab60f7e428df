#include "support.hpp"

#include <wskit/connect_failure.hpp>

#include <string>

using wskit::ConnectPhase;
using wskit::ExitCode;
using wskit::FailureCause;
using wskit::FailureFacts;

namespace {

FailureFacts facts(ConnectPhase phase, FailureCause cause, bool secure = false) {
    FailureFacts f;
    f.phase = phase;
    f.cause = cause;
    f.secure = secure;
    f.target = secure ? "wss://example.test:9443/feed" : "ws://example.test:9000/feed";
    f.host = "example.test";
    f.authority = secure ? "example.test:9443" : "example.test:9000";
    f.timeout = std::chrono::milliseconds(2500);
    return f;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("classify: an unknown name is 'cannot resolve host', exit 3, for ws and wss", "[connect_failure]") {
    for (bool secure : {false, true}) {
        auto f = wskit::classify_connect_failure(facts(ConnectPhase::connect, FailureCause::host_not_found, secure));
        CHECK(f.code == ExitCode::connect);
        CHECK(f.message == "cannot resolve host example.test (check the name, or the network's DNS)");
    }
}

TEST_CASE("classify: a refused connection is exit 3 whatever the scheme", "[connect_failure]") {
    for (bool secure : {false, true}) {
        auto f = wskit::classify_connect_failure(facts(ConnectPhase::connect, FailureCause::refused, secure));
        CHECK(f.code == ExitCode::connect);
        CHECK(contains(f.message, "connection refused"));
        CHECK(!contains(f.message, "TLS"));
    }
}

TEST_CASE("classify: a refusal by the proxy's port names the proxy", "[connect_failure]") {
    auto in = facts(ConnectPhase::connect, FailureCause::refused);
    in.proxy = "127.0.0.1:3128";
    auto f = wskit::classify_connect_failure(in);
    CHECK(f.code == ExitCode::connect);
    CHECK(f.message == "cannot connect to the proxy 127.0.0.1:3128 (for example.test:9000): connection refused");
}

TEST_CASE("classify: every timeout before the open is exit 3 and says the seconds and the phase", "[connect_failure]") {
    for (auto phase : {ConnectPhase::connect, ConnectPhase::proxy, ConnectPhase::tls, ConnectPhase::upgrade}) {
        auto f = wskit::classify_connect_failure(facts(phase, FailureCause::timed_out));
        CHECK(f.code == ExitCode::connect);
        CHECK(contains(f.message, "timed out after 2.5 s"));
        CHECK(contains(f.message, "--connect-timeout"));
    }
    CHECK(contains(wskit::classify_connect_failure(facts(ConnectPhase::upgrade, FailureCause::timed_out)).message,
                   "waiting for the answer to the upgrade request"));
}

TEST_CASE("classify: a plain connection dropped before the answer hints at wss://", "[connect_failure]") {
    auto f = wskit::classify_connect_failure(facts(ConnectPhase::upgrade, FailureCause::closed));
    CHECK(f.code == ExitCode::connect);
    CHECK(contains(f.message, "use wss://"));
}

TEST_CASE("classify: a TLS connection dropped after the handshake suggests a client certificate", "[connect_failure]") {
    auto f = wskit::classify_connect_failure(facts(ConnectPhase::upgrade, FailureCause::closed, true));
    CHECK(f.code == ExitCode::tls);
    CHECK(contains(f.message, "--cert"));
}

TEST_CASE("classify: TLS failures are exit 4 and say why", "[connect_failure]") {
    auto verify = facts(ConnectPhase::tls, FailureCause::tls_verify, true);
    verify.detail = "certificate has expired";
    auto f = wskit::classify_connect_failure(verify);
    CHECK(f.code == ExitCode::tls);
    CHECK(contains(f.message, "TLS verification of example.test failed: certificate has expired"));

    auto closed = wskit::classify_connect_failure(facts(ConnectPhase::tls, FailureCause::closed, true));
    CHECK(closed.code == ExitCode::tls);
    CHECK(contains(closed.message, "is it a TLS server?"));
}

TEST_CASE("classify: an answer other than 101 is exit 5, redirects point to -L", "[connect_failure]") {
    auto in = facts(ConnectPhase::upgrade, FailureCause::http_status);
    in.status = 403;
    in.status_text = "Forbidden";
    auto f = wskit::classify_connect_failure(in);
    CHECK(f.code == ExitCode::handshake);
    CHECK(f.message == "handshake rejected: ws://example.test:9000/feed answered HTTP 403 Forbidden instead of 101 "
                       "(use -v to see the response)");

    in.status = 302;
    in.status_text = "Found";
    in.location = "ws://elsewhere.test/";
    CHECK(contains(wskit::classify_connect_failure(in).message, "redirecting to ws://elsewhere.test/ (use -L to follow)"));
}

TEST_CASE("classify: peer-controlled text is escaped", "[connect_failure]") {
    auto in = facts(ConnectPhase::upgrade, FailureCause::http_status);
    in.status = 403;
    in.status_text = "No\x1b]0;owned\x07";
    auto f = wskit::classify_connect_failure(in);
    CHECK(f.message.find('\x1b') == std::string::npos);
    CHECK(contains(f.message, "No\\x1b]0;owned\\x07"));
}

TEST_CASE("classify: a timeout once TCP to the proxy is up says the proxy was slow", "[connect_failure]") {
    auto in = facts(ConnectPhase::proxy, FailureCause::timed_out);
    in.proxy = "127.0.0.1:1080";
    auto f = wskit::classify_connect_failure(in);
    CHECK(f.code == ExitCode::connect);
    CHECK(contains(f.message, "waiting for the proxy to open the tunnel"));
}
