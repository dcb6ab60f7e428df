#include "support.hpp"

#include <wskit/url.hpp>

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using wskit::ExitCode;
using wskit::parse_listen_address;
using wskit::parse_url;
using wskit::test::error_message;

namespace {

std::string url_error(std::string_view text) {
    return error_message([&] { parse_url(text); }, ExitCode::usage);
}

std::string listen_error(std::string_view text) {
    return error_message([&] { parse_listen_address(text); }, ExitCode::usage);
}

}  // namespace

TEST_CASE("parse_url: ws and wss with default ports", "[url]") {
    auto ws = parse_url("ws://example.com/chat");
    CHECK_FALSE(ws.secure);
    CHECK(ws.host == "example.com");
    CHECK(ws.port == 80);
    CHECK_FALSE(ws.explicit_port);
    CHECK(ws.resource == "/chat");
    CHECK(std::string(ws.scheme()) == "ws");

    auto wss = parse_url("wss://example.com");
    CHECK(wss.secure);
    CHECK(wss.port == 443);
    CHECK_FALSE(wss.explicit_port);
    CHECK(wss.resource == "/");
    CHECK(std::string(wss.scheme()) == "wss");
}

TEST_CASE("parse_url: http and https are taken as ws and wss", "[url]") {
    auto http = parse_url("http://example.com:8080/x");
    CHECK_FALSE(http.secure);
    CHECK(http.port == 8080);
    CHECK(http.explicit_port);
    CHECK(http.resource == "/x");

    auto https = parse_url("https://example.com/");
    CHECK(https.secure);
    CHECK(https.port == 443);
    CHECK_FALSE(https.explicit_port);
}

TEST_CASE("parse_url: a bare host[:port][/path] means ws://", "[url]") {
    auto u = parse_url("example.com:9000/path?q=1");
    CHECK_FALSE(u.secure);
    CHECK(u.host == "example.com");
    CHECK(u.port == 9000);
    CHECK(u.explicit_port);
    CHECK(u.resource == "/path?q=1");

    auto h = parse_url("localhost");
    CHECK_FALSE(h.secure);
    CHECK(h.host == "localhost");
    CHECK(h.port == 80);
    CHECK(h.resource == "/");

    auto v4 = parse_url("127.0.0.1:1");
    CHECK(v4.host == "127.0.0.1");
    CHECK(v4.port == 1);
}

TEST_CASE("parse_url: a bare port, 9000 or :9000, is a port on 127.0.0.1", "[url]") {
    for (auto text : {"9000", ":9000"}) {
        auto u = parse_url(text);
        CHECK_FALSE(u.secure);
        CHECK(u.host == "127.0.0.1");
        CHECK(u.port == 9000);
        CHECK(u.explicit_port);
        CHECK(u.resource == "/");
        CHECK(u.str() == "ws://127.0.0.1:9000/");
    }
    CHECK(parse_url("9000/chat?x=1").str() == "ws://127.0.0.1:9000/chat?x=1");
    CHECK(parse_url(":80").str() == "ws://127.0.0.1/");
    // With a scheme the host is what was written, as in any URL.
    CHECK_THAT(url_error("ws://:9000/"), Contains("missing host"));
    CHECK_THAT(url_error("65536"), Contains("bad port '65536'"));
    CHECK_THAT(url_error("0"), Contains("port 0"));
    CHECK_THAT(url_error(":"), Contains("missing host"));
}

TEST_CASE("parse_url: IPv6 literals in brackets", "[url]") {
    auto with_port = parse_url("ws://[::1]:9000/");
    CHECK(with_port.host == "::1");
    CHECK(with_port.port == 9000);
    CHECK(with_port.explicit_port);
    CHECK(with_port.is_ipv6_literal());
    CHECK(with_port.resource == "/");

    auto without_port = parse_url("wss://[2001:db8::1]/feed");
    CHECK(without_port.host == "2001:db8::1");
    CHECK(without_port.port == 443);
    CHECK_FALSE(without_port.explicit_port);
    CHECK(without_port.resource == "/feed");

    auto bare = parse_url("[fe80::1]:8080");
    CHECK(bare.host == "fe80::1");
    CHECK(bare.port == 8080);
    CHECK_FALSE(bare.secure);

    CHECK_FALSE(parse_url("ws://example.com/").is_ipv6_literal());
}

