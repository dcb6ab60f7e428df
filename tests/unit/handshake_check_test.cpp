#include "support.hpp"

#include <wskit/handshake_check.hpp>

#include <algorithm>

using wskit::CheckResult;
using wskit::ExitCode;
using wskit::HttpRequest;
using wskit::ResponseHead;
using wskit::Verdict;

namespace {

// The RFC 6455 1.3 example: this key gives this accept value.
constexpr const char* rfc_key = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr const char* rfc_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

const CheckResult& find(const std::vector<CheckResult>& results, const std::string& id) {
    auto it = std::find_if(results.begin(), results.end(), [&](const CheckResult& r) { return r.id == id; });
    REQUIRE(it != results.end());
    return *it;
}

bool has(const std::vector<CheckResult>& results, const std::string& id) {
    return std::any_of(results.begin(), results.end(), [&](const CheckResult& r) { return r.id == id; });
}

ResponseHead good_response() {
    return wskit::parse_response_head(std::string("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                                  "Connection: Upgrade\r\nSec-WebSocket-Accept: ") +
                                      rfc_accept + "\r\n\r\n");
}

HttpRequest good_request() {
    HttpRequest r;
    r.method = "GET";
    r.resource = "/chat";
    r.version = "HTTP/1.1";
    r.headers = {{"Host", "example.com"},
                 {"Upgrade", "websocket"},
                 {"Connection", "keep-alive, Upgrade"},
                 {"Sec-WebSocket-Key", rfc_key},
                 {"Sec-WebSocket-Version", "13"}};
    return r;
}

void set_header(HttpRequest& r, const std::string& name, const std::string& value) {
    for (auto& h : r.headers)
        if (h.name == name) h.value = value;
}

}  // namespace

TEST_CASE("websocket_accept: the RFC's example", "[check]") { CHECK(wskit::websocket_accept(rfc_key) == rfc_accept); }

TEST_CASE("parse_response_head: status, reason, headers in order with their case", "[check]") {
    auto head = wskit::parse_response_head("HTTP/1.1 404 Not Found\r\nX-B: 1\r\nx-a:  two \r\n\r\nbody");
    CHECK(head.version == "HTTP/1.1");
    CHECK(head.status == 404);
    CHECK(head.reason == "Not Found");
    REQUIRE(head.headers.size() == 2);
    CHECK(head.headers[0].name == "X-B");
    CHECK(head.headers[1].name == "x-a");
    CHECK(head.headers[1].value == "two");
    CHECK(head.header("X-A") == "two");
    CHECK(wskit::parse_response_head("garbage").status == 0);
}

TEST_CASE("check_response: a correct answer passes every check", "[check]") {
    auto results = wskit::check_response(good_response(), rfc_key, {}, "");
    for (const auto& r : results) CHECK(r.verdict == Verdict::pass);
    CHECK(wskit::exit_code_of(results) == ExitCode::ok);
    CHECK(find(results, "accept").expected == rfc_accept);
    CHECK_THAT(find(results, "accept").detail, Catch::Matchers::Contains(rfc_key));
}

TEST_CASE("check_response: a wrong accept value fails with expected and actual", "[check]") {
    auto head = good_response();
    head.headers[2].value = "AAAA";
    auto results = wskit::check_response(head, rfc_key, {}, "");
    const auto& accept = find(results, "accept");
    CHECK(accept.verdict == Verdict::fail);
    CHECK(accept.expected == rfc_accept);
    CHECK(accept.actual == "AAAA");
    CHECK(wskit::exit_code_of(results) == ExitCode::handshake);
}

TEST_CASE("check_response: Upgrade and Connection", "[check]") {
    auto head = good_response();
    head.headers.erase(head.headers.begin());  // no Upgrade
    head.headers[0].value = "keep-alive";
    auto results = wskit::check_response(head, rfc_key, {}, "");
    CHECK(find(results, "upgrade").verdict == Verdict::fail);
    CHECK(find(results, "upgrade").actual == "(absent)");
    CHECK(find(results, "connection").verdict == Verdict::fail);
    CHECK(find(results, "connection").actual == "keep-alive");
    head.headers[0].value = "keep-alive, UPGRADE";
    CHECK(find(wskit::check_response(head, rfc_key, {}, ""), "connection").verdict == Verdict::pass);
}

TEST_CASE("check_response: subprotocols", "[check]") {
    auto head = good_response();
    CHECK(find(wskit::check_response(head, rfc_key, {"chat"}, ""), "subprotocol").verdict == Verdict::warn);
    head.headers.push_back({"Sec-WebSocket-Protocol", "chat"});
    CHECK(find(wskit::check_response(head, rfc_key, {"v2", "chat"}, ""), "subprotocol").verdict == Verdict::pass);
    auto results = wskit::check_response(head, rfc_key, {"v2"}, "");
    CHECK(find(results, "subprotocol").verdict == Verdict::fail);
    CHECK(find(results, "subprotocol").expected == "one of v2");
    CHECK(find(wskit::check_response(head, rfc_key, {}, ""), "subprotocol").verdict == Verdict::fail);
    // A warning does not change the exit status.
    CHECK(wskit::exit_code_of(wskit::check_response(good_response(), rfc_key, {"chat"}, "")) == ExitCode::ok);
}

TEST_CASE("check_response: extensions", "[check]") {
    auto head = good_response();
    head.headers.push_back({"Sec-WebSocket-Extensions", "permessage-deflate; server_no_context_takeover"});
    auto offered = wskit::check_response(head, rfc_key, {}, "permessage-deflate; client_max_window_bits");
    CHECK(find(offered, "extensions").verdict == Verdict::pass);
    CHECK_THAT(find(offered, "extensions").detail, Catch::Matchers::Contains("server_no_context_takeover"));
    CHECK(find(wskit::check_response(head, rfc_key, {}, ""), "extensions").verdict == Verdict::fail);
    CHECK(wskit::extension_names("a; x=1, b") == std::vector<std::string>{"a", "b"});
}

TEST_CASE("check_response: a refusal has the checks of its status", "[check]") {
    auto r426 = wskit::check_response(wskit::parse_response_head("HTTP/1.1 426 Upgrade Required\r\n\r\n"), rfc_key, {}, "");
    CHECK(find(r426, "status").verdict == Verdict::fail);
    CHECK(find(r426, "status").actual == "426 Upgrade Required");
    CHECK(find(r426, "version_header").verdict == Verdict::fail);
    CHECK_FALSE(has(r426, "accept"));
    auto r302 = wskit::check_response(wskit::parse_response_head("HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n"), rfc_key, {}, "");
    CHECK(find(r302, "location").verdict == Verdict::pass);
    CHECK(find(r302, "location").actual == "/x");
    auto r401 = wskit::check_response(wskit::parse_response_head("HTTP/1.1 401 No\r\nWWW-Authenticate: Basic\r\n\r\n"), rfc_key, {}, "");
    CHECK(find(r401, "challenge").verdict == Verdict::pass);
    CHECK(wskit::exit_code_of(r401) == ExitCode::handshake);
}

TEST_CASE("check_request: a correct request passes every check", "[check]") {
    auto results = wskit::check_request(good_request());
    CHECK(results.size() == 8);
    for (const auto& r : results) CHECK(r.verdict == Verdict::pass);
    CHECK(wskit::first_failure(results) == nullptr);
}

TEST_CASE("check_request: each broken item is flagged, and every other one still checked", "[check]") {
    auto r = good_request();
    r.method = "POST";
    r.version = "HTTP/1.0";
    set_header(r, "Sec-WebSocket-Key", "AAAAAAAAAAA=");  // 8 bytes
    set_header(r, "Sec-WebSocket-Version", "8");
    auto results = wskit::check_request(r);
    CHECK(find(results, "method").verdict == Verdict::fail);
    CHECK(find(results, "http_version").verdict == Verdict::fail);
    CHECK(find(results, "key").verdict == Verdict::fail);
    CHECK(find(results, "key").actual == "AAAAAAAAAAA= (8 bytes)");
    CHECK(find(results, "version").verdict == Verdict::fail);
    CHECK(find(results, "host").verdict == Verdict::pass);
    CHECK(wskit::first_failure(results)->id == "method");
}

TEST_CASE("check_request: missing headers", "[check]") {
    HttpRequest r;
    r.method = "GET";
    r.version = "HTTP/1.1";
    auto results = wskit::check_request(r);
    for (const char* id : {"host", "upgrade", "connection", "key", "version"}) {
        CHECK(find(results, id).verdict == Verdict::fail);
        CHECK(find(results, id).actual == "(absent)");
    }
}

TEST_CASE("verdict_summary and check_exchange: connect -v's line", "[check]") {
    const std::string request = std::string("GET / HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Key: ") + rfc_key +
                                "\r\nSec-WebSocket-Protocol: chat, v2\r\n\r\n";
    std::string response = std::string("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                       "Connection: Upgrade\r\nSec-WebSocket-Accept: ") + rfc_accept + "\r\n\r\n";
    auto results = wskit::check_exchange(request, response);
    CHECK(wskit::verdict_summary(results) == "pass (6 checks, 1 warning)");  // chat offered, none chosen
    CHECK(wskit::check_exchange(request, "").empty());
    auto bad = wskit::check_exchange(request, "HTTP/1.1 200 OK\r\n\r\n");
    CHECK(wskit::verdict_summary(bad) == "FAIL: status: expected 101, got 200 OK (RFC 6455 4.1)");
}

TEST_CASE("check names are subjects, not claims: they read right beside FAIL", "[check]") {
    // A name like "Sec-WebSocket-Accept matches the key" beside FAIL asserts
    // what the check found false.
    auto bad_answer = wskit::parse_response_head("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n"
                                                 "Sec-WebSocket-Protocol: evil\r\nSec-WebSocket-Extensions: x\r\n\r\n");
    auto results = wskit::check_response(bad_answer, rfc_key, {"chat"}, "");
    for (const char* refusal : {"HTTP/1.1 426 No\r\n\r\n", "HTTP/1.1 302 Found\r\n\r\n", "HTTP/1.1 401 No\r\n\r\n",
                                "HTTP/1.1 407 No\r\n\r\n"}) {
        auto more = wskit::check_response(wskit::parse_response_head(refusal), rfc_key, {}, "");
        results.insert(results.end(), more.begin(), more.end());
    }
    auto request = wskit::check_request(HttpRequest{});
    results.insert(results.end(), request.begin(), request.end());
    for (const auto& r : results) {
        INFO(r.name);
        for (const char* verb : {" is ", " are ", " matches", " contains", " has ", " carries", " names "})
            CHECK(r.name.find(verb) == std::string::npos);
    }
    CHECK(find(results, "accept").name == "Sec-WebSocket-Accept for the key sent");
}

TEST_CASE("check_request: a body is refused, Content-Length: 0 is none", "[check]") {
    auto r = good_request();
    r.headers.push_back({"Content-Length", "0"});
    CHECK(find(wskit::check_request(r), "body").verdict == Verdict::pass);
    r.headers.back().value = "14";
    auto results = wskit::check_request(r);
    CHECK(find(results, "body").verdict == Verdict::fail);
    CHECK(find(results, "body").actual == "Content-Length: 14");
    CHECK(wskit::first_failure(results)->id == "body");
    auto chunked = good_request();
    chunked.headers.push_back({"transfer-encoding", "chunked"});
    CHECK(find(wskit::check_request(chunked), "body").actual == "Transfer-Encoding: chunked");
    CHECK(find(wskit::check_request(chunked), "body").verdict == Verdict::fail);
    CHECK(find(wskit::check_request(good_request()), "body").actual == "none");
}

TEST_CASE("choose_subprotocol: the first offer among the accepted, else the first offer", "[check]") {
    using wskit::choose_subprotocol;
    CHECK(choose_subprotocol({"a", "b"}, {"b", "a"}, false) == std::optional<std::string>("a"));
    CHECK(choose_subprotocol({"a", "b"}, {"b"}, false) == std::optional<std::string>("b"));
    CHECK_FALSE(choose_subprotocol({"a"}, {"b"}, false));
    CHECK(choose_subprotocol({"a", "c"}, {"b"}, true) == std::optional<std::string>("a"));
    CHECK(choose_subprotocol({"x", "b"}, {"b"}, true) == std::optional<std::string>("b"));
    CHECK(choose_subprotocol({"v1.chat"}, {}, true) == std::optional<std::string>("v1.chat"));
    CHECK_FALSE(choose_subprotocol({}, {}, true));
    CHECK_FALSE(choose_subprotocol({}, {"b"}, false));
}

TEST_CASE("check_answer: an offered subprotocol left unanswered fails, as in a browser", "[check]") {
    auto req = good_request();
    req.headers.push_back({"Sec-WebSocket-Protocol", "v1.chat, v2"});
    const auto key = req.header("Sec-WebSocket-Key");
    auto head = [&](const std::string& extra) {
        return wskit::parse_response_head("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                          "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
                                          wskit::websocket_accept(key) + "\r\n" + extra + "\r\n");
    };
    auto ok = wskit::check_answer(req, head("Sec-WebSocket-Protocol: v2\r\n"));
    CHECK(wskit::first_failure(ok) == nullptr);
    CHECK_FALSE(has(ok, "status"));
    auto none = wskit::check_answer(req, head(""));
    REQUIRE(wskit::first_failure(none));
    CHECK(wskit::first_failure(none)->id == "subprotocol");
    CHECK(wskit::first_failure(none)->actual == "none chosen");
    CHECK_THAT(wskit::first_failure(none)->detail, Catch::Matchers::Contains("browsers"));
    auto other = wskit::check_answer(req, head("Sec-WebSocket-Protocol: v3\r\n"));
    CHECK(wskit::first_failure(other)->id == "subprotocol");
    // A refusal is the server's right; what it lacks is not.
    auto refused = wskit::check_answer(req, wskit::parse_response_head("HTTP/1.1 403 Forbidden\r\n\r\n"));
    CHECK(refused.empty());
    auto no_version = wskit::check_answer(req, wskit::parse_response_head("HTTP/1.1 426 Upgrade\r\n\r\n"));
    REQUIRE(wskit::first_failure(no_version));
    CHECK(wskit::first_failure(no_version)->id == "version_header");
    // Without offers, no subprotocol is needed.
    auto plain = good_request();
    auto no_offer = wskit::check_answer(plain, wskit::parse_response_head(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
        wskit::websocket_accept(plain.header("Sec-WebSocket-Key")) + "\r\n\r\n"));
    CHECK(wskit::first_failure(no_offer) == nullptr);
}
