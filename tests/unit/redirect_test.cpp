#include "support.hpp"

#include <wskit/redirect.hpp>

using Catch::Matchers::Contains;
using wskit::ExitCode;
using wskit::parse_url;
using wskit::remove_dot_segments;
using wskit::resolve_redirect;
using wskit::test::error_message;

namespace {

// RFC 3986 5.4's base "http://a/b/c/d;p?q", as a ws URL.
std::string resolved(std::string_view location, std::string_view base = "ws://a/b/c/d;p?q") {
    return resolve_redirect(parse_url(base), location).str();
}

}  // namespace

TEST_CASE("resolve_redirect: RFC 3986 5.4.1 normal examples", "[redirect]") {
    CHECK(resolved("g") == "ws://a/b/c/g");
    CHECK(resolved("./g") == "ws://a/b/c/g");
    CHECK(resolved("g/") == "ws://a/b/c/g/");
    CHECK(resolved("/g") == "ws://a/g");
    CHECK(resolved("//g") == "ws://g/");
    CHECK(resolved("?y") == "ws://a/b/c/d;p?y");
    CHECK(resolved("g?y") == "ws://a/b/c/g?y");
    CHECK(resolved("#s") == "ws://a/b/c/d;p?q");
    CHECK(resolved("g#s") == "ws://a/b/c/g");
    CHECK(resolved("g?y#s") == "ws://a/b/c/g?y");
    CHECK(resolved(";x") == "ws://a/b/c/;x");
    CHECK(resolved("g;x") == "ws://a/b/c/g;x");
    CHECK(resolved("g;x?y#s") == "ws://a/b/c/g;x?y");
    CHECK(resolved("") == "ws://a/b/c/d;p?q");
    CHECK(resolved(".") == "ws://a/b/c/");
    CHECK(resolved("./") == "ws://a/b/c/");
    CHECK(resolved("..") == "ws://a/b/");
    CHECK(resolved("../") == "ws://a/b/");
    CHECK(resolved("../g") == "ws://a/b/g");
    CHECK(resolved("../..") == "ws://a/");
    CHECK(resolved("../../") == "ws://a/");
    CHECK(resolved("../../g") == "ws://a/g");
}

TEST_CASE("resolve_redirect: RFC 3986 5.4.2 abnormal examples", "[redirect]") {
    CHECK(resolved("../../../g") == "ws://a/g");
    CHECK(resolved("../../../../g") == "ws://a/g");
    CHECK(resolved("/./g") == "ws://a/g");
    CHECK(resolved("/../g") == "ws://a/g");
    CHECK(resolved("g.") == "ws://a/b/c/g.");
    CHECK(resolved(".g") == "ws://a/b/c/.g");
    CHECK(resolved("g..") == "ws://a/b/c/g..");
    CHECK(resolved("..g") == "ws://a/b/c/..g");
    CHECK(resolved("./../g") == "ws://a/b/g");
    CHECK(resolved("./g/.") == "ws://a/b/c/g/");
    CHECK(resolved("g/./h") == "ws://a/b/c/g/h");
    CHECK(resolved("g/../h") == "ws://a/b/c/h");
    CHECK(resolved("g;x=1/./y") == "ws://a/b/c/g;x=1/y");
    CHECK(resolved("g;x=1/../y") == "ws://a/b/c/y");
    CHECK(resolved("g?y/./x") == "ws://a/b/c/g?y/./x");
    CHECK(resolved("g?y/../x") == "ws://a/b/c/g?y/../x");
    CHECK(resolved("g#s/./x") == "ws://a/b/c/g");
    CHECK(resolved("g#s/../x") == "ws://a/b/c/g");
}