TEST_CASE("parse_url: path and query are kept, the fragment is dropped", "[url]") {
    CHECK(parse_url("ws://h/a/b?x=1&y=%20z").resource == "/a/b?x=1&y=%20z");
    CHECK(parse_url("ws://h/a/b?x=1#frag").resource == "/a/b?x=1");
    CHECK(parse_url("ws://h/a#frag?notquery").resource == "/a");
    CHECK(parse_url("ws://h?x=1").resource == "/?x=1");
    CHECK(parse_url("ws://h#frag").resource == "/");
    CHECK(parse_url("ws://h:81?x").port == 81);
    // Path case is significant, host case is not.
    CHECK(parse_url("ws://h/CamelCase").resource == "/CamelCase");
}

TEST_CASE("parse_url: user:pass@ is split and percent-decoded", "[url]") {
    auto u = parse_url("ws://al%40ice:p%3As%20s@example.com:9000/");
    CHECK(u.user == "al@ice");
    CHECK(u.password == "p:s s");
    CHECK(u.host == "example.com");
    CHECK(u.port == 9000);

    auto only_user = parse_url("wss://bob@example.com/");
    CHECK(only_user.user == "bob");
    CHECK(only_user.password.empty());

    auto colon_in_password = parse_url("ws://u:a:b@h/");
    CHECK(colon_in_password.user == "u");
    CHECK(colon_in_password.password == "a:b");

    auto none = parse_url("ws://h/");
    CHECK(none.user.empty());
    CHECK(none.password.empty());
}

TEST_CASE("parse_url: scheme and host are case-insensitive", "[url]") {
    auto u = parse_url("WSS://EXAMPLE.Com:444/Path");
    CHECK(u.secure);
    CHECK(u.host == "example.com");
    CHECK(u.port == 444);
    CHECK(u.resource == "/Path");
    CHECK(parse_url("HTTP://h/").secure == false);
    CHECK(parse_url("Https://h/").secure == true);
    CHECK(parse_url("ws://[::ABCD]/").host == "::abcd");
}

TEST_CASE("parse_url: port boundaries", "[url]") {
    CHECK(parse_url("ws://h:1/").port == 1);
    CHECK(parse_url("ws://h:65535/").port == 65535);
    CHECK(parse_url("ws://h:00080/").port == 80);
}

TEST_CASE("parse_url: errors are usage errors that name the problem", "[url]") {
    SECTION("unknown scheme") {
        auto msg = url_error("ftp://example.com/");
        CHECK_THAT(msg, StartsWith("invalid URL 'ftp://example.com/'"));
        CHECK_THAT(msg, Contains("unsupported scheme 'ftp'"));
        CHECK_THAT(url_error("wsx://h/"), Contains("unsupported scheme 'wsx'"));
    }
    SECTION("bad port") {
        CHECK_THAT(url_error("ws://h:abc/"), Contains("bad port 'abc'"));
        CHECK_THAT(url_error("ws://h:65536/"), Contains("bad port '65536'"));
        CHECK_THAT(url_error("ws://h:123456/"), Contains("bad port '123456'"));
        CHECK_THAT(url_error("ws://h:-1/"), Contains("bad port '-1'"));
        CHECK_THAT(url_error("ws://h:/"), Contains("bad port ''"));
        CHECK_THAT(url_error("ws://[::1]:x/"), Contains("bad port 'x'"));
    }
    SECTION("port 0") {
        CHECK_THAT(url_error("ws://h:0/"), Contains("port 0"));
        CHECK_THAT(url_error("ws://[::1]:0/"), Contains("port 0"));
    }
    SECTION("missing host") {
        CHECK_THAT(url_error("ws:///path"), Contains("missing host"));
        CHECK_THAT(url_error("ws://:9000/"), Contains("missing host"));
        CHECK_THAT(url_error("ws://user@/"), Contains("missing host"));
        CHECK_THAT(url_error("wss://"), Contains("missing host"));
    }
    SECTION("unclosed bracket") {
        CHECK_THAT(url_error("ws://[::1/"), Contains("unclosed '['"));
        CHECK_THAT(url_error("ws://[::1:9000"), Contains("unclosed '['"));
    }
    SECTION("empty or trailing garbage in brackets") {
        CHECK_THAT(url_error("ws://[]/"), Contains("empty IPv6 address"));
        CHECK_THAT(url_error("ws://[::1]x/"), Contains("unexpected characters after ']'"));
    }
    SECTION("unbracketed IPv6") {
        CHECK_THAT(url_error("ws://::1/"), Contains("in brackets"));
        CHECK_THAT(url_error("ws://fe80::1:9000/"), Contains("in brackets"));
    }
    SECTION("whitespace and control characters") {
        CHECK_THAT(url_error("ws://exa mple.com/"), Contains("whitespace"));
        CHECK_THAT(url_error(" ws://h/"), Contains("whitespace"));
        CHECK_THAT(url_error("ws://h/\n"), Contains("whitespace"));
        CHECK_THAT(url_error("ws://h/a\tb"), Contains("whitespace"));
        CHECK_THAT(url_error("ws://h/\x01"), Contains("control characters"));
        CHECK_THAT(url_error("ws://h/\x7f"), Contains("control characters"));
    }
    SECTION("empty") { CHECK_THAT(url_error(""), Contains("empty address")); }
    SECTION("the message is one line and says what to do") {
        auto msg = url_error("ftp://h/");
        CHECK(msg.find('\n') == std::string::npos);
        CHECK_THAT(msg, Contains("expected ws://host[:port]/path"));
    }
}

