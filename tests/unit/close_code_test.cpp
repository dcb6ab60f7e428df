#include "support.hpp"

#include <wskit/close_code.hpp>
#include <wskit/encoding.hpp>

using Catch::Matchers::Contains;
using wskit::close_code_name;
using wskit::close_reason_from;
using wskit::server_close_explanation;

TEST_CASE("close_code_name: the protocol's codes that say what went wrong", "[close]") {
    CHECK(close_code_name(1002) == "protocol error");
    CHECK(close_code_name(1007) == "invalid data");
    CHECK(close_code_name(1008) == "policy violation");
    CHECK(close_code_name(1009) == "message too big");
    CHECK(close_code_name(1011) == "internal error");
    CHECK(close_code_name(1012) == "service restart");
    CHECK(close_code_name(1013) == "try again later");
    CHECK(close_code_name(1014) == "bad gateway");
    for (int code : {1000, 1001, 1005, 1006, 1015, 2000, 3000, 4000, 4999, 0})
        CHECK(close_code_name(code).empty());
}

TEST_CASE("close_is_failure: a drop or a code that names what went wrong", "[close]") {
    using wskit::close_is_failure;
    for (int code : {1000, 1001, 1005, 3000, 4000, 4999}) CHECK_FALSE(close_is_failure(code, true));
    for (int code : {1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014}) CHECK(close_is_failure(code, true));
    for (int code : {1000, 1006}) CHECK(close_is_failure(code, false));
}

TEST_CASE("server_close_explanation: whose fault, by the code's meaning", "[close]") {
    CHECK(server_close_explanation(1002, "") ==
          "the server closed the connection with code 1002 (protocol error: the server says this client broke the "
          "WebSocket protocol)");
    CHECK_THAT(server_close_explanation(1007, ""), Contains("this client sent data it cannot accept"));
    CHECK_THAT(server_close_explanation(1011, ""), Contains("its error, not this client's"));
    CHECK_THAT(server_close_explanation(1012, ""), Contains("restarting"));
    CHECK_THAT(server_close_explanation(1013, ""), Contains("connect again later"));
    CHECK_THAT(server_close_explanation(3003, ""), Contains("library or framework"));
    CHECK_THAT(server_close_explanation(4001, ""), Contains("the application's own code"));
    CHECK(server_close_explanation(2999, "") == "the server closed the connection with code 2999");
}

TEST_CASE("server_close_explanation: the reason comes last, escaped", "[close]") {
    CHECK(server_close_explanation(4000, "bye\x1b[2J") ==
          "the server closed the connection with code 4000 (the application's own code: the reason says what it "
          "means), reason: bye\\x1b[2J");
}

TEST_CASE("close_reason_from: escaped, and at most 123 bytes cut between characters", "[close]") {
    CHECK(close_reason_from("cannot connect to unix:/tmp/\xff") == "cannot connect to unix:/tmp/\\xff");
    std::string long_text(122, 'a');
    long_text += "\xc3\xa9 and more";  // é straddles byte 123
    auto reason = close_reason_from(long_text);
    CHECK(reason == std::string(122, 'a'));
    CHECK(wskit::is_valid_utf8(reason));
    CHECK(close_reason_from(std::string(200, 'b')).size() == 123);
}
