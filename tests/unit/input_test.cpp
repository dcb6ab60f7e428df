#include "support.hpp"

#include <wskit/tool/input.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using Catch::Matchers::Contains;
using wskit::ExitCode;
using wskit::InputEncoding;
using wskit::InputFraming;
using wskit::InputSplitter;
using wskit::Opcode;
using Units = std::vector<std::string>;

namespace {

// Feeds `input` in one call, then ends the input.
Units split(InputFraming framing, std::string_view input) {
    InputSplitter s(framing);
    Units units;
    s.feed(input, units);
    s.finish(units);
    return units;
}

// Feeds `input` one byte per call.
Units split_bytewise(InputFraming framing, std::string_view input) {
    InputSplitter s(framing);
    Units units;
    for (char c : input) s.feed(std::string_view(&c, 1), units);
    s.finish(units);
    return units;
}

// Feeds `input` in two calls cut at `at`.
Units split_at(InputFraming framing, std::string_view input, std::size_t at) {
    InputSplitter s(framing);
    Units units;
    s.feed(input.substr(0, at), units);
    s.feed(input.substr(at), units);
    s.finish(units);
    return units;
}

// The same units come out however the input is cut into feed() calls.
void check_every_cut(InputFraming framing, std::string_view input, const Units& expected) {
    CHECK(split(framing, input) == expected);
    CHECK(split_bytewise(framing, input) == expected);
    for (std::size_t at = 0; at <= input.size(); ++at) {
        INFO("cut at " << at);
        CHECK(split_at(framing, input, at) == expected);
    }
}

}  // namespace

TEST_CASE("lines: LF and CRLF end a message", "[input]") {
    check_every_cut(InputFraming::lines, "a\nb\n", {"a", "b"});
    check_every_cut(InputFraming::lines, "a\r\nb\r\n", {"a", "b"});
    check_every_cut(InputFraming::lines, "mixed\r\nends\nhere\r\n", {"mixed", "ends", "here"});
}

TEST_CASE("lines: empty lines are empty messages", "[input]") {
    check_every_cut(InputFraming::lines, "a\n\nb\n", {"a", "", "b"});
    check_every_cut(InputFraming::lines, "\n", {""});
    check_every_cut(InputFraming::lines, "\r\n\r\n", {"", ""});
    check_every_cut(InputFraming::lines, "\n\n\nx\n", {"", "", "", "x"});
}

TEST_CASE("lines: the last line needs no newline", "[input]") {
    check_every_cut(InputFraming::lines, "a\nlast", {"a", "last"});
    check_every_cut(InputFraming::lines, "only", {"only"});
    CHECK(split(InputFraming::lines, "").empty());
}

TEST_CASE("lines: nothing else is altered", "[input]") {
    // A CR that does not end the line, tabs, NULs, invalid UTF-8: all kept.
    std::string line = std::string("a\rb\tc") + '\0' + "\xff\xfe" + "  ";
    check_every_cut(InputFraming::lines, line + "\n", {line});
    // Only one CR is part of the line end.
    check_every_cut(InputFraming::lines, "x\r\r\n", {"x\r"});
}

TEST_CASE("lines: a unit is complete only when its newline arrives", "[input]") {
    InputSplitter s(InputFraming::lines);
    Units units;
    s.feed("hel", units);
    CHECK(units.empty());
    s.feed("lo\r", units);
    CHECK(units.empty());
    s.feed("\nwor", units);
    CHECK(units == Units{"hello"});
    s.feed("ld\n", units);
    CHECK(units == Units{"hello", "world"});
    s.finish(units);
    CHECK(units == Units{"hello", "world"});
}