TEST_CASE("parse_url: the error is one line even when the address holds a line break", "[url]") {
    auto msg = url_error("ws://h/\nX");
    CHECK_THAT(msg, Contains("whitespace"));
    CHECK(msg.find('\n') == std::string::npos);
}

TEST_CASE("Url::authority and Url::str give the canonical form", "[url]") {
    CHECK(parse_url("ws://example.com/chat").str() == "ws://example.com/chat");
    CHECK(parse_url("WS://Example.COM:80/chat#x").str() == "ws://example.com/chat");
    CHECK(parse_url("wss://h:443").str() == "wss://h/");
    CHECK(parse_url("wss://h:80/").str() == "wss://h:80/");
    CHECK(parse_url("ws://h:443/").str() == "ws://h:443/");
    CHECK(parse_url("http://h:8080/a?b=c").str() == "ws://h:8080/a?b=c");
    CHECK(parse_url("https://h/").str() == "wss://h/");
    CHECK(parse_url("h:9000").str() == "ws://h:9000/");
    // Credentials never appear in the canonical form.
    CHECK(parse_url("ws://user:secret@h/").str() == "ws://h/");

    CHECK(parse_url("ws://[::1]:9000/x").str() == "ws://[::1]:9000/x");
    CHECK(parse_url("wss://[::1]/").str() == "wss://[::1]/");

    CHECK(parse_url("ws://h:9000/").authority() == "h:9000");
    CHECK(parse_url("ws://h/").authority() == "h");
    CHECK(parse_url("ws://[::1]:9000/").authority() == "[::1]:9000");
    CHECK(parse_url("ws://[::1]/").authority() == "[::1]");

    // A Url built by hand renders the same way.
    wskit::Url u;
    u.host = "::1";
    u.port = 80;
    u.secure = true;
    u.resource = "/r";
    CHECK(u.str() == "wss://[::1]:80/r");
}

TEST_CASE("parse_listen_address: [HOST:]PORT", "[url]") {
    auto port_only = parse_listen_address("9000");
    CHECK(port_only.host == "127.0.0.1");
    CHECK(port_only.port == 9000);

    auto colon_port = parse_listen_address(":9000");
    CHECK(colon_port.host == "127.0.0.1");
    CHECK(colon_port.port == 9000);

    auto any = parse_listen_address("0.0.0.0:9000");
    CHECK(any.host == "0.0.0.0");
    CHECK(any.port == 9000);

    auto v6 = parse_listen_address("[::1]:0");
    CHECK(v6.host == "::1");
    CHECK(v6.port == 0);

    auto v6_any = parse_listen_address("[::]:8080");
    CHECK(v6_any.host == "::");
    CHECK(v6_any.port == 8080);

    auto named = parse_listen_address("localhost:65535");
    CHECK(named.host == "localhost");
    CHECK(named.port == 65535);

    CHECK(parse_listen_address("0").port == 0);
    CHECK(parse_listen_address("80", "::").host == "::");
    CHECK(parse_listen_address(":80", "::").host == "::");
}

