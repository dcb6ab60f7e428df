#include "proto/upgrade_request.hpp"

#include <wskit/client.hpp>
#include <wskit/encoding.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using wskit::Header;
using wskit::detail::build_upgrade_request;
using wskit::detail::format_request_head;
using wskit::detail::websocket_key;

namespace {

const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";  // RFC 6455 1.3's

wskit::ClientOptions options_for(const std::string& url) {
    wskit::ClientOptions o;
    o.url = wskit::parse_url(url);
    o.user_agent = "wskit/test";
    return o;
}

std::vector<std::string> lines_of(const wskit::HttpRequest& request) {
    std::vector<std::string> out;
    for (const auto& h : request.headers) out.push_back(h.name + ": " + h.value);
    return out;
}

std::vector<std::string> named(const wskit::HttpRequest& request, const std::string& name) {
    std::vector<std::string> out;
    for (const auto& h : request.headers)
        if (h.name == name) out.push_back(h.value);  // with its case: whose line it is
    return out;
}

}  // namespace

TEST_CASE("upgrade request: wskit's headers in order, then the user's", "[upgrade_request]") {
    auto o = options_for("ws://user:pw@127.0.0.1:9000/room?x=1");
    o.subprotocols = {"chat", "superchat"};
    o.origin = "http://example.test";
    o.compress = wskit::DeflateOffer{};
    o.headers = {{"X-One", "1"}};
    auto request = build_upgrade_request(o, key);
    CHECK(request.method == "GET");
    CHECK(request.resource == "/room?x=1");
    CHECK(request.version == "HTTP/1.1");
    CHECK(lines_of(request) == std::vector<std::string>{
                                   "Host: 127.0.0.1:9000",
                                   "Upgrade: websocket",
                                   "Connection: Upgrade",
                                   "Sec-WebSocket-Key: " + key,
                                   "Sec-WebSocket-Version: 13",
                                   "Origin: http://example.test",
                                   "Authorization: Basic " + wskit::base64_encode("user:pw"),
                                   "Sec-WebSocket-Protocol: chat, superchat",
                                   "Sec-WebSocket-Extensions: " + wskit::format_offer(*o.compress),
                                   "User-Agent: wskit/test",
                                   "X-One: 1",
                               });
    CHECK(format_request_head(request).rfind("GET /room?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9000\r\n", 0) == 0);
    CHECK(format_request_head(request).find("\r\nX-One: 1\r\n\r\n") != std::string::npos);
}

TEST_CASE("upgrade request: nothing for flags not given", "[upgrade_request]") {
    auto o = options_for("ws://127.0.0.1:9000/");
    o.user_agent.clear();
    CHECK(lines_of(build_upgrade_request(o, key)) ==
          std::vector<std::string>{"Host: 127.0.0.1:9000", "Upgrade: websocket", "Connection: Upgrade",
                                   "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"});
}

TEST_CASE("upgrade request: repeated -H names go out, in the order given", "[upgrade_request]") {
    auto o = options_for("ws://127.0.0.1:9000/");
    o.headers = {{"Cookie", "a=1"}, {"X-Tag", "one"}, {"cookie", "b=2"}, {"X-Tag", "two"}};
    auto lines = lines_of(build_upgrade_request(o, key));
    REQUIRE(lines.size() >= 4);
    CHECK(std::vector<std::string>(lines.end() - 4, lines.end()) ==
          std::vector<std::string>{"Cookie: a=1", "X-Tag: one", "cookie: b=2", "X-Tag: two"});
}

TEST_CASE("upgrade request: a -H line replaces wskit's own header, with its case and place", "[upgrade_request]") {
    auto o = options_for("ws://127.0.0.1:9000/");
    o.headers = {{"user-agent", "load/2"}, {"Sec-WebSocket-Key", "by-hand"}, {"Sec-WebSocket-Version", "8"}};
    auto request = build_upgrade_request(o, key);
    CHECK(named(request, "User-Agent").empty());
    CHECK(named(request, "user-agent") == std::vector<std::string>{"load/2"});
    CHECK(named(request, "Sec-WebSocket-Key") == std::vector<std::string>{"by-hand"});
    CHECK(named(request, "Sec-WebSocket-Version") == std::vector<std::string>{"8"});
    auto lines = lines_of(request);
    CHECK(std::vector<std::string>(lines.end() - 3, lines.end()) ==
          std::vector<std::string>{"user-agent: load/2", "Sec-WebSocket-Key: by-hand", "Sec-WebSocket-Version: 8"});
}

