// The websocketpp hooks that no end-to-end test can reach (see
// lib/src/net/wspp/README.md).
#include "support.hpp"

#include <websocketpp/http/request.hpp>
#include <websocketpp/http/response.hpp>

#include "net/wspp/http.hpp"

#include <string>

using wskit::detail::PinnedHostRequest;

// Hook 4: websocketpp removes a header by name (connection::remove_header,
// and User-Agent in send_http_request when it has none to send); wskit
// never asks it to today, so only this test would see a removed header's
// -H line still go out.
TEST_CASE("PinnedHostRequest: a header removed by name takes the user's lines with it", "[wspp]") {
    PinnedHostRequest req;
    req.set_method("GET");
    req.set_uri("/");
    req.set_version("HTTP/1.1");
    req.add_line("X-Tag", "one");
    req.add_line("x-tag", "two");
    req.add_line("Cookie", "a=1");
    req.remove_header("X-Tag");
    CHECK(req.raw() == "GET / HTTP/1.1\r\nCookie: a=1\r\n\r\n");
}
