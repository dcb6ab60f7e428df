#include "support.hpp"

#include "proto/headers.hpp"

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
    CHECK_THAT(header_error(std::string("X-Foo: a\0b", 10)), Contains("control characters"));
    CHECK_THAT(header_error("X-Foo: a\x1b[2Jb"), Contains("control characters"));
    CHECK_THAT(header_error("X-Foo: a\x7f"), Contains("control characters"));
    CHECK(parse_header("X-Foo: caf\xc3\xa9\tbar").value == "caf\xc3\xa9\tbar");
}

TEST_CASE("parse_header: the error is one line even when the header holds a line break", "[header]") {
    auto msg = header_error("X\r\nY: v");
    CHECK_THAT(msg, Contains("not allowed in a header name"));
    CHECK(msg.find('\n') == std::string::npos);
    CHECK(msg.find('\r') == std::string::npos);
}

TEST_CASE("split_list: comma-separated items, trimmed, empty ones dropped", "[header]") {
    using wskit::detail::split_list;
    CHECK(split_list("") == std::vector<std::string>{});
    CHECK(split_list(" a , b,,\tc ") == std::vector<std::string>{"a", "b", "c"});
    CHECK(split_list("permessage-deflate; client_max_window_bits") ==
          std::vector<std::string>{"permessage-deflate; client_max_window_bits"});
}

TEST_CASE("negotiation_problem: only what was offered may be chosen", "[header]") {
    using wskit::detail::negotiation_problem;
    CHECK(negotiation_problem({"chat", "v2"}, "v2", "").empty());
    CHECK(negotiation_problem({}, "", "").empty());
    CHECK_THAT(negotiation_problem({}, "chat", ""), Contains("but none was offered"));
    CHECK_THAT(negotiation_problem({"a", "b"}, "c", ""), Contains("'c', which was not offered (a, b)"));
    CHECK_THAT(negotiation_problem({}, "", "permessage-deflate"), Contains("extension 'permessage-deflate'"));
    // The server's words are escaped before they reach a terminal.
    CHECK(negotiation_problem({}, "x\x1b[2J", "").find('\x1b') == std::string::npos);
}
