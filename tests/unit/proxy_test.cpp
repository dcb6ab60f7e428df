#include "proto/http_tunnel.hpp"
#include "support.hpp"

#include <wskit/proxy.hpp>

using Catch::Matchers::Contains;
using wskit::ExitCode;
using wskit::parse_proxy_url;
using wskit::ProxyKind;

TEST_CASE("parse_proxy_url: the schemes curl knows for WebSocket", "[proxy]") {
    auto http = parse_proxy_url("http://proxy.example:3128");
    CHECK(http.kind == ProxyKind::http);
    CHECK(http.host == "proxy.example");
    CHECK(http.port == 3128);
    CHECK(parse_proxy_url("socks5://127.0.0.1:1080").kind == ProxyKind::socks5);
    CHECK(parse_proxy_url("SOCKS5H://127.0.0.1:1080/").kind == ProxyKind::socks5h);
    auto bare = parse_proxy_url("proxy.example");
    CHECK(bare.kind == ProxyKind::http);
    CHECK(bare.port == 1080);  // curl's default
}

TEST_CASE("parse_proxy_url: credentials and IPv6", "[proxy]") {
    auto p = parse_proxy_url("socks5://al%40ice:p%3Ass@[::1]:1081");
    CHECK(p.user == "al@ice");
    CHECK(p.password == "p:ss");
    CHECK(p.host == "::1");
    CHECK(p.port == 1081);
    CHECK(p.authority() == "[::1]:1081");
    CHECK(parse_proxy_url("http://u:p@h:1/").authority() == "h:1");
}

TEST_CASE("parse_proxy_url: an unsupported scheme names the supported ones", "[proxy]") {
    for (const char* text : {"https://p:1", "socks4://p:1", "socks4a://p:1", "ftp://p"}) {
        auto message = wskit::test::error_message([&] { parse_proxy_url(text); }, ExitCode::usage);
        CHECK_THAT(message, Contains("http://, socks5://, socks5h://"));
    }
}

TEST_CASE("parse_proxy_url: bad ports and hosts", "[proxy]") {
    for (const char* text : {"socks5://p:0", "socks5://p:65536", "socks5://p:x", "socks5://:1080", "socks5://p:",
                             "socks5://::1:1080", "http://p:1/path"}) {
        CAPTURE(text);
        wskit::test::error_message([&] { parse_proxy_url(text); }, ExitCode::usage);
    }
}

TEST_CASE("http CONNECT: the request, with and without credentials", "[proxy]") {
    CHECK(wskit::detail::http_connect_request("example.test:443", "", "", "wskit/1") ==
          "CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\nUser-Agent: wskit/1\r\n"
          "Proxy-Connection: Keep-Alive\r\n\r\n");
    CHECK_THAT(wskit::detail::http_connect_request("h:1", "alice", "s3cret", ""),
               Contains("Proxy-Authorization: Basic YWxpY2U6czNjcmV0\r\n"));
}

TEST_CASE("http CONNECT: the proxy's answer", "[proxy]") {
    auto ok = wskit::detail::parse_connect_answer("HTTP/1.1 200 Connection established\r\n\r\n");
    CHECK(ok.status == 200);
    CHECK(ok.reason == "Connection established");
    auto refused = wskit::detail::parse_connect_answer("HTTP/1.0 407 Proxy Authentication Required\r\nX: y\r\n\r\n");
    CHECK(refused.status == 407);
    CHECK(refused.reason == "Proxy Authentication Required");
    CHECK(wskit::detail::parse_connect_answer("SSH-2.0-OpenSSH\r\n\r\n").status == 0);
}

TEST_CASE("connect_refusal: only a 2xx with nothing after its head opens the tunnel", "[proxy]") {
    using wskit::detail::connect_refusal;
    CHECK(connect_refusal({200, "Connection established"}, false).empty());
    CHECK(connect_refusal({200, "OK"}, true) == "it sent data before the tunnel was used");
    CHECK(connect_refusal({0, ""}, false) == "not an HTTP answer");
    CHECK(connect_refusal({403, "Forbidden"}, false) == "403 (Forbidden)");
    CHECK(connect_refusal({407, "Proxy Authentication Required"}, false).find("check the proxy credentials") !=
          std::string::npos);
    CHECK(connect_refusal({502, "Bad\x1b[2J"}, false).find('\x1b') == std::string::npos);
    CHECK(wskit::detail::parse_connect_answer("HTTP/1.1 2x0 ?\r\n\r\n").status == 0);
}
