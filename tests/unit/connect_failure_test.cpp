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

TEST_CASE("classify: a timeout before TCP (or the proxy's tunnel) is up is exit 3", "[connect_failure]") {
    for (auto phase : {ConnectPhase::connect, ConnectPhase::proxy}) {
        auto in = facts(phase, FailureCause::timed_out);
        in.proxy = phase == ConnectPhase::proxy ? "127.0.0.1:1080" : "";
        auto f = wskit::classify_connect_failure(in);
        CHECK(f.code == ExitCode::connect);
        CHECK(contains(f.message, "cannot connect to example.test:9000"));
        CHECK(contains(f.message, "2.5 s"));
        CHECK(contains(f.message, "--connect-timeout"));
    }
}

TEST_CASE("classify: once TCP is up, no answer in time is exit 7 and never 'cannot connect'", "[connect_failure]") {
    auto tls = wskit::classify_connect_failure(facts(ConnectPhase::tls, FailureCause::timed_out, true));
    CHECK(tls.code == ExitCode::timeout);
    CHECK(tls.message == "the TLS handshake with example.test:9443 did not complete within 2.5 s (see "
                         "--connect-timeout) (TCP was connected)");
    auto silent = wskit::classify_connect_failure(facts(ConnectPhase::upgrade, FailureCause::timed_out));
    CHECK(silent.code == ExitCode::timeout);
    CHECK(silent.message == "ws://example.test:9000/feed did not answer the upgrade request within 2.5 s (see "
                            "--connect-timeout)");
    for (const auto& f : {tls, silent}) CHECK(!contains(f.message, "cannot connect"));
}

TEST_CASE("classify: a response head that never ends is a timeout that says so, with its start", "[connect_failure]") {
    auto in = facts(ConnectPhase::upgrade, FailureCause::timed_out);
    in.answer = "HTTP/1.1 101 Switching Protocols\r\nUpgr";
    auto f = wskit::classify_connect_failure(in);
    CHECK(f.code == ExitCode::timeout);
    CHECK(f.message == "ws://example.test:9000/feed began to answer, but the response head did not end within 2.5 s "
                       "(see --connect-timeout) (got 38 bytes: 'HTTP/1.1 101 Switching P'...)");
    CHECK(!contains(f.message, "Accept"));
}

TEST_CASE("classify: the time and the option that ran out are the caller's", "[connect_failure]") {
    auto in = facts(ConnectPhase::upgrade, FailureCause::timed_out);
    in.timeout = std::chrono::milliseconds(1000);
    in.timeout_option = "-d, the run's duration";
    CHECK(contains(wskit::classify_connect_failure(in).message, "within 1 s (see -d, the run's duration)"));
}

TEST_CASE("classify: a plain connection closed without an answer is a rejection that hints at wss://",
          "[connect_failure]") {
    auto f = wskit::classify_connect_failure(facts(ConnectPhase::upgrade, FailureCause::closed));
    CHECK(f.code == ExitCode::handshake);
    CHECK(f.message == "handshake rejected: ws://example.test:9000/feed closed the connection without answering the "
                       "upgrade request (if it is a TLS port, use wss://)");
}

TEST_CASE("classify: an answer in TLS is exit 5 and says to use wss://, whatever ended the wait", "[connect_failure]") {
    for (auto cause : {FailureCause::timed_out, FailureCause::closed, FailureCause::other}) {
        auto in = facts(ConnectPhase::upgrade, cause);
        in.answer = std::string("\x16\x03\x03\x00\x7a\x02\x00\x00\x76", 9);  // a ServerHello's record
        auto f = wskit::classify_connect_failure(in);
        CHECK(f.code == ExitCode::handshake);
        CHECK(f.message == "handshake rejected: ws://example.test:9000/feed answered the upgrade request with TLS, not "
                           "HTTP (it is a TLS port: use wss://)");
    }
    auto alert = facts(ConnectPhase::upgrade, FailureCause::closed);
    alert.answer = std::string("\x15\x03\x01\x00\x02\x02\x46", 7);
    CHECK(contains(wskit::classify_connect_failure(alert).message, "with TLS, not HTTP"));
}

TEST_CASE("classify: other bytes than HTTP are exit 5, shown escaped", "[connect_failure]") {
    auto in = facts(ConnectPhase::upgrade, FailureCause::other);
    in.answer = "SSH-2.0-OpenSSH_9.2\r\n\x1b[2J";
    in.detail = "Generic error";
    auto f = wskit::classify_connect_failure(in);
    CHECK(f.code == ExitCode::handshake);
    CHECK(f.message == "handshake rejected: ws://example.test:9000/feed answered the upgrade request with bytes that "
                       "are not HTTP: 'SSH-2.0-OpenSSH_9.2\\x0d\\x0a\\x1b[2'... (is it a WebSocket server?)");
    CHECK(f.message.find('\x1b') == std::string::npos);
}

TEST_CASE("classify: an answer cut off half-way is a rejection", "[connect_failure]") {
    auto in = facts(ConnectPhase::upgrade, FailureCause::closed);
    in.answer = "HTTP/1.1 200";
    auto f = wskit::classify_connect_failure(in);
    CHECK(f.code == ExitCode::handshake);
    CHECK(contains(f.message, "closed the connection in the middle of its answer (after 12 bytes: 'HTTP/1.1 200')"));
}

TEST_CASE("classify_answer: HTTP (even its first bytes), a TLS record, anything else", "[connect_failure]") {
    using wskit::AnswerKind;
    CHECK(wskit::classify_answer("") == AnswerKind::none);
    CHECK(wskit::classify_answer("HT") == AnswerKind::http);
    CHECK(wskit::classify_answer("HTTP/1.1 101 Switching") == AnswerKind::http);
    CHECK(wskit::classify_answer(std::string("\x16\x03\x01", 3)) == AnswerKind::tls);
    CHECK(wskit::classify_answer(std::string("\x15", 1)) == AnswerKind::tls);
    CHECK(wskit::classify_answer("hello") == AnswerKind::unknown);
    CHECK(wskit::classify_answer(std::string("\x16\x00", 2)) == AnswerKind::unknown);
}

TEST_CASE("classify: a 101 that agrees to what was not offered is a rejection", "[connect_failure]") {
    auto in = facts(ConnectPhase::upgrade, FailureCause::bad_negotiation);
    in.detail = "permessage-deflate: client_max_window_bits=16 is out of range";
    auto f = wskit::classify_connect_failure(in);
    CHECK(f.code == ExitCode::handshake);
    CHECK(f.message == "handshake rejected: the 101 of ws://example.test:9000/feed does not match the offer: "
                       "permessage-deflate: client_max_window_bits=16 is out of range");
}

TEST_CASE("classify: running out of file descriptors is this process's runtime error", "[connect_failure]") {
    auto in = facts(ConnectPhase::connect, FailureCause::no_descriptors);
    in.detail = "1024 of 1024 open";
    auto f = wskit::classify_connect_failure(in);
    CHECK(f.code == ExitCode::runtime);
    CHECK(f.message == "out of file descriptors (1024 of 1024 open): raise the limit (ulimit -n) or open fewer "
                       "connections");
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
    CHECK(f.message == "cannot connect to example.test:9000: the proxy 127.0.0.1:1080 did not open a tunnel within "
                       "2.5 s (see --connect-timeout)");
}