TEST_CASE("parse_listen_address: errors", "[url]") {
    CHECK_THAT(listen_error(""), Contains("empty"));
    CHECK_THAT(listen_error("localhost"), Contains("missing port"));
    CHECK_THAT(listen_error("[::1]"), Contains("missing port"));
    CHECK_THAT(listen_error("h:99999"), Contains("bad port '99999'"));
    CHECK_THAT(listen_error("h:x"), Contains("bad port 'x'"));
    CHECK_THAT(listen_error("::1:80"), Contains("in brackets"));
    CHECK_THAT(listen_error("[::1:80"), Contains("unclosed '['"));
    auto msg = listen_error("h:x");
    CHECK_THAT(msg, StartsWith("invalid listen address 'h:x'"));
    CHECK_THAT(msg, Contains("expected [HOST:]PORT"));
}

TEST_CASE("parse_listen_address: an out-of-range port alone is called a bad port", "[url]") {
    // "wskit echo 70000" is a port that does not fit, not an address without one.
    CHECK_THAT(listen_error("70000"), Contains("bad port"));
    CHECK_THAT(listen_error("-1"), Contains("bad port"));
}

TEST_CASE("percent_decode", "[url]") {
    CHECK(wskit::percent_decode("a%20b") == "a b");
    CHECK(wskit::percent_decode("%41%42%43") == "ABC");
    CHECK(wskit::percent_decode("%e2%82%AC") == "\xe2\x82\xac");
    CHECK(wskit::percent_decode("100%") == "100%");
    CHECK(wskit::percent_decode("%zz") == "%zz");
    CHECK(wskit::percent_decode("%4") == "%4");
    CHECK(wskit::percent_decode("%00") == std::string(1, '\0'));
}

TEST_CASE("host_port brackets an IPv6 address", "[url]") {
    CHECK(wskit::host_port("127.0.0.1", 9000) == "127.0.0.1:9000");
    CHECK(wskit::host_port("::1", 9000) == "[::1]:9000");
    CHECK(wskit::host_port("example.test", 443) == "example.test:443");
}

TEST_CASE("parse_url: ws+unix:// names a Unix socket, then the request's path", "[url]") {
    auto u = parse_url("ws+unix:///run/app.sock:/feed?x=1#frag");
    CHECK(u.unix_socket == "/run/app.sock");
    CHECK(u.resource == "/feed?x=1");
    CHECK(u.host == "localhost");  // the Host header, as Node's ws and curl send it
    CHECK_FALSE(u.secure);
    CHECK(u.str() == "ws+unix:///run/app.sock:/feed?x=1");
    CHECK(u.connection_target() == "unix:/run/app.sock");

    SECTION("no request path is /") { CHECK(parse_url("ws+unix:///tmp/s").resource == "/"); }
    SECTION("a relative socket path and a path without its slash") {
        auto r = parse_url("ws+unix://s.sock:chat");
        CHECK(r.unix_socket == "s.sock");
        CHECK(r.resource == "/chat");
    }
    SECTION("wss+unix is TLS over the socket") {
        auto s = parse_url("WSS+UNIX:///tmp/s:/");
        CHECK(s.secure);
        CHECK(s.port == 443);
        CHECK(s.str() == "wss+unix:///tmp/s:/");
    }
    SECTION("errors") {
        CHECK_THAT(url_error("ws+unix://:/path"), Contains("the socket's path is empty"));
        CHECK_THAT(url_error("ws+unix:///" + std::string(120, 'a') + ":/"), Contains("at most 107 bytes"));
    }
}

TEST_CASE("use_unix_socket keeps the URL's host for the Host header", "[url]") {
    auto u = parse_url("wss://api.example.test/v1");
    wskit::use_unix_socket(u, "/run/api.sock");
    CHECK(u.unix_socket == "/run/api.sock");
    CHECK(u.host == "api.example.test");
    CHECK(u.connection_target() == "unix:/run/api.sock");
    auto msg = error_message([&] { wskit::use_unix_socket(u, ""); }, ExitCode::usage);
    CHECK_THAT(msg, StartsWith("--unix-socket ''"));
}

TEST_CASE("parse_listen_address: unix:PATH", "[url]") {
    auto a = parse_listen_address("unix:/run/wskit.sock");
    CHECK(a.unix_path == "/run/wskit.sock");
    CHECK(parse_listen_address("9000").unix_path.empty());
    CHECK_THAT(listen_error("unix:"), Contains("the socket's path is empty"));
    CHECK_THAT(listen_error("unix:" + std::string(108, 'x')), Contains("at most 107 bytes"));
    CHECK_THAT(listen_error("h:x"), Contains("or unix:PATH"));
}
