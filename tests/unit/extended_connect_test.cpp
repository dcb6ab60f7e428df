#include "support.hpp"

#include <wskit/extended_connect.hpp>

#include <algorithm>

using wskit::CheckResult;
using wskit::Header;
using wskit::Verdict;

namespace {

using Fields = std::vector<Header>;

const CheckResult& result_of(const std::vector<CheckResult>& results, const std::string& id) {
    auto it = std::find_if(results.begin(), results.end(), [&](const CheckResult& r) { return r.id == id; });
    REQUIRE(it != results.end());
    return *it;
}

std::vector<std::string> ids_of(const std::vector<CheckResult>& results) {
    std::vector<std::string> ids;
    for (const auto& r : results) ids.push_back(r.id);
    return ids;
}

std::vector<CheckResult> answer(Fields fields, std::vector<std::string> offered = {"chat"},
                                std::string extensions = "") {
    return wskit::check_connect_response(fields, offered, extensions);
}

}  // namespace

TEST_CASE("extended CONNECT: the fields of the request (RFC 8441 4, 5)") {
    auto url = wskit::parse_url("wss://example.com:8443/feed?x=1");
    wskit::ExtendedConnectOffer offer;
    offer.subprotocols = {"chat", "superchat"};
    offer.extensions = "permessage-deflate; client_max_window_bits";
    offer.headers = {{"Origin", "https://example.com"}, {"X-Token", "a"}};
    auto fields = wskit::extended_connect_request(url, offer);
    Fields expected{{":method", "CONNECT"},
                    {":protocol", "websocket"},
                    {":scheme", "https"},
                    {":path", "/feed?x=1"},
                    {":authority", "example.com:8443"},
                    {"sec-websocket-version", "13"},
                    {"sec-websocket-protocol", "chat, superchat"},
                    {"sec-websocket-extensions", "permessage-deflate; client_max_window_bits"},
                    {"origin", "https://example.com"},
                    {"x-token", "a"}};
    REQUIRE(fields.size() == expected.size());
    for (std::size_t i = 0; i < fields.size(); ++i) {
        CHECK(fields[i].name == expected[i].name);
        CHECK(fields[i].value == expected[i].value);
    }
}

TEST_CASE("extended CONNECT: what HTTP/2 forbids or RFC 8441 does not use is left out, Host is :authority") {
    auto url = wskit::parse_url("ws://127.0.0.1:9000/");
    wskit::ExtendedConnectOffer offer;
    offer.headers = {{"Host", "virtual.test"},      {"Connection", "keep-alive"}, {"Upgrade", "websocket"},
                     {"Sec-WebSocket-Key", "abc"},  {"Keep-Alive", "5"},          {"Transfer-Encoding", "chunked"},
                     {"Proxy-Connection", "close"}, {":path", "/other"}, {"Sec-WebSocket-Version", "8"}};
    auto fields = wskit::extended_connect_request(url, offer);
    REQUIRE(fields.size() == 6);
    CHECK(fields[2].value == "http");
    CHECK(fields[3].value == "/");
    CHECK(fields[4].name == ":authority");
    CHECK(fields[4].value == "virtual.test");
    CHECK(fields[5].name == "sec-websocket-version");
    CHECK(fields[5].value == "8");  // -H replaces the version, once
}

TEST_CASE("extended CONNECT: the server's SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 3)") {
    using wskit::check_connect_protocol_setting;
    CHECK(check_connect_protocol_setting({{0x3, 100}, {0x8, 1}}).verdict == Verdict::pass);
    auto absent = check_connect_protocol_setting({{0x3, 100}});
    CHECK(absent.verdict == Verdict::fail);
    CHECK(absent.actual == "(absent)");
    CHECK(absent.detail.find("HTTP/1.1") != std::string::npos);
    CHECK(check_connect_protocol_setting({{0x8, 0}}).verdict == Verdict::fail);
    auto two = check_connect_protocol_setting({{0x8, 2}});
    CHECK(two.verdict == Verdict::fail);
    CHECK(two.detail.find("PROTOCOL_ERROR") != std::string::npos);
    // The last value counts; withdrawing it is named.
    CHECK(check_connect_protocol_setting({{0x8, 0}, {0x8, 1}}).verdict == Verdict::pass);
    auto withdrawn = check_connect_protocol_setting({{0x8, 1}, {0x8, 0}});
    CHECK(withdrawn.verdict == Verdict::fail);
    CHECK(withdrawn.detail.find("withdraw") != std::string::npos);
}

TEST_CASE("extended CONNECT: setting names") {
    CHECK(wskit::http2_setting_name(0x8) == "SETTINGS_ENABLE_CONNECT_PROTOCOL");
    CHECK(wskit::http2_setting_name(0x3) == "SETTINGS_MAX_CONCURRENT_STREAMS");
    CHECK(wskit::http2_setting_name(0x2a) == "unknown setting 0x2a");
}

TEST_CASE("extended CONNECT: a 200 with the subprotocol offered passes every check") {
    auto results = answer({{":status", "200"}, {"sec-websocket-protocol", "chat"}, {"server", "x"}});
    CHECK(ids_of(results) == std::vector<std::string>{"status", "fields", "accept", "subprotocol", "extensions"});
    CHECK(wskit::first_failure(results) == nullptr);
    CHECK(std::none_of(results.begin(), results.end(),
                       [](const CheckResult& r) { return r.verdict == Verdict::warn; }));
    CHECK(result_of(results, "status").rfc == "RFC 8441 5");
}

