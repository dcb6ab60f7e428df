#include "support.hpp"

#include <wskit/client.hpp>

using Catch::Matchers::Contains;
using wskit::ExitCode;
using wskit::parse_header;
using wskit::test::error_message;

namespace {

std::string header_error(std::string_view text) {
    return error_message([&] { parse_header(text); }, ExitCode::usage);
}

}  // namespace

TEST_CASE("parse_header: Name: value", "[header]") {
    auto h = parse_header("X-Token: abc123");
    CHECK(h.name == "X-Token");
    CHECK(h.value == "abc123");

    auto tight = parse_header("X-Token:abc");
    CHECK(tight.name == "X-Token");
    CHECK(tight.value == "abc");

    auto spaced = parse_header("Cookie: \t a=1; b=2 \t ");
    CHECK(spaced.value == "a=1; b=2");

    auto colons = parse_header("Authorization: Basic dXNlcjpwYXNz:x");
    CHECK(colons.name == "Authorization");
    CHECK(colons.value == "Basic dXNlcjpwYXNz:x");

    auto empty = parse_header("X-Empty:");
    CHECK(empty.name == "X-Empty");
    CHECK(empty.value.empty());

    // Token characters of RFC 9110 5.6.2.
    auto token = parse_header("!#$%&'*+-.^_`|~09AZaz: v");
    CHECK(token.name == "!#$%&'*+-.^_`|~09AZaz");

    // The value is kept as given, UTF-8 included.
    CHECK(parse_header("X-Name: caf\xc3\xa9").value == "caf\xc3\xa9");
}

TEST_CASE("parse_header: errors", "[header]") {
    auto msg = header_error("NoColonHere");
    CHECK_THAT(msg, Contains("no colon"));
    CHECK_THAT(msg, Contains("'NoColonHere'"));
    CHECK_THAT(msg, Contains("expected 'Name: value'"));

    CHECK_THAT(header_error(": value"), Contains("empty name"));
    CHECK_THAT(header_error("Bad Name: v"), Contains("not allowed in a header name"));
    CHECK_THAT(header_error(" X: v"), Contains("not allowed in a header name"));
    CHECK_THAT(header_error("X-A(b): v"), Contains("not allowed in a header name"));
    CHECK_THAT(header_error("X\xc3\xa9: v"), Contains("not allowed in a header name"));
    CHECK_THAT(header_error("X-Foo: a\r\nInjected: 1"), Contains("line breaks"));
    CHECK_THAT(header_error("X-Foo: a\nb"), Contains("line breaks"));
    CHECK_THAT(header_error("X-Foo: a\rb"), Contains("line breaks"));
}

TEST_CASE("parse_header: the error is one line even when the header holds a line break", "[header]") {
    auto msg = header_error("X\r\nY: v");
    CHECK_THAT(msg, Contains("not allowed in a header name"));
    CHECK(msg.find('\n') == std::string::npos);
    CHECK(msg.find('\r') == std::string::npos);
}
