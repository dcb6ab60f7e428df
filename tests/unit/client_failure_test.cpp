#include "proto/client_failure.hpp"

#include <catch2/catch.hpp>

#include <string>

using wskit::ConnectPhase;
using wskit::ExitCode;
using wskit::FailureCause;
using wskit::detail::classify_close;
using wskit::detail::classify_opening;
using wskit::detail::CloseOutcome;
using wskit::detail::OpeningOutcome;

namespace {

OpeningOutcome at(ConnectPhase phase) {
    OpeningOutcome o;
    o.facts.phase = phase;
    o.facts.target = "ws://example.test:9000/feed";
    o.facts.host = "example.test";
    o.facts.authority = "example.test:9000";
    o.facts.timeout = std::chrono::milliseconds(2500);
    return o;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("client opening: the transport's error before TCP is exit 3", "[client_failure]") {
    auto o = at(ConnectPhase::connect);
    o.transport_cause = FailureCause::refused;
    o.transport_error = "Connection refused";
    auto f = classify_opening(o);
    CHECK(f.code == ExitCode::connect);
    CHECK(contains(f.message, "cannot connect to example.test:9000"));
}

TEST_CASE("client opening: a status other than 101 is exit 5, with its reason", "[client_failure]") {
    auto o = at(ConnectPhase::upgrade);
    o.status = 403;
    o.status_text = "Forbidden";
    o.response_complete = true;
    o.transport_cause = FailureCause::closed;  // the status says more than the close that followed
    auto f = classify_opening(o);
    CHECK(f.code == ExitCode::handshake);
    CHECK(contains(f.message, "403"));
    CHECK(contains(f.message, "Forbidden"));
}

TEST_CASE("client opening: out of time, an answer counts once its head is in", "[client_failure]") {
    auto o = at(ConnectPhase::upgrade);
    o.timed_out = true;
    o.status = 503;
    o.status_text = "Busy";
    o.response_complete = false;  // the head never ended
    CHECK(classify_opening(o).code == ExitCode::timeout);
    o.response_complete = true;  // only the body was slow
    auto f = classify_opening(o);
    CHECK(f.code == ExitCode::handshake);
    CHECK(contains(f.message, "503"));
    auto connecting = at(ConnectPhase::connect);
    connecting.timed_out = true;
    CHECK(classify_opening(connecting).code == ExitCode::connect);  // no TCP in time
}

TEST_CASE("client opening: a complete 101 the library refused is a bad upgrade, exit 5", "[client_failure]") {
    auto o = at(ConnectPhase::upgrade);
    o.status = 101;
    o.response_complete = true;
    o.upgrade_error = "Invalid Sec-WebSocket-Accept";
    auto f = classify_opening(o);
    CHECK(f.code == ExitCode::handshake);
    CHECK(contains(f.message, "Invalid Sec-WebSocket-Accept"));
}

TEST_CASE("client opening: a refused tunnel is the connector's message, exit 3", "[client_failure]") {
    auto o = at(ConnectPhase::connect);
    o.tunnel_failed = true;
    o.tunnel_error = "the proxy proxy.test:3128 refused the tunnel: 403 Forbidden";
    auto f = classify_opening(o);
    CHECK(f.code == ExitCode::connect);
    CHECK(f.message == o.tunnel_error);
}

TEST_CASE("client opening: a refused certificate is exit 4 with its reason", "[client_failure]") {
    auto o = at(ConnectPhase::upgrade);
    o.facts.secure = true;
    o.verify_failure = "certificate has expired";
    o.transport_cause = FailureCause::tls_protocol;
    auto f = classify_opening(o);
    CHECK(f.code == ExitCode::tls);
    CHECK(contains(f.message, "certificate has expired"));
}

TEST_CASE("client opening: a failed TLS handshake says TLS's reason, exit 4", "[client_failure]") {
    auto o = at(ConnectPhase::tls);
    o.facts.secure = true;
    o.transport_cause = FailureCause::tls_protocol;
    o.transport_error = "asio.ssl error";
    o.tls_error = "error:0A00042E:SSL routines::tlsv1 alert protocol version";
    auto f = classify_opening(o);
    CHECK(f.code == ExitCode::tls);
    CHECK(contains(f.message, "tlsv1 alert protocol version"));
    o.tls_error.clear();  // none: the transport's own text
    CHECK(contains(classify_opening(o).message, "asio.ssl error"));
}

TEST_CASE("client opening: closed without an answer after the request is exit 5", "[client_failure]") {
    auto o = at(ConnectPhase::upgrade);
    o.transport_cause = FailureCause::closed;
    o.transport_error = "End of File";
    auto f = classify_opening(o);
    CHECK(f.code == ExitCode::handshake);
    CHECK_FALSE(contains(f.message, "cannot connect"));
}

TEST_CASE("client close: a clean close the server started with 1000 is no failure", "[client_failure]") {
    CloseOutcome o;
    o.code = 1000;
    o.remote_code = 1000;
    CHECK_FALSE(classify_close(o));
    o.remote_code = 1005;  // no code at all
    CHECK_FALSE(classify_close(o));
}

TEST_CASE("client close: the server's error code decides, unless it echoes ours", "[client_failure]") {
    CloseOutcome o;
    o.remote_code = 1011;
    o.reason = "boom";
    auto f = classify_close(o);
    REQUIRE(f);
    CHECK(f->code == wskit::exit_code_for_close(1011));
    CHECK(contains(f->message, "1011"));
    o.user_closed = true;
    o.sent_close_code = 1011;  // our own code, answered
    CHECK_FALSE(classify_close(o));
    o.sent_close_code = 1000;  // a 1011 in answer to our 1000 is no success
    CHECK(classify_close(o));
}

TEST_CASE("client close: no close handshake is exit 6, 1006", "[client_failure]") {
    CloseOutcome o;
    o.clean = false;
    auto f = classify_close(o);
    REQUIRE(f);
    CHECK(f->code == ExitCode::abnormal_close);
    CHECK(f->message == "the server dropped the connection without a close frame (1006)");
    o.user_closed = true;
    CHECK(classify_close(o)->message == "the server did not complete the close handshake (1006)");
}

TEST_CASE("client close: one we failed is exit 6, saying why", "[client_failure]") {
    CloseOutcome o;
    o.failed_here = true;
    o.code = 1009;
    o.max_message_size = 1024;
    auto f = classify_close(o);
    REQUIRE(f);
    CHECK(f->code == ExitCode::abnormal_close);
    CHECK(f->message == "a message from the server exceeds --max-size (1024 bytes); closed with 1009");
    o.code = 1002;
    o.library_error = "Invalid\x1b opcode";  // the library's word, escaped, when no reason
    CHECK(classify_close(o)->message == "the server broke the protocol (Invalid\\x1b opcode); closed with 1002");
    o.reason = "reserved bits";
    CHECK(classify_close(o)->message == "the server broke the protocol (reserved bits); closed with 1002");
}