TEST_CASE("extended CONNECT: a 101 fails, and says that HTTP/2 has none") {
    auto results = answer({{":status", "101"}, {"upgrade", "websocket"}});
    REQUIRE(results.size() == 1);
    CHECK(results[0].verdict == Verdict::fail);
    CHECK(results[0].actual == "101");
    CHECK(results[0].detail.find("HTTP/2 has none") != std::string::npos);
}

TEST_CASE("extended CONNECT: a refusal gets the checks of an HTTP/1.1 refusal") {
    auto redirect = answer({{":status", "302"}});
    CHECK(result_of(redirect, "status").verdict == Verdict::fail);
    CHECK(result_of(redirect, "location").verdict == Verdict::fail);
    auto challenge = answer({{":status", "401"}, {"www-authenticate", "Bearer"}});
    CHECK(result_of(challenge, "challenge").verdict == Verdict::pass);
    auto none = answer({{"server", "x"}});
    CHECK(result_of(none, "status").actual == "no valid :status");
    CHECK(result_of(answer({{":status", "2000"}}), "status").verdict == Verdict::fail);
}

TEST_CASE("extended CONNECT: malformed fields of a 200 fail (RFC 9113 8.2, 8.3)") {
    auto problem = [](Fields fields) { return result_of(answer(std::move(fields)), "fields"); };
    CHECK(problem({{":status", "200"}, {"upgrade", "websocket"}}).actual == "upgrade: a connection-specific field");
    CHECK(problem({{":status", "200"}, {"Connection", "Upgrade"}}).actual ==
          "Connection: a field name with uppercase");
    CHECK(problem({{"server", "x"}, {":status", "200"}}).actual == ":status after a regular field");
    CHECK(problem({{":status", "200"}, {":status", "200"}}).actual == "a second :status");
    CHECK(problem({{":status", "200"}, {":path", "/"}}).actual == ":path, which a response does not have");
    CHECK(problem({{":status", "200"}, {"x", "a\r\nb"}}).actual == "x: a NUL, CR or LF in the field");
    CHECK(problem({{":status", "200"}, {"", "a"}}).actual == "a field with no name");
    CHECK(problem({{":status", "200"}, {"x", "a"}}).verdict == Verdict::pass);
}

TEST_CASE("extended CONNECT: an answer as over HTTP/1.1, a subprotocol not offered, an extension not offered") {
    auto accept = result_of(answer({{":status", "200"}, {"sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}}),
                            "accept");
    CHECK(accept.verdict == Verdict::warn);
    CHECK(accept.detail.find("HTTP/1.1") != std::string::npos);
    CHECK(result_of(answer({{":status", "200"}, {"sec-websocket-protocol", "other"}}), "subprotocol").verdict ==
          Verdict::fail);
    CHECK(result_of(answer({{":status", "200"}}), "subprotocol").verdict == Verdict::warn);
    CHECK(result_of(answer({{":status", "200"}, {"sec-websocket-extensions", "x-custom"}}, {}, "permessage-deflate"),
                    "extensions")
              .verdict == Verdict::fail);
    auto deflate = result_of(
        answer({{":status", "200"}, {"sec-websocket-extensions", "permessage-deflate; server_no_context_takeover"}},
               {}, "permessage-deflate"),
        "extensions");
    CHECK(deflate.verdict == Verdict::pass);
    CHECK(deflate.rfc == "RFC 8441 5");
}

TEST_CASE("extended CONNECT: the answer as a response head") {
    auto head = wskit::http2_response_head({{":status", "204"}, {"server", "x"}, {":status", "500"}});
    CHECK(head.status == 204);
    CHECK(head.version == "HTTP/2");
    REQUIRE(head.headers.size() == 1);
    CHECK(head.header("Server") == "x");
    CHECK(wskit::http2_response_head({{":status", "2x0"}}).status == 0);
}

TEST_CASE("extended CONNECT: HTTP/2 error codes by name (RFC 9113 7)") {
    CHECK(wskit::http2_error_name(0x1) == "PROTOCOL_ERROR (0x1)");
    CHECK(wskit::http2_error_name(0x8) == "CANCEL (0x8)");
    CHECK(wskit::http2_error_name(0xd) == "HTTP_1_1_REQUIRED (0xd)");
    CHECK(wskit::http2_error_name(0x2a) == "unknown error (0x2a)");
}

TEST_CASE("extended CONNECT: header fields as trace lines and back") {
    Fields fields = {{":status", "200"}, {"sec-websocket-protocol", "chat"}, {"x-empty", ""}};
    auto lines = wskit::http2_field_lines(fields);
    CHECK(lines == ":status: 200\r\nsec-websocket-protocol: chat\r\nx-empty: \r\n");
    auto back = wskit::parse_http2_field_lines(lines);
    REQUIRE(back.size() == 3);
    CHECK(back[0].name == ":status");
    CHECK(back[0].value == "200");
    CHECK(back[2].name == "x-empty");
    CHECK(back[2].value.empty());
}

TEST_CASE("extended CONNECT: a client's one-line error for an answer that does not open") {
    CHECK_FALSE(wskit::connect_answer_failure({{":status", "200"}}, {}, ""));
    auto refused = wskit::connect_answer_failure({{":status", "403"}}, {}, "");
    REQUIRE(refused);
    CHECK(refused->code == wskit::ExitCode::handshake);
    CHECK(refused->message == "the server answered the extended CONNECT with 403");
    auto chosen = wskit::connect_answer_failure({{":status", "200"}, {"sec-websocket-protocol", "x\x1b"}}, {"chat"}, "");
    REQUIRE(chosen);
    CHECK(chosen->message.rfind("handshake rejected: subprotocol: expected one of chat, got x\\x1b", 0) == 0);
}
