#include "support.hpp"

#include <wskit/secrets.hpp>
#include <wskit/tool/inspect.hpp>

#include <nlohmann/json.hpp>

using Catch::Matchers::Contains;
using wskit::ExitCode;
using wskit::InspectReport;
using wskit::RenderOptions;

namespace {

InspectReport sample_report() {
    InspectReport r;
    r.url = "ws://example.test/";
    r.connection.resolved_host = "example.test:80";
    r.connection.addresses = {"192.0.2.1:80"};
    r.connection.attempts = {{"192.0.2.1:80", ""}};
    r.connection.connected_to = "192.0.2.1:80";
    r.connection.timings.dns = 1.5;
    r.request = "GET / HTTP/1.1\r\nHost: example.test\r\nAuthorization: Bearer abc.def\r\nCookie: sid=42; t=x\r\n\r\n";
    r.response = "HTTP/1.1 403 Forbidden\r\nX-Evil: \x1b[31mred\r\nContent-Length: 3\r\n\r\n";
    r.body = std::string("no\xff", 3);
    r.checks = wskit::check_response(wskit::parse_response_head(r.response), "dGhlIHNhbXBsZSBub25jZQ==", {}, "");
    r.exit = ExitCode::handshake;
    r.error = "handshake rejected";
    return r;
}

}  // namespace

TEST_CASE("mask_secret: credentials and cookie values, not their names", "[inspect]") {
    CHECK(wskit::mask_secret("Authorization", "Basic dXNlcjpwYXNz") == "Basic [hidden]");
    CHECK(wskit::mask_secret("proxy-authorization", "token") == "[hidden]");
    CHECK(wskit::mask_secret("Cookie", "a=1; b=2") == "a=[hidden]; b=[hidden]");
    CHECK(wskit::mask_secret("Set-Cookie", "sid=1; Path=/; HttpOnly") == "sid=[hidden]; Path=/; HttpOnly");
    CHECK(wskit::mask_secret("Host", "example.test") == "example.test");
}

TEST_CASE("mask_secrets: every secret line of a head, the rest as it is", "[inspect]") {
    auto masked = wskit::mask_secrets(sample_report().request);
    CHECK(masked == "GET / HTTP/1.1\r\nHost: example.test\r\nAuthorization: Bearer [hidden]\r\n"
                    "Cookie: sid=[hidden]; t=[hidden]\r\n\r\n");
}

TEST_CASE("render_human: sections, masked secrets, escaped peer text, the verdict", "[inspect]") {
    auto text = wskit::render_human(sample_report(), RenderOptions{});
    for (const char* section : {"Resolution\n", "Timings\n", "Request\n", "Response\n", "Checks\n", "Verdict\n"})
        CHECK_THAT(text, Contains(section));
    CHECK_THAT(text, Contains("Authorization: Bearer [hidden]"));
    CHECK_THAT(text, !Contains("abc.def"));
    CHECK_THAT(text, !Contains("\x1b"));  // the peer's escape sequence is shown, not run
    CHECK_THAT(text, Contains("FAIL  status  (RFC 6455 4.1)"));
    CHECK_THAT(text, Contains("actual:   403 Forbidden"));
    CHECK_THAT(text, Contains("FAIL (exit 5)"));
    CHECK_THAT(wskit::render_human(sample_report(), RenderOptions{false, true}), Contains("abc.def"));
}

TEST_CASE("render_json: one document, bytes that are not UTF-8 in base64", "[inspect]") {
    auto text = wskit::render_json(sample_report(), RenderOptions{});
    REQUIRE(text.back() == '\n');
    CHECK(text.find('\n') == text.size() - 1);
    auto doc = nlohmann::json::parse(text);
    CHECK(doc["type"] == "handshake");
    CHECK(doc["exit_code"] == 5);
    CHECK(doc["verdict"] == "fail");
    CHECK(doc["response"]["status"] == 403);
    CHECK(doc["response"]["body_base64"] == "bm//");
    CHECK_FALSE(doc["response"].contains("body"));
    CHECK(doc["timings"]["dns_ms"] == 1.5);
    CHECK(doc["timings"]["tcp_ms"].is_null());
    CHECK(doc["tls"].is_null());
    CHECK(doc["request"]["headers"][1]["value"] == "Bearer [hidden]");
    CHECK(doc["checks"][0]["id"] == "status");
}
