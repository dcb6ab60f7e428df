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

TEST_CASE("render: the HTTP/2 probe's section, masked and escaped, and the side-by-side verdict", "[inspect]") {
    auto r = sample_report();
    wskit::Http2Report h;
    h.negotiated = h.enabled = true;
    h.alpn = "h2";
    h.settings = {{0x3, 100}, {0x8, 1}, {0x99, 7}};
    h.request = ":method: CONNECT\r\n:protocol: websocket\r\nauthorization: Bearer abc.def\r\n";
    h.response = ":status: 200\r\nx-evil: \x1b[2Jgone\r\n";
    h.exit = ExitCode::handshake;
    h.error = "the server reset the extended CONNECT stream with PROTOCOL_ERROR (0x1)";
    r.http2 = h;
    auto text = wskit::render_human(r, RenderOptions{});
    CHECK_THAT(text, Contains("HTTP/2 (RFC 8441)\n"));
    CHECK_THAT(text, Contains("SETTINGS     SETTINGS_MAX_CONCURRENT_STREAMS = 100\n"));
    CHECK_THAT(text, Contains("unknown setting 0x99 = 7\n"));
    CHECK_THAT(text, Contains("  > authorization: Bearer [hidden]\n"));
    CHECK_THAT(text, Contains("  < x-evil: \\x1b[2Jgone\n"));
    CHECK_THAT(text, Contains("HTTP/1.1 upgrade: FAIL; HTTP/2 extended CONNECT: FAIL\n"));
    auto doc = nlohmann::json::parse(wskit::render_json(r, RenderOptions{}));
    CHECK(doc["http2"]["verdict"] == "fail");
    CHECK(doc["http2"]["request"][2]["value"] == "Bearer [hidden]");
    CHECK(doc["http2"]["summary"] ==
          "HTTP/2 extended CONNECT: FAIL (the server reset the extended CONNECT stream with PROTOCOL_ERROR (0x1)): "
          "browsers that reuse an HTTP/2 connection to this host will fail");
    h.enabled = false;
    h.settings = {{0x3, 100}};
    r.http2 = h;
    CHECK(nlohmann::json::parse(wskit::render_json(r, RenderOptions{}))["http2"]["verdict"] == "unused");
    CHECK_THAT(wskit::render_human(r, RenderOptions{}),
               Contains("HTTP/1.1 upgrade: FAIL; HTTP/2: spoken, without the extended CONNECT\n"));
}
