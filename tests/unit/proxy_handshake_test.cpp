// What `wskit proxy` passes from one leg's handshake and close to the other
// (proto/proxy_handshake.hpp): the upstream target, the forwarded request
// headers, the client's answer from the upstream's, and relayed closes.
#include "proto/proxy_handshake.hpp"

#include <wskit/error.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace wskit;
using detail::answer_from_upstream;
using detail::relayed_close;
using detail::upstream_failure_answer;
using detail::upstream_request;
using detail::upstream_resource;
using Catch::Matchers::Contains;

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs pairs(const std::vector<Header>& headers) {
    Pairs out;
    for (const auto& h : headers) out.emplace_back(h.name, h.value);
    return out;
}

HttpRequest request(std::string_view head) { return parse_request_head(head); }

// A browser's upgrade request, with what a proxy must not pass on mixed in.
constexpr std::string_view browser_request =
    "GET /feed?room=1 HTTP/1.1\r\n"
    "Host: proxy.example:9000\r\n"
    "Connection: keep-alive, Upgrade, X-Hop\r\n"
    "Upgrade: websocket\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Protocol: chat, superchat\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    "Origin: https://app.example\r\n"
    "User-Agent: Mozilla/5.0 (X11)\r\n"
    "Cookie: a=1\r\n"
    "Keep-Alive: timeout=5\r\n"
    "X-Hop: only for the first hop\r\n"
    "Authorization: Bearer t0ken\r\n"
    "Proxy-Authorization: Basic cHJveHk6cHc=\r\n"
    "TE: trailers\r\n"
    "Cookie: b=2\r\n"
    "X-Request-Id: 42\r\n"
    "\r\n";

}  // namespace

// --- upstream_resource ---------------------------------------------------------

TEST_CASE("upstream_resource: the client's path goes after the base's", "[proxy_handshake]") {
    CHECK(upstream_resource("/api", "/feed", false) == "/api/feed");
    CHECK(upstream_resource("/api/", "/feed", false) == "/api/feed");  // one slash at the seam
    CHECK(upstream_resource("/api/v2", "/a/b/", false) == "/api/v2/a/b/");
    CHECK(upstream_resource("/api/", "/feed/", false) == "/api/feed/");
    CHECK(upstream_resource("/api", "feed", false) == "/api/feed");  // a slash is put in between
    // A base of "/" (or none) is the client's path alone.
    CHECK(upstream_resource("/", "/feed", false) == "/feed");
    CHECK(upstream_resource("", "/feed", false) == "/feed");
}

TEST_CASE("upstream_resource: a client asking for / gets the base as it is", "[proxy_handshake]") {
    CHECK(upstream_resource("/api", "/", false) == "/api");
    CHECK(upstream_resource("/api/", "/", false) == "/api/");
    CHECK(upstream_resource("/", "/", false) == "/");
    CHECK(upstream_resource("", "/", false) == "/");
    CHECK(upstream_resource("/api", "", false) == "/api");
    CHECK(upstream_resource("", "", false) == "/");
}

TEST_CASE("upstream_resource: both queries, the base's first", "[proxy_handshake]") {
    CHECK(upstream_resource("/api?key=k", "/feed?room=1", false) == "/api/feed?key=k&room=1");
    CHECK(upstream_resource("/api?key=k", "/feed", false) == "/api/feed?key=k");
    CHECK(upstream_resource("/api", "/feed?room=1", false) == "/api/feed?room=1");
    CHECK(upstream_resource("/api/?key=k", "/feed?room=1&x=2", false) == "/api/feed?key=k&room=1&x=2");
    CHECK(upstream_resource("/api?key=k", "/?room=1", false) == "/api?key=k&room=1");
    CHECK(upstream_resource("/", "/?room=1", false) == "/?room=1");
    CHECK(upstream_resource("/?key=k", "/", false) == "/?key=k");
    // An empty query adds no "?" nor "&".
    CHECK(upstream_resource("/api?", "/feed?", false) == "/api/feed");
    CHECK(upstream_resource("/api?key=k", "/feed?", false) == "/api/feed?key=k");
}

TEST_CASE("upstream_resource: fixed_path ignores the client's target", "[proxy_handshake]") {
    CHECK(upstream_resource("/api?key=k", "/feed?room=1", true) == "/api?key=k");
    CHECK(upstream_resource("/api/", "/feed", true) == "/api/");
    CHECK(upstream_resource("", "/feed?room=1", true) == "/");
    CHECK(upstream_resource("/", "/", true) == "/");
}

