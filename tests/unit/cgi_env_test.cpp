#include "support.hpp"

#include "process/cgi_env.hpp"

#include <algorithm>
#include <map>

using wskit::HttpRequest;
using wskit::detail::cgi_environment;
using wskit::detail::CgiServer;
using wskit::detail::percent_decode_path;

namespace {

HttpRequest sample_request() {
    HttpRequest req;
    req.method = "GET";
    req.resource = "/chat/r%C3%A9union?room=1&x=%20y";
    req.version = "HTTP/1.1";
    req.headers = {{"Host", "example.com:9000"},
                   {"User-Agent", "test/1"},
                   {"X-Custom-Thing", "hello"},
                   {"Sec-WebSocket-Protocol", "chat"}};
    req.remote_address = "192.0.2.7";
    req.remote_port = 51234;
    return req;
}

std::map<std::string, std::string> as_map(const std::vector<std::string>& env) {
    std::map<std::string, std::string> out;
    for (const auto& entry : env) {
        auto eq = entry.find('=');
        REQUIRE(eq != std::string::npos);
        REQUIRE(out.count(entry.substr(0, eq)) == 0);  // each name once
        out[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    return out;
}

}  // namespace

TEST_CASE("cgi_environment: the request's CGI variables", "[cgi]") {
    auto env = as_map(cgi_environment(sample_request(), CgiServer{"127.0.0.1", 9000, false}, 3, {}));
    CHECK(env["REMOTE_ADDR"] == "192.0.2.7");
    CHECK(env["REMOTE_HOST"] == "192.0.2.7");
    CHECK(env["REMOTE_PORT"] == "51234");
    CHECK(env["SERVER_NAME"] == "example.com");
    CHECK(env["SERVER_PORT"] == "9000");
    CHECK(env["REQUEST_URI"] == "/chat/r%C3%A9union?room=1&x=%20y");
    CHECK(env["PATH_INFO"] == "/chat/r\xC3\xA9union");
    CHECK(env["SCRIPT_NAME"].empty());
    CHECK(env["QUERY_STRING"] == "room=1&x=%20y");
    CHECK(env["REQUEST_METHOD"] == "GET");
    CHECK(env["SERVER_PROTOCOL"] == "HTTP/1.1");
    CHECK(env["GATEWAY_INTERFACE"] == "CGI/1.1");
    CHECK(env["SERVER_SOFTWARE"].rfind("wskit/", 0) == 0);
    CHECK(env["SCHEME"] == "ws");
    CHECK(env.count("HTTPS") == 0);
    CHECK(env["WSKIT_CONN_ID"] == "3");
    CHECK(env["HTTP_HOST"] == "example.com:9000");
    CHECK(env["HTTP_USER_AGENT"] == "test/1");
    CHECK(env["HTTP_X_CUSTOM_THING"] == "hello");
    CHECK(env["HTTP_SEC_WEBSOCKET_PROTOCOL"] == "chat");
}

TEST_CASE("cgi_environment: wss sets SCHEME and HTTPS", "[cgi]") {
    auto env = as_map(cgi_environment(sample_request(), CgiServer{"0.0.0.0", 443, true}, 1, {}));
    CHECK(env["SCHEME"] == "wss");
    CHECK(env["HTTPS"] == "on");
    CHECK(env["SERVER_PORT"] == "443");
}

TEST_CASE("cgi_environment: no query, no Host", "[cgi]") {
    HttpRequest req;
    req.resource = "/";
    auto env = as_map(cgi_environment(req, CgiServer{"127.0.0.1", 8080, false}, 12, {}));
    CHECK(env["QUERY_STRING"].empty());
    CHECK(env["PATH_INFO"] == "/");
    CHECK(env["SERVER_NAME"] == "127.0.0.1");  // the listening host stands in
    CHECK(env["REQUEST_METHOD"] == "GET");
}

TEST_CASE("cgi_environment: IPv6 Host keeps its address without brackets", "[cgi]") {
    HttpRequest req;
    req.resource = "/";
    req.headers = {{"Host", "[::1]:9000"}};
    auto env = as_map(cgi_environment(req, CgiServer{"::1", 9000, false}, 1, {}));
    CHECK(env["SERVER_NAME"] == "::1");
}

TEST_CASE("cgi_environment: header names map to HTTP_ names, duplicates joined", "[cgi]") {
    HttpRequest req;
    req.resource = "/";
    req.headers = {{"X-Thing", "a"}, {"x-thing", "b"}, {"X_Thing", "c"}, {"Weird.Name", "d"}};
    auto env = as_map(cgi_environment(req, CgiServer{}, 1, {}));
    CHECK(env["HTTP_X_THING"] == "a, b, c");
    CHECK(env["HTTP_WEIRD_NAME"] == "d");
}

TEST_CASE("cgi_environment: a Proxy header never becomes HTTP_PROXY (httpoxy)", "[cgi]") {
    HttpRequest req;
    req.resource = "/";
    req.headers = {{"Proxy", "http://evil.example:3128"}};
    auto env = as_map(cgi_environment(req, CgiServer{}, 1, {}));
    CHECK(env.count("HTTP_PROXY") == 0);
}

TEST_CASE("cgi_environment: only the listed parent variables pass", "[cgi]") {
    HttpRequest req;
    req.resource = "/";
    auto env = as_map(cgi_environment(
        req, CgiServer{}, 1, {"PATH=/usr/bin:/bin", "HOME=/home/u", "AWS_SECRET_ACCESS_KEY=x", "LANG=C.UTF-8", "junk"}));
    CHECK(env["PATH"] == "/usr/bin:/bin");
    CHECK(env["HOME"] == "/home/u");
    CHECK(env["LANG"] == "C.UTF-8");
    CHECK(env.count("AWS_SECRET_ACCESS_KEY") == 0);
}

TEST_CASE("cgi_environment: the request cannot override the server's variables", "[cgi]") {
    HttpRequest req;
    req.resource = "/a";
    req.remote_address = "127.0.0.1";
    // A header cannot name a non-HTTP_ variable: it always gets the prefix.
    req.headers = {{"Remote-Addr", "1.2.3.4"}};
    auto env = as_map(cgi_environment(req, CgiServer{}, 1, {"REMOTE_ADDR=9.9.9.9"}));
    CHECK(env["REMOTE_ADDR"] == "127.0.0.1");
    CHECK(env["HTTP_REMOTE_ADDR"] == "1.2.3.4");
}

TEST_CASE("percent_decode_path", "[cgi]") {
    CHECK(percent_decode_path("/a%20b") == "/a b");
    CHECK(percent_decode_path("/%41%4a%4A") == "/AJJ");
    CHECK(percent_decode_path("/bad%zz%4") == "/bad%zz%4");
    CHECK(percent_decode_path("/nul%00x") == "/nul%00x");
    CHECK(percent_decode_path("%") == "%");
    CHECK(percent_decode_path("") == "");
}

TEST_CASE("percent_decode_path: control characters stay encoded", "[cgi]") {
    CHECK(percent_decode_path("/a%0AHTTP_X=forged") == "/a%0AHTTP_X=forged");
    CHECK(percent_decode_path("/%0d%0a%09%7f%1b") == "/%0d%0a%09%7f%1b");
    CHECK(percent_decode_path("/raw\r\nx\x7f") == "/raw%0D%0Ax%7F");
    CHECK(percent_decode_path("/%C3%A9%7E") == "/\xC3\xA9~");
}

TEST_CASE("cgi_environment: no control character of the request reaches a value", "[cgi]") {
    HttpRequest req = sample_request();
    req.resource = "/p%0Aq\rr?a=%0A\x1b";
    req.headers = {{"Host", "ex\ramp\nle.com:9000"},
                   {"X-Forged", "a\rHTTP_X_ADMIN=1"},
                   {"X-Nul", std::string("a\0b\x1b[2J\tc", 9)},
                   {"X-Forged", "b\n"}};
    auto env = cgi_environment(req, CgiServer{"127.0.0.1", 9000, false}, 1, {});
    for (const auto& entry : env) {
        INFO(entry);
        CHECK(std::none_of(entry.begin(), entry.end(), [](char c) {
            auto u = static_cast<unsigned char>(c);
            return (u < 0x20 && c != '\t') || u == 0x7f;
        }));
    }
    auto vars = as_map(env);
    CHECK(vars["HTTP_X_FORGED"] == "a HTTP_X_ADMIN=1, b ");
    CHECK(vars["HTTP_X_NUL"] == "a b [2J\tc");
    CHECK(vars["SERVER_NAME"] == "ex amp le.com");
    CHECK(vars["PATH_INFO"] == "/p%0Aq%0Dr");
    CHECK(vars["REQUEST_URI"] == "/p%0Aq%0Dr?a=%0A%1B");
    CHECK(vars["QUERY_STRING"] == "a=%0A%1B");
    CHECK(vars.count("HTTP_X_ADMIN") == 0);
}
