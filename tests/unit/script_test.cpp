// wskit run's script language: statements, payloads, clauses, errors.
#include "support.hpp"

#include "proto/duration.hpp"
#include "proto/script.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using wskit::detail::parse_script;
using wskit::detail::parse_duration;
using Kind = wskit::detail::ScriptStatement::Kind;

namespace {

std::string script_error(std::string_view text) {
    return wskit::test::error_message([&] { parse_script(text, "t.ws"); }, wskit::ExitCode::usage);
}

}  // namespace

TEST_CASE("script: every statement, with its payload and clauses", "[script]") {
    auto s = parse_script(R"(# a comment
connect wss://h/ws -H "Authorization: Bearer $TOKEN" -s chat
send {"op":"login","tag":"#1"}   # a trailing comment
send hello world
send "  spaced # not a comment \n"
send-binary 00ff10
ping hi
expect {"ok":true} within 2s
expect /"id":(\d+)/ within 500ms as ID
expect 3 messages within 5s
expect binary 00ff
expect pong hi
expect pong within 1s
expect close 1000
expect plain words within 1.5s
sleep 100ms
repeat 2 {
  close 4000 done
}
)",
                          "t.ws");
    const auto& st = s.statements;
    REQUIRE(st.size() == 18);
    CHECK(st[0].kind == Kind::connect);
    CHECK(st[0].line == 2);
    CHECK(st[0].text == "wss://h/ws");
    CHECK(st[0].headers == std::vector<std::string>{"Authorization: Bearer $TOKEN"});
    CHECK(st[0].subprotocols == std::vector<std::string>{"chat"});
    CHECK(st[1].text == R"({"op":"login","tag":"#1"})");
    CHECK(st[1].json);
    CHECK(st[2].text == "hello world");
    CHECK(st[3].text == "  spaced # not a comment \n");
    CHECK(st[4].kind == Kind::send_binary);
    CHECK(st[5].kind == Kind::ping);
    CHECK(st[5].text == "hi");
    CHECK(st[6].kind == Kind::expect_text);
    CHECK(st[6].within == std::chrono::milliseconds(2000));
    CHECK(st[7].kind == Kind::expect_regex);
    CHECK(st[7].text == R"("id":(\d+))");
    CHECK(st[7].capture == "ID");
    CHECK(st[7].within == std::chrono::milliseconds(500));
    CHECK(st[8].kind == Kind::expect_count);
    CHECK(st[8].number == 3);
    CHECK(st[9].kind == Kind::expect_binary);
    CHECK(st[10].kind == Kind::expect_pong);
    CHECK(st[10].has_text);
    CHECK_FALSE(st[11].has_text);
    CHECK(st[11].within == std::chrono::milliseconds(1000));
    CHECK(st[12].kind == Kind::expect_close);
    CHECK(st[12].number == 1000);
    CHECK(st[13].text == "plain words");
    CHECK(st[13].within == std::chrono::milliseconds(1500));
    CHECK(st[14].kind == Kind::sleep);
    CHECK(st[15].kind == Kind::repeat);
    CHECK(st[15].number == 2);
    CHECK(st[15].jump == 18);  // after its }
    CHECK(st[16].kind == Kind::close);
    CHECK(st[16].number == 4000);
    CHECK(st[16].text == "done");
    CHECK(st[17].kind == Kind::end_repeat);
    CHECK(st[17].jump == 15);
}

TEST_CASE("script: errors name the line and column", "[script]") {
    CHECK_THAT(script_error("send a\nfrobnicate x"), StartsWith("t.ws:2:1: unknown statement 'frobnicate'"));
    CHECK_THAT(script_error("send \"open"), StartsWith("t.ws:1:6: unclosed \" quote"));
    CHECK_THAT(script_error("expect \"x\" within soon"), StartsWith("t.ws:1:19: within takes a duration"));
    CHECK_THAT(script_error("sleep 5"), Contains("sleep takes a duration"));
    CHECK_THAT(script_error("send-binary 0g"), StartsWith("t.ws:1:13: send-binary takes hex digits"));
    CHECK_THAT(script_error("}"), StartsWith("t.ws:1:1: } without a repeat"));
    CHECK_THAT(script_error("repeat 2 {\nsend a"), StartsWith("t.ws:1:1: this repeat's block is never closed"));
    CHECK_THAT(script_error("expect /open"), Contains("unclosed /regex/"));
    CHECK_THAT(script_error("expect {\"a\":1"), Contains("unbalanced JSON"));
    CHECK_THAT(script_error("expect /x/ as 1x"), Contains("as takes a variable name"));
    CHECK_THAT(script_error("close 999"), Contains("a close code is a number from 1000 to 4999"));
    // A long run of digits is refused without being added up (it once overflowed a long).
    CHECK_THAT(script_error("repeat 10002222222222222222222222 {\n}"), Contains("repeat's count is a number"));
    CHECK_THAT(script_error("close 10002222222222222222222222"), Contains("a close code is a number"));
    CHECK_THAT(script_error("send \"a\" trailing"), Contains("unexpected 'trailing'"));
    CHECK_THAT(script_error("connect"), Contains("connect takes a URL"));
    CHECK_THAT(script_error("connect ws://h/ -x 1"), Contains("connect takes -H"));
    CHECK_THAT(script_error("send \"\\q\""), Contains("unknown escape"));
    CHECK_THAT(script_error("expect"), Contains("expect what?"));
}

TEST_CASE("durations as scripts and options take them", "[script]") {
    CHECK(parse_duration("2s") == std::chrono::milliseconds(2000));
    CHECK(parse_duration("500ms") == std::chrono::milliseconds(500));
    CHECK(parse_duration("1.5s") == std::chrono::milliseconds(1500));
    CHECK_FALSE(parse_duration("2m"));  // minutes, or a slip for ms?
    CHECK_FALSE(parse_duration("2"));
    CHECK_FALSE(parse_duration("s"));
    CHECK_FALSE(parse_duration("-1s"));
    CHECK_FALSE(parse_duration("1e9s"));
}

TEST_CASE("substitute_variables: $NAME, ${NAME}, $$, and the first unknown one", "[script]") {
    auto lookup = [](const std::string& name) -> std::optional<std::string> {
        if (name == "ID") return std::string("42");
        return std::nullopt;
    };
    std::string missing;
    CHECK(wskit::detail::substitute_variables(R"({"ack":$ID,"x":"${ID}z","cost":"$$5"})", lookup, missing) ==
          R"({"ack":42,"x":"42z","cost":"$5"})");
    CHECK(missing.empty());
    CHECK(wskit::detail::substitute_variables("a $NOPE b $ID $9", lookup, missing) == "a $NOPE b 42 $9");
    CHECK(missing == "NOPE");
}