// A target of only a query ("?room=1", which websocketpp lets through) asks
// for the root (an empty path, RFC 3986 6.2.3): the base as it is.
TEST_CASE("upstream_resource: a client target with a query and no path is the base with the query",
          "[proxy_handshake]") {
    CHECK(upstream_resource("/api", "?room=1", false) == "/api?room=1");
    CHECK(upstream_resource("/api?key=k", "?room=1", false) == "/api?key=k&room=1");
}

// --- upstream_request ----------------------------------------------------------

TEST_CASE("upstream_request: hop-by-hop and handshake headers stay on the client's leg", "[proxy_handshake]") {
    auto forwarded = upstream_request(request(browser_request), false);
    // Connection, Keep-Alive, TE, Proxy-Authorization, Upgrade, the key and
    // version, Host, and X-Hop (named by Connection) are all gone; the rest
    // keeps its order, the two cookies included.
    CHECK(pairs(forwarded.headers) == Pairs{{"Cookie", "a=1"},
                                            {"Authorization", "Bearer t0ken"},
                                            {"Cookie", "b=2"},
                                            {"X-Request-Id", "42"}});
}

TEST_CASE("upstream_request: the header names are compared case-insensitively", "[proxy_handshake]") {
    HttpRequest r;
    r.headers = {{"connection", "upgrade, x-trace"},
                 {"UPGRADE", "websocket"},
                 {"sec-websocket-key", "k"},
                 {"SEC-WEBSOCKET-VERSION", "13"},
                 {"X-TRACE", "dropped: named by connection"},
                 {"keep-ALIVE", "5"},
                 {"transfer-encoding", "chunked"},
                 {"Trailer", "x"},
                 {"proxy-connection", "keep-alive"},
                 {"CONTENT-LENGTH", "0"},
                 {"x-custom", "kept"},
                 {"HOST", "h"},
                 {"cookie", "c=3"}};
    auto forwarded = upstream_request(r, false);
    CHECK(pairs(forwarded.headers) == Pairs{{"x-custom", "kept"}, {"cookie", "c=3"}});
}

TEST_CASE("upstream_request: every Connection header's names are hop-by-hop", "[proxy_handshake]") {
    HttpRequest r;
    r.headers = {{"X-A", "1"}, {"Connection", "Upgrade"}, {"X-B", "2"}, {"Connection", " X-A ,x-b"}, {"X-C", "3"},
                 {"X-A", "again"}};
    auto forwarded = upstream_request(r, false);
    CHECK(pairs(forwarded.headers) == Pairs{{"X-C", "3"}});
}

TEST_CASE("upstream_request: repeated headers are kept, in order", "[proxy_handshake]") {
    HttpRequest r;
    r.headers = {{"Cookie", "a=1"}, {"X-Tag", "one"}, {"Cookie", "b=2"}, {"X-Tag", "two"}, {"Cookie", "c=3"}};
    auto forwarded = upstream_request(r, false);
    CHECK(pairs(forwarded.headers) == pairs(r.headers));
}

TEST_CASE("upstream_request: Origin, User-Agent and the offers are taken out of the headers", "[proxy_handshake]") {
    auto forwarded = upstream_request(request(browser_request), false);
    CHECK(forwarded.origin == "https://app.example");
    CHECK(forwarded.user_agent == "Mozilla/5.0 (X11)");
    CHECK(forwarded.subprotocols == std::vector<std::string>{"chat", "superchat"});
    CHECK(forwarded.offered_deflate);
    for (const auto& h : forwarded.headers) {
        INFO(h.name);
        CHECK(h.name != "Origin");
        CHECK(h.name != "User-Agent");
        CHECK(h.name != "Sec-WebSocket-Protocol");
        CHECK(h.name != "Sec-WebSocket-Extensions");
    }
}

TEST_CASE("upstream_request: a request without them gives empty values", "[proxy_handshake]") {
    auto forwarded = upstream_request(request("GET / HTTP/1.1\r\nHost: h\r\nX-Only: 1\r\n\r\n"), true);
    CHECK(forwarded.origin.empty());
    CHECK(forwarded.user_agent.empty());
    CHECK(forwarded.subprotocols.empty());
    CHECK_FALSE(forwarded.offered_deflate);
    CHECK(forwarded.host == "h");
    CHECK(pairs(forwarded.headers) == Pairs{{"X-Only", "1"}});
}

TEST_CASE("upstream_request: subprotocols from every header, in order", "[proxy_handshake]") {
    HttpRequest r;
    r.headers = {{"Sec-WebSocket-Protocol", "v2.chat, v1.chat"},
                 {"X-Between", "x"},
                 {"sec-websocket-protocol", " json ,, mqtt "}};
    auto forwarded = upstream_request(r, false);
    CHECK(forwarded.subprotocols == std::vector<std::string>{"v2.chat", "v1.chat", "json", "mqtt"});
    CHECK(pairs(forwarded.headers) == Pairs{{"X-Between", "x"}});
}