TEST_CASE("resolve_redirect: absolute and network-path Locations", "[redirect]") {
    CHECK(resolved("ws://other:9000/x?y") == "ws://other:9000/x?y");
    CHECK(resolved("https://other/x") == "wss://other/x");
    CHECK(resolved("HTTP://other") == "ws://other/");
    CHECK(resolved("wss://other?q=1#f") == "wss://other/?q=1");
    CHECK(resolved("ws://other/a/./b/../c") == "ws://other/a/c");
    CHECK(resolved("//other:81/p", "wss://a/") == "wss://other:81/p");
    CHECK(resolved("//[::1]:9000/p") == "ws://[::1]:9000/p");
    // The base's port stays with a relative Location.
    CHECK(resolved("/x", "ws://127.0.0.1:8080/a") == "ws://127.0.0.1:8080/x");
    // Credentials come from the new URL only.
    auto u = resolve_redirect(parse_url("ws://a/"), "ws://me:pw@b/");
    CHECK(u.user == "me");
    CHECK(u.password == "pw");
}

TEST_CASE("resolve_redirect: '://' in a query or path is not a scheme", "[redirect]") {
    CHECK(resolved("/login?next=ws://evil/x") == "ws://a/login?next=ws://evil/x");
    CHECK(resolved("?u=http://x") == "ws://a/b/c/d;p?u=http://x");
    CHECK(resolved("go/http://x") == "ws://a/b/c/go/http://x");
    CHECK(resolved("./a:b") == "ws://a/b/c/a:b");
}

TEST_CASE("resolve_redirect: what a request line cannot carry is percent-encoded", "[redirect]") {
    CHECK(resolved("/a b?q=1 2#frag") == "ws://a/a%20b?q=1%202");
    CHECK(resolved("/caf\xc3\xa9?x=\xc3\xa9") == "ws://a/caf%C3%A9?x=%C3%A9");
    CHECK(resolved("/\"<>\\^`{|}") == "ws://a/%22%3C%3E%5C%5E%60%7B%7C%7D");
    // Escapes already there stay; a lone '%' is encoded.
    CHECK(resolved("/a%20b?c=%2F") == "ws://a/a%20b?c=%2F");
    CHECK(resolved("/100%?x=%zz") == "ws://a/100%25?x=%25zz");
    CHECK(resolved("ws://other/a b") == "ws://other/a%20b");
    // Surrounding spaces are not part of the reference.
    CHECK(resolved("  /x  ") == "ws://a/x");
}

TEST_CASE("resolve_redirect: unusable Locations", "[redirect]") {
    auto base = parse_url("ws://a/");
    auto msg = error_message([&] { resolve_redirect(base, "/x\x1b]0;owned\x07\r\n"); }, ExitCode::handshake);
    CHECK_THAT(msg, Contains("/x\\x1b]0;owned\\x07\\x0d\\x0a") && Contains("control characters"));
    CHECK(msg.find('\x1b') == std::string::npos);
    CHECK_THAT(error_message([&] { resolve_redirect(base, "ftp://x/"); }, ExitCode::handshake),
               Contains("unsupported scheme"));
    CHECK_THAT(error_message([&] { resolve_redirect(base, "g:h"); }, ExitCode::handshake), Contains("g:"));
    CHECK_THAT(error_message([&] { resolve_redirect(base, "ws://"); }, ExitCode::handshake),
               Contains("missing host"));
    CHECK_THAT(error_message([&] { resolve_redirect(base, "ws://a b/"); }, ExitCode::handshake),
               Contains("unusable redirect Location 'ws://a b/'"));
}

TEST_CASE("remove_dot_segments: RFC 3986 5.2.4", "[redirect]") {
    CHECK(remove_dot_segments("/a/b/c/./../../g") == "/a/g");
    CHECK(remove_dot_segments("mid/content=5/../6") == "mid/6");
    CHECK(remove_dot_segments("/..") == "/");
    CHECK(remove_dot_segments("/.") == "/");
    CHECK(remove_dot_segments("") == "");
    CHECK(remove_dot_segments("/a//b/../c") == "/a//c");
}

// --- plan_redirect: credentials stay with their origin ---------------------------

namespace {

wskit::ClientOptions with_credentials(std::string_view url) {
    wskit::ClientOptions o;
    o.url = parse_url(url);
    o.headers = {{"Authorization", "Bearer X"}, {"X-Trace", "1"}, {"cookie", "sid=Y"}, {"Cookie", "b=2"}};
    o.auth = "u:p";
    return o;
}

std::vector<std::string> header_names(const wskit::ClientOptions& o) {
    std::vector<std::string> names;
    for (const auto& h : o.headers) names.push_back(h.name);
    return names;
}

}  // namespace

