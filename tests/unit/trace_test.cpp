#include "proto/frame_trace.hpp"

#include <wskit/trace.hpp>

#include <catch2/catch.hpp>

#include <string>

using wskit::TraceLine;
using wskit::detail::FrameTracer;

namespace {

std::string bytes(std::initializer_list<int> list) {
    std::string out;
    for (int b : list) out.push_back(static_cast<char>(b));
    return out;
}

std::string masked(std::string payload, std::string key) {
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ key[i % 4]);
    return payload;
}

const std::string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";

}  // namespace

TEST_CASE("format_trace_line: prefixes and escaping", "[trace]") {
    CHECK(wskit::format_trace_line({TraceLine::Kind::info, "Trying 127.0.0.1:9000..."}) ==
          "* Trying 127.0.0.1:9000...\n");
    CHECK(wskit::format_trace_line({TraceLine::Kind::sent, "GET / HTTP/1.1"}) == "> GET / HTTP/1.1\n");
    CHECK(wskit::format_trace_line({TraceLine::Kind::received, "X: \x1b[31m\n"}) == "< X: \\x1b[31m\\x0a\n");
}

TEST_CASE("FrameTracer: skips the HTTP head, then decodes frames", "[trace]") {
    FrameTracer t;
    auto lines = t.feed(response + bytes({0x81, 5}) + "hello" + bytes({0x88, 2, 0x03, 0xe8}));
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == "frame text fin=1 rsv=000 mask=0 len=5 \"hello\"");
    CHECK(lines[1] == "frame close fin=1 rsv=000 mask=0 len=2 code=1000");
}

TEST_CASE("FrameTracer: masked frames are unmasked for the preview", "[trace]") {
    FrameTracer t;
    std::string key = bytes({1, 2, 3, 4});
    auto lines = t.feed("GET / HTTP/1.1\r\n\r\n" + bytes({0x81, 0x85}) + key + masked("hello", key));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "frame text fin=1 rsv=000 mask=1 len=5 \"hello\"");
}

TEST_CASE("FrameTracer: bytes split anywhere, across the head and the frames", "[trace]") {
    std::string stream = response + bytes({0x01, 3}) + "abc" + bytes({0x80, 0}) + bytes({0x89, 4}) + "ping";
    FrameTracer t;
    std::vector<std::string> lines;
    for (char c : stream)
        for (auto& l : t.feed(std::string(1, c))) lines.push_back(l);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "frame text fin=0 rsv=000 mask=0 len=3 \"abc\"");
    CHECK(lines[1] == "frame cont fin=1 rsv=000 mask=0 len=0");
    CHECK(lines[2] == "frame ping fin=1 rsv=000 mask=0 len=4 \"ping\"");
}

TEST_CASE("FrameTracer: long payloads, binary, RSV bits and escaping", "[trace]") {
    FrameTracer t;
    t.feed(response);
    std::string big(70000, 'x');
    auto lines = t.feed(bytes({0xc1, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70}) + big.substr(0, 100));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "frame text fin=1 rsv=100 mask=0 len=70000 \"" + std::string(40, 'x') + "\"...");
    CHECK(t.feed(big.substr(100)).empty());
    lines = t.feed(bytes({0x82, 3, 0, 0xff, 0x10}) + bytes({0x81, 2, 0x1b, 'A'}));
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == "frame binary fin=1 rsv=000 mask=0 len=3 [00 ff 10]");
    CHECK(lines[1] == "frame text fin=1 rsv=000 mask=0 len=2 \"\\x1bA\"");
}