TEST_CASE("upstream_request: the deflate offer among other extensions", "[proxy_handshake]") {
    auto offered = [](std::vector<Header> headers) {
        HttpRequest r;
        r.headers = std::move(headers);
        return upstream_request(r, false).offered_deflate;
    };
    CHECK(offered({{"Sec-WebSocket-Extensions", "permessage-deflate"}}));
    CHECK(offered({{"Sec-WebSocket-Extensions", "x-webkit-deflate-frame, permessage-deflate; server_no_context_takeover"}}));
    CHECK(offered({{"Sec-WebSocket-Extensions", "x-foo"}, {"sec-websocket-extensions", "permessage-deflate"}}));
    CHECK_FALSE(offered({{"Sec-WebSocket-Extensions", "x-webkit-deflate-frame"}}));
    CHECK_FALSE(offered({{"X-Extensions", "permessage-deflate"}}));
    CHECK_FALSE(offered({}));
}

TEST_CASE("upstream_request: the client's Host goes upstream only with keep_host", "[proxy_handshake]") {
    auto r = request(browser_request);
    CHECK(upstream_request(r, true).host == "proxy.example:9000");
    CHECK(upstream_request(r, false).host.empty());
    // Either way, never as a header: the upstream connection writes its own.
    for (bool keep : {true, false})
        for (const auto& h : upstream_request(r, keep).headers) CHECK(h.name != "Host");
}

// --- answer_from_upstream --------------------------------------------------------

TEST_CASE("answer_from_upstream: a 101 gives its subprotocol and its own headers", "[proxy_handshake]") {
    auto head = parse_response_head(
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade, X-Hop\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
        "Sec-WebSocket-Protocol: superchat\r\n"
        "Sec-WebSocket-Extensions: permessage-deflate\r\n"
        "Server: nginx/1.25\r\n"
        "Content-Length: 0\r\n"
        "Set-Cookie: session=abc; HttpOnly\r\n"
        "X-Hop: dropped\r\n"
        "X-Served-By: node-7\r\n"
        "Set-Cookie: theme=dark\r\n"
        "\r\n");
    auto answer = answer_from_upstream(head, "");
    CHECK_FALSE(answer.refusal.has_value());
    CHECK(answer.subprotocol == "superchat");
    CHECK(pairs(answer.headers) == Pairs{{"Set-Cookie", "session=abc; HttpOnly"},
                                         {"X-Served-By", "node-7"},
                                         {"Set-Cookie", "theme=dark"}});
}

TEST_CASE("answer_from_upstream: the handshake's headers are dropped whatever their case", "[proxy_handshake]") {
    ResponseHead head;
    head.status = 101;
    head.headers = {{"upgrade", "websocket"},       {"CONNECTION", "upgrade"},   {"sec-websocket-accept", "x"},
                    {"SERVER", "s"},                {"content-length", "0"},     {"sec-websocket-protocol", "chat"},
                    {"TRANSFER-ENCODING", "chunked"}, {"x-kept", "yes"}};
    auto answer = answer_from_upstream(head, "");
    CHECK_FALSE(answer.refusal.has_value());
    CHECK(answer.subprotocol == "chat");
    CHECK(pairs(answer.headers) == Pairs{{"x-kept", "yes"}});
}

