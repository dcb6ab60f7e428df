#include "proto/handshake_policy.hpp"

#include <wskit/server.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace wskit;

namespace {

std::string header(const HttpResponse& res, const std::string& name) {
    for (const auto& h : res.headers)
        if (h.name == name) return h.value;
    return "";
}

CheckResult failing(std::string id, std::string name, std::string expected, std::string actual) {
    CheckResult c;
    c.id = std::move(id);
    c.name = std::move(name);
    c.verdict = Verdict::fail;
    c.expected = std::move(expected);
    c.actual = std::move(actual);
    return c;
}

}  // namespace

TEST_CASE("handshake policy: a request that passes every check is not refused", "[handshake_policy]") {
    CheckResult ok;
    ok.id = "method";
    CHECK_FALSE(detail::rejection_for({ok}).has_value());
}

TEST_CASE("handshake policy: a wrong version gets 426 naming version 13", "[handshake_policy]") {
    auto res = detail::rejection_for({failing("version", "Sec-WebSocket-Version", "13", "8")});
    REQUIRE(res);
    CHECK(res->status == 426);
    CHECK(header(*res, "Sec-WebSocket-Version") == "13");
}

TEST_CASE("handshake policy: the first failure decides a 400, its value escaped", "[handshake_policy]") {
    auto res = detail::rejection_for({failing("upgrade", "Upgrade", "websocket", "h2c\x1b[31m"),
                                      failing("version", "Sec-WebSocket-Version", "13", "8")});
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(res->body.find("Upgrade (expected websocket") != std::string::npos);
    CHECK(res->body.find('\x1b') == std::string::npos);
}

TEST_CASE("handshake policy: a full server answers 503 with Retry-After", "[handshake_policy]") {
    auto res = detail::server_full_response(2);
    CHECK(res.status == 503);
    CHECK(header(res, "Retry-After") == "1");
    CHECK(res.body == "Server full: at most 2 clients.\n");
}

TEST_CASE("handshake policy: the unchosen subprotocol warning quotes both lists", "[handshake_policy]") {
    auto line = detail::unchosen_subprotocol_warning("127.0.0.1:5", {"a", "b\n"}, {});
    CHECK(line.rfind("127.0.0.1:5 offered subprotocols 'a', 'b", 0) == 0);
    CHECK(line.find("none of which is accepted (none): answered without one") != std::string::npos);
    CHECK(line.find('\n') == std::string::npos);
    CHECK(detail::unchosen_subprotocol_warning("h", {"x"}, {"chat"}).find("subprotocol 'x', none of which is "
                                                                           "accepted ('chat')") != std::string::npos);
}

TEST_CASE("handshake policy: the page of a WebSocket-only endpoint is a 426 with Upgrade", "[handshake_policy]") {
    auto res = upgrade_required_page("ws://127.0.0.1:1/");
    CHECK(res.status == 426);
    CHECK(header(res, "Upgrade") == "websocket");
    CHECK(res.body.find("wskit connect ws://127.0.0.1:1/") != std::string::npos);
}