TEST_CASE("upgrade request: Upgrade and Connection keep the user's value and the upgrade's token",
          "[upgrade_request]") {
    auto o = options_for("ws://127.0.0.1:9000/");
    o.headers = {{"Connection", "keep-alive"}, {"upgrade", "WebSocket"}};
    auto request = build_upgrade_request(o, key);
    CHECK(named(request, "Connection") == std::vector<std::string>{"keep-alive, Upgrade"});
    CHECK(named(request, "Upgrade") == std::vector<std::string>{"WebSocket"});
    CHECK(named(request, "upgrade").empty());  // one line, in wskit's place
    o.headers = {{"Connection", "Upgrade, keep-alive"}};
    CHECK(named(build_upgrade_request(o, key), "Connection") == std::vector<std::string>{"Upgrade, keep-alive"});
}

TEST_CASE("upgrade request: a flag of its own replaces the -H lines of its header", "[upgrade_request]") {
    auto o = options_for("ws://127.0.0.1:9000/");
    o.headers = {{"Origin", "http://a.test"},
                 {"Authorization", "Bearer X"},
                 {"Sec-WebSocket-Protocol", "by-hand"},
                 {"Sec-WebSocket-Extensions", "x-by-hand"}};
    auto given = build_upgrade_request(o, key);  // without the flags, the -H lines go out
    CHECK(named(given, "Origin") == std::vector<std::string>{"http://a.test"});
    CHECK(named(given, "Authorization") == std::vector<std::string>{"Bearer X"});
    o.origin = "http://b.test";
    o.auth = "me:secret";
    o.subprotocols = {"chat"};
    o.compress = wskit::DeflateOffer{};
    auto request = build_upgrade_request(o, key);
    CHECK(named(request, "Origin") == std::vector<std::string>{"http://b.test"});
    CHECK(named(request, "Authorization") == std::vector<std::string>{"Basic " + wskit::base64_encode("me:secret")});
    CHECK(named(request, "Sec-WebSocket-Protocol") == std::vector<std::string>{"chat"});
    CHECK(named(request, "Sec-WebSocket-Extensions") == std::vector<std::string>{wskit::format_offer(*o.compress)});
}

TEST_CASE("upgrade request: one Host, first of all: --host, else -H Host, else the URL's", "[upgrade_request]") {
    auto o = options_for("wss://example.test/");
    CHECK(lines_of(build_upgrade_request(o, key)).front() == "Host: example.test");  // the scheme's port unsaid
    CHECK(lines_of(build_upgrade_request(options_for("ws://[::1]:9000/"), key)).front() == "Host: [::1]:9000");
    o.headers = {{"X-Before", "1"}, {"host", ""}, {"Host", "virtual.test"}, {"HOST", "second.test"}};
    auto request = build_upgrade_request(o, key);
    CHECK(lines_of(request).front() == "Host: virtual.test");
    CHECK(named(request, "host").empty());
    CHECK(named(request, "HOST").empty());
    o.host_header = "pinned.test";
    request = build_upgrade_request(o, key);
    CHECK(lines_of(request).front() == "Host: pinned.test");
    CHECK(format_request_head(request).find("virtual.test") == std::string::npos);
}

TEST_CASE("upgrade request: the key is the nonce in base64", "[upgrade_request]") {
    std::array<unsigned char, 16> nonce{};
    std::string sample = "the sample nonce";
    std::copy(sample.begin(), sample.end(), nonce.begin());
    CHECK(websocket_key(nonce) == key);
    auto o = options_for("ws://127.0.0.1:9000/");
    CHECK(named(build_upgrade_request(o, websocket_key(nonce)), "Sec-WebSocket-Key") ==
          std::vector<std::string>{key});
}