TEST_CASE("plan_redirect: another host, port or scheme gets no credentials", "[redirect]") {
    auto first = with_credentials("ws://a:p@app.test:9000/start");
    for (auto next : {"ws://other.test:9000/x", "ws://app.test:9001/x", "wss://app.test:9000/x"}) {
        INFO(next);
        auto plan = wskit::plan_redirect(first, first.url, parse_url(next), false);
        CHECK(plan.refusal.empty());
        CHECK(plan.options.url.str() == parse_url(next).str());
        CHECK(header_names(plan.options) == std::vector<std::string>{"X-Trace"});
        CHECK(plan.options.auth.empty());
        CHECK(plan.options.url.user.empty());
        CHECK(plan.options.url.password.empty());
        CHECK(plan.dropped == std::vector<std::string>{"Authorization", "Cookie", "--auth", "the URL's user:password"});
    }
}

TEST_CASE("plan_redirect: the same origin keeps them, and a Location's own are its own", "[redirect]") {
    auto first = with_credentials("ws://a:p@app.test:9000/start");
    auto same = wskit::plan_redirect(first, first.url, parse_url("http://app.test:9000/next"), false);
    CHECK(same.dropped.empty());
    CHECK(header_names(same.options) == header_names(first));
    CHECK(same.options.auth == "u:p");
    CHECK(same.options.url.user == "a");
    CHECK(same.options.url.password == "p");

    // Back to the first origin after another: sent again, as curl does.
    auto other = parse_url("ws://other.test/");
    auto back = wskit::plan_redirect(first, other, parse_url("ws://app.test:9000/back"), false);
    CHECK(back.dropped.empty());
    CHECK(back.options.auth == "u:p");

    auto own = wskit::plan_redirect(first, first.url, parse_url("ws://b:q@other.test/"), false);
    CHECK(own.options.url.user == "b");
    CHECK(own.options.url.password == "q");
    CHECK(own.options.auth.empty());

    wskit::ClientOptions bare;
    bare.url = parse_url("ws://app.test/");
    CHECK(wskit::plan_redirect(bare, bare.url, parse_url("ws://other.test/"), false).dropped.empty());
}

TEST_CASE("plan_redirect: wss to ws is refused unless trusted", "[redirect]") {
    auto first = with_credentials("wss://app.test/");
    auto plan = wskit::plan_redirect(first, first.url, parse_url("ws://app.test/"), false);
    CHECK_THAT(plan.refusal, Contains("refusing to follow the redirect from wss://app.test/ to ws://app.test/"));
    CHECK_THAT(plan.refusal, Contains("--location-trusted"));
    // Checked at each hop: ws -> ws after wss -> wss elsewhere is no downgrade.
    CHECK(wskit::plan_redirect(first, parse_url("ws://x.test/"), parse_url("ws://y.test/"), false).refusal.empty());
}

TEST_CASE("plan_redirect: over HTTP/2, wss to ws is refused even when trusted", "[redirect]") {
    auto first = with_credentials("wss://app.test/");
    first.http2 = true;
    auto plan = wskit::plan_redirect(first, first.url, parse_url("ws://app.test/"), true);
    CHECK_THAT(plan.refusal, Contains("over HTTP/2"));
    CHECK(wskit::plan_redirect(first, first.url, parse_url("wss://other.test/"), true).refusal.empty());
    CHECK(wskit::plan_redirect(first, parse_url("ws://x.test/"), parse_url("wss://y.test/"), false).refusal.empty());
}

TEST_CASE("plan_redirect: --location-trusted sends everything anywhere", "[redirect]") {
    auto first = with_credentials("wss://a:p@app.test/");
    auto plan = wskit::plan_redirect(first, first.url, parse_url("ws://other.test/"), true);
    CHECK(plan.refusal.empty());
    CHECK(plan.dropped.empty());
    CHECK(header_names(plan.options) == header_names(first));
    CHECK(plan.options.auth == "u:p");
    CHECK(plan.options.url.user == "a");
    CHECK(plan.options.url.str() == "ws://other.test/");
}