TEST_CASE("answer_from_upstream: a 101 without a subprotocol accepts none", "[proxy_handshake]") {
    auto answer = answer_from_upstream(parse_response_head("HTTP/1.1 101 Switching Protocols\r\n"
                                                           "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
                                       "");
    CHECK_FALSE(answer.refusal.has_value());
    CHECK(answer.subprotocol.empty());
    CHECK(answer.headers.empty());
}

TEST_CASE("answer_from_upstream: any other status is a refusal with its headers and body", "[proxy_handshake]") {
    auto head = parse_response_head(
        "HTTP/1.1 401 Unauthorized\r\n"
        "WWW-Authenticate: Bearer realm=\"feed\"\r\n"
        "Content-Type: text/plain\r\n"
        "Content-Length: 13\r\n"
        "Connection: close\r\n"
        "Server: nginx/1.25\r\n"
        "Set-Cookie: tried=1\r\n"
        "\r\n");
    auto answer = answer_from_upstream(head, "who are you?\n");
    REQUIRE(answer.refusal.has_value());
    CHECK(answer.refusal->status == 401);
    CHECK(answer.refusal->body == "who are you?\n");
    // Content-Length and Connection are the client leg's to write.
    CHECK(pairs(answer.refusal->headers) == Pairs{{"WWW-Authenticate", "Bearer realm=\"feed\""},
                                                  {"Content-Type", "text/plain"},
                                                  {"Set-Cookie", "tried=1"}});
    CHECK(answer.subprotocol.empty());
    CHECK(answer.headers.empty());
}

TEST_CASE("answer_from_upstream: redirects and errors keep their status", "[proxy_handshake]") {
    auto redirect = answer_from_upstream(
        parse_response_head("HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n"), "");
    REQUIRE(redirect.refusal.has_value());
    CHECK(redirect.refusal->status == 302);
    CHECK(pairs(redirect.refusal->headers) == Pairs{{"Location", "/elsewhere"}});
    CHECK(redirect.refusal->body.empty());

    for (int status : {200, 400, 403, 404, 426, 500, 503}) {
        INFO("status " << status);
        ResponseHead head;
        head.status = status;
        head.headers = {{"Retry-After", "1"}};
        auto answer = answer_from_upstream(head, "body " + std::to_string(status));
        REQUIRE(answer.refusal.has_value());
        CHECK(answer.refusal->status == status);
        CHECK(answer.refusal->body == "body " + std::to_string(status));
        CHECK(pairs(answer.refusal->headers) == Pairs{{"Retry-After", "1"}});
    }
}

// --- upstream_failure_answer -------------------------------------------------------

TEST_CASE("upstream_failure_answer: 502 when the upstream cannot be reached, the reason in the body",
          "[proxy_handshake]") {
    auto res = upstream_failure_answer("connection refused (127.0.0.1:1)", false);
    CHECK(res.status == 502);
    CHECK_THAT(res.body, Contains("connection refused (127.0.0.1:1)"));
    CHECK_THAT(res.body, Contains("cannot be reached"));
    CHECK(pairs(res.headers) == Pairs{{"Content-Type", "text/plain; charset=utf-8"}});
}

TEST_CASE("upstream_failure_answer: 504 when the upstream did not answer in time", "[proxy_handshake]") {
    auto res = upstream_failure_answer("no upgrade answer within 10 s", true);
    CHECK(res.status == 504);
    CHECK_THAT(res.body, Contains("no upgrade answer within 10 s"));
    CHECK_THAT(res.body, Contains("did not answer in time"));
}

// --- relayed_close ---------------------------------------------------------------

TEST_CASE("relayed_close: sendable codes pass as they are, both ways", "[proxy_handshake]") {
    for (Leg leg : {Leg::client, Leg::upstream}) {
        for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4000, 4999}) {
            INFO("code " << code << (leg == Leg::client ? " from the client" : " from the upstream"));
            auto relayed = relayed_close(code, "why " + std::to_string(code), leg);
            CHECK(relayed.code == code);
            CHECK(relayed.reason == "why " + std::to_string(code));
        }
    }
}

TEST_CASE("relayed_close: a close without a code is relayed without one", "[proxy_handshake]") {
    CHECK(relayed_close(1005, "", Leg::client).code == 1005);
    CHECK(relayed_close(1005, "", Leg::upstream).code == 1005);
    CHECK(relayed_close(1005, "", Leg::upstream).reason.empty());
}

TEST_CASE("relayed_close: a dropped upstream is 1014 to the client, a dropped client 1001 upstream",
          "[proxy_handshake]") {
    for (int code : {1006, 1015}) {
        INFO("code " << code);
        auto to_client = relayed_close(code, "", Leg::upstream);
        CHECK(to_client.code == 1014);
        CHECK(close_reason_problem(to_client.reason).empty());
        auto to_upstream = relayed_close(code, "", Leg::client);
        CHECK(to_upstream.code == 1001);
        CHECK(close_reason_problem(to_upstream.reason).empty());
    }
}

TEST_CASE("relayed_close: whatever arrives, what is relayed can be sent", "[proxy_handshake]") {
    // The codes a leg can report: those a peer may send, and the three that
    // only report (1005, 1006, 1015).
    std::vector<int> codes{1005, 1006, 1015};
    for (int c = 1000; c <= 1015; ++c)
        if (close_code_problem(c).empty()) codes.push_back(c);
    for (int c : {3000, 3999, 4000, 4999}) codes.push_back(c);
    for (Leg leg : {Leg::client, Leg::upstream}) {
        for (int code : codes) {
            INFO("code " << code);
            auto relayed = relayed_close(code, "r", leg);
            CHECK((relayed.code == 1005 || close_code_problem(relayed.code).empty()));
        }
    }
}
