#include "proto/socks5.hpp"

#include <catch2/catch.hpp>

#include <string>

using Catch::Matchers::Contains;
using wskit::detail::Socks5Handshake;
using wskit::detail::Socks5Target;

namespace {

std::string bytes(std::initializer_list<int> list) {
    std::string out;
    for (int b : list) out.push_back(static_cast<char>(b));
    return out;
}

Socks5Handshake domain_handshake(std::string user = "", std::string password = "") {
    return Socks5Handshake("127.0.0.1:1080", "example.test:443", Socks5Target{"example.test", "", 443},
                           std::move(user), std::move(password));
}

// A successful reply with an IPv4 bound address, split as the connector reads it.
const std::string granted_head = bytes({5, 0, 0, 1, 10});
const std::string granted_rest = bytes({0, 0, 1, 0x04, 0x38});

}  // namespace

TEST_CASE("socks5: without credentials, offers no authentication only", "[socks5]") {
    auto h = domain_handshake();
    auto s = h.start();
    CHECK(s.send == bytes({5, 1, 0}));
    CHECK(s.read == 2);
    CHECK(s.error.empty());
}

TEST_CASE("socks5: socks5h sends the domain name and port", "[socks5]") {
    auto h = domain_handshake();
    h.start();
    auto s = h.feed(bytes({5, 0}));
    CHECK(s.send == bytes({5, 1, 0, 3, 12}) + "example.test" + bytes({0x01, 0xbb}));
    CHECK(s.read == 5);
    CHECK_THAT(s.notes.back(), Contains("example.test:443 (remotely resolved)"));
    s = h.feed(granted_head);
    CHECK_FALSE(s.done);
    CHECK(s.read == 5);  // 3 more address bytes and the port
    s = h.feed(granted_rest);
    CHECK(s.done);
    CHECK(s.error.empty());
}

TEST_CASE("socks5: socks5 sends an IPv4 or IPv6 address resolved here", "[socks5]") {
    SECTION("IPv4") {
        Socks5Handshake h("p:1080", "localhost:9000", Socks5Target{"localhost", bytes({127, 0, 0, 1}), 9000}, "", "");
        h.start();
        auto s = h.feed(bytes({5, 0}));
        CHECK(s.send == bytes({5, 1, 0, 1, 127, 0, 0, 1, 0x23, 0x28}));
        CHECK_THAT(s.notes.back(), Contains("locally resolved"));
    }
    SECTION("IPv6") {
        std::string v6(16, '\0');
        v6[15] = 1;
        Socks5Handshake h("p:1080", "[::1]:9000", Socks5Target{"::1", v6, 9000}, "", "");
        h.start();
        auto s = h.feed(bytes({5, 0}));
        CHECK(s.send == bytes({5, 1, 0, 4}) + v6 + bytes({0x23, 0x28}));
    }
}

TEST_CASE("socks5: username/password authentication (RFC 1929)", "[socks5]") {
    auto h = domain_handshake("alice", "s3cret");
    auto s = h.start();
    CHECK(s.send == bytes({5, 2, 0, 2}));
    s = h.feed(bytes({5, 2}));
    CHECK(s.send == bytes({1, 5}) + "alice" + bytes({6}) + "s3cret");
    CHECK(s.read == 2);
    s = h.feed(bytes({1, 0}));
    CHECK(s.error.empty());
    CHECK(s.send.substr(0, 4) == bytes({5, 1, 0, 3}));
}

TEST_CASE("socks5: a proxy that accepts no authentication although credentials were given", "[socks5]") {
    auto h = domain_handshake("alice", "s3cret");
    h.start();
    auto s = h.feed(bytes({5, 0}));
    CHECK(s.error.empty());
    CHECK(s.send.substr(0, 4) == bytes({5, 1, 0, 3}));
}

TEST_CASE("socks5: wrong credentials", "[socks5]") {
    auto h = domain_handshake("alice", "wrong");
    h.start();
    h.feed(bytes({5, 2}));
    auto s = h.feed(bytes({1, 1}));
    CHECK(s.error == "SOCKS5 proxy 127.0.0.1:1080: authentication failed (check the user and password in "
                     "socks5://user:pass@host:port)");
    CHECK(s.error.find("wrong") == std::string::npos);
}

TEST_CASE("socks5: a proxy that requires credentials that were not given", "[socks5]") {
    auto h = domain_handshake();
    h.start();
    auto s = h.feed(bytes({5, 0xff}));
    CHECK_THAT(s.error, Contains("requires authentication"));
    CHECK_THAT(s.error, Contains("socks5://user:pass@127.0.0.1:1080"));
}

TEST_CASE("socks5: every refusal names the proxy, the target and the reply", "[socks5]") {
    auto h = domain_handshake();
    h.start();
    h.feed(bytes({5, 0}));
    auto s = h.feed(bytes({5, 5, 0, 1, 0}));
    CHECK(s.error == "SOCKS5 proxy 127.0.0.1:1080 refused the connection to example.test:443: connection refused "
                     "by destination host (reply 5)");
    CHECK(wskit::detail::socks5_reply_text(1) == "general SOCKS server failure");
    CHECK(wskit::detail::socks5_reply_text(4) == "host unreachable");
    CHECK(wskit::detail::socks5_reply_text(8) == "address type not supported");
    CHECK(wskit::detail::socks5_reply_text(42) == "unknown reply");
}

TEST_CASE("socks5: not a SOCKS5 server", "[socks5]") {
    auto h = domain_handshake();
    h.start();
    auto s = h.feed("HT");
    CHECK_THAT(s.error, Contains("is not a SOCKS5 proxy"));
}

TEST_CASE("socks5: reply with a domain or IPv6 bound address", "[socks5]") {
    auto h = domain_handshake();
    h.start();
    h.feed(bytes({5, 0}));
    CHECK(h.feed(bytes({5, 0, 0, 3, 7})).read == 7 + 2);
    auto h6 = domain_handshake();
    h6.start();
    h6.feed(bytes({5, 0}));
    CHECK(h6.feed(bytes({5, 0, 0, 4, 0})).read == 15 + 2);
    auto bad = domain_handshake();
    bad.start();
    bad.feed(bytes({5, 0}));
    CHECK_THAT(bad.feed(bytes({5, 0, 0, 9, 0})).error, Contains("unknown address type"));
}

TEST_CASE("socks5: credentials over 255 bytes cannot be sent", "[socks5]") {
    auto h = domain_handshake(std::string(256, 'u'), "p");
    CHECK_THAT(h.start().error, Contains("at most 255 bytes"));
}