TEST_CASE("lines: a long unit fed byte by byte", "[input]") {
    std::string big(100000, 'x');
    for (std::size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>('a' + i % 26);
    check_every_cut(InputFraming::lines, "short\n" + big.substr(0, 300) + "\r\n", {"short", big.substr(0, 300)});
    CHECK(split_bytewise(InputFraming::lines, big + "\n" + big) == Units{big, big});
}

TEST_CASE("lines: many lines in one feed keep their order", "[input]") {
    std::string input;
    Units expected;
    for (int i = 0; i < 100000; ++i) {
        expected.push_back(std::to_string(i));
        input += std::to_string(i) + "\n";
    }
    CHECK(split(InputFraming::lines, input) == expected);
}

TEST_CASE("lines: the splitter can be reused after finish", "[input]") {
    InputSplitter s(InputFraming::lines);
    Units units;
    s.feed("a\nrest", units);
    s.finish(units);
    s.feed("b\n", units);
    s.finish(units);
    CHECK(units == Units{"a", "rest", "b"});
}

TEST_CASE("null: units end with NUL", "[input]") {
    using namespace std::string_literals;
    check_every_cut(InputFraming::null, "a\0b\0"s, {"a", "b"});
    check_every_cut(InputFraming::null, "a\0\0b"s, {"a", "", "b"});
    // Newlines and CRs are part of the message.
    check_every_cut(InputFraming::null, "line 1\nline 2\r\n\0x\r\0"s, {"line 1\nline 2\r\n", "x\r"});
    check_every_cut(InputFraming::null, "no terminator"s, {"no terminator"});
    CHECK(split(InputFraming::null, "").empty());
}

TEST_CASE("paragraph: blank lines separate units", "[input]") {
    check_every_cut(InputFraming::paragraph, "a\nb\n\nc\n", {"a\nb", "c"});
    check_every_cut(InputFraming::paragraph, "one\n\ntwo", {"one", "two"});
    check_every_cut(InputFraming::paragraph, "single line", {"single line"});
}

TEST_CASE("paragraph: CRLF blank lines", "[input]") {
    check_every_cut(InputFraming::paragraph, "a\r\nb\r\n\r\nc\r\n", {"a\r\nb", "c"});
    check_every_cut(InputFraming::paragraph, "a\r\n\r\n\r\n\r\nb", {"a", "b"});
    check_every_cut(InputFraming::paragraph, "a\n\r\nb\r\n\nc", {"a", "b", "c"});
}

TEST_CASE("paragraph: several and leading blank lines give no empty units", "[input]") {
    check_every_cut(InputFraming::paragraph, "a\n\n\n\nb\n", {"a", "b"});
    check_every_cut(InputFraming::paragraph, "\n\n\na\n\nb\n\n\n", {"a", "b"});
    check_every_cut(InputFraming::paragraph, "\r\n\r\na", {"a"});
    CHECK(split(InputFraming::paragraph, "").empty());
    CHECK(split(InputFraming::paragraph, "\n\n\n").empty());
    CHECK(split(InputFraming::paragraph, "\r\n\r\n").empty());
}

TEST_CASE("paragraph: a line of spaces is not blank", "[input]") {
    check_every_cut(InputFraming::paragraph, "a\n  \nb\n", {"a\n  \nb"});
}

TEST_CASE("paragraph: pretty-printed JSON documents", "[input]") {
    const std::string first = "{\n  \"a\": 1,\n  \"list\": [\n    2,\n    3\n  ]\n}";
    const std::string second = "{\n  \"text\": \"line\\nbreak\"\n}";
    const std::string third = "[\r\n  true\r\n]";
    std::string input = first + "\n\n" + second + "\n\n\n" + third + "\r\n";
    check_every_cut(InputFraming::paragraph, input, {first, second, third});
    for (const auto& unit : split(InputFraming::paragraph, input)) {
        CHECK_NOTHROW(nlohmann::json::parse(unit));
    }
}

TEST_CASE("paragraph: a unit is emitted as soon as its blank line arrives", "[input]") {
    InputSplitter s(InputFraming::paragraph);
    Units units;
    s.feed("a\nb\n", units);
    CHECK(units.empty());
    s.feed("\n", units);
    CHECK(units == Units{"a\nb"});
    s.feed("c", units);
    CHECK(units == Units{"a\nb"});
    s.finish(units);
    CHECK(units == Units{"a\nb", "c"});
}

TEST_CASE("whole: all of the input is one message", "[input]") {
    using namespace std::string_literals;
    const std::string input = "line 1\nline 2\r\n\n\0binary\xff\n\n"s;
    check_every_cut(InputFraming::whole, input, {input});

    InputSplitter s(InputFraming::whole);
    Units units;
    s.feed("a\n", units);
    s.feed("\n\nb", units);
    CHECK(units.empty());
    s.finish(units);
    CHECK(units == Units{"a\n\n\nb"});
}

TEST_CASE("whole: empty input is one empty message", "[input]") {
    CHECK(split(InputFraming::whole, "") == Units{""});
    InputSplitter s(InputFraming::whole);
    Units units;
    s.finish(units);
    CHECK(units == Units{""});
}

TEST_CASE("decode_input: text and binary keep the bytes", "[input]") {
    const std::string bytes = std::string("a\0\xff\r\n", 5);
    auto text = wskit::decode_input(bytes, InputEncoding::text);
    CHECK(text.opcode == Opcode::text);
    CHECK(text.payload == bytes);
    auto bin = wskit::decode_input(bytes, InputEncoding::binary);
    CHECK(bin.opcode == Opcode::binary);
    CHECK(bin.payload == bytes);
    CHECK(wskit::decode_input("", InputEncoding::text).payload.empty());
}

TEST_CASE("decode_input: hex", "[input]") {
    auto m = wskit::decode_input("48 69 00 ff", InputEncoding::hex);
    CHECK(m.opcode == Opcode::binary);
    CHECK(m.payload == std::string("Hi\0\xff", 4));
    CHECK(wskit::decode_input("4869", InputEncoding::hex).payload == "Hi");
    CHECK(wskit::decode_input("48:69", InputEncoding::hex).payload == "Hi");
    CHECK(wskit::decode_input("DEADbeef", InputEncoding::hex).payload == "\xde\xad\xbe\xef");
    CHECK(wskit::decode_input("", InputEncoding::hex).payload.empty());
    CHECK(wskit::decode_input("", InputEncoding::hex).opcode == Opcode::binary);
}

TEST_CASE("decode_input: base64", "[input]") {
    auto m = wskit::decode_input("SGk=", InputEncoding::base64);
    CHECK(m.opcode == Opcode::binary);
    CHECK(m.payload == "Hi");
    CHECK(wskit::decode_input("SGk", InputEncoding::base64).payload == "Hi");
    CHECK(wskit::decode_input("AP8=", InputEncoding::base64).payload == std::string("\0\xff", 2));
}

TEST_CASE("decode_input: undecodable input is a runtime error naming the encoding", "[input]") {
    using wskit::test::error_message;
    CHECK_THAT(error_message([] { wskit::decode_input("xyz", InputEncoding::hex); }, ExitCode::runtime),
               Contains("not valid hex"));
    CHECK_THAT(error_message([] { wskit::decode_input("486", InputEncoding::hex); }, ExitCode::runtime),
               Contains("not valid hex"));
    CHECK_THAT(error_message([] { wskit::decode_input("S", InputEncoding::base64); }, ExitCode::runtime),
               Contains("not valid base64"));
    CHECK_THAT(error_message([] { wskit::decode_input("SG!k", InputEncoding::base64); }, ExitCode::runtime),
               Contains("not valid base64"));
}
