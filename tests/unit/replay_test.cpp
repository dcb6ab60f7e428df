// wskit replay's reading of recordings and its comparison of messages.
#include "support.hpp"

#include <wskit/tool/replay.hpp>

using Catch::Matchers::Contains;
using wskit::Message;
using wskit::Opcode;
using wskit::parse_recording;
using wskit::ReplayComparison;

namespace {

Message text(std::string s) { return {Opcode::text, std::move(s)}; }

}  // namespace

TEST_CASE("an NDJSON recording of a client: its sends, what it received, its headers and close", "[replay]") {
    auto c = parse_recording(
        R"({"event":"record","ts":"2026-12-06T10:00:00.000Z","conn":0,"role":"client","wskit":"0.1.0","secrets":"masked"}
{"event":"open","ts":"2026-12-06T10:00:01.000Z","conn":0,"url":"ws://h/feed","subprotocol":"chat","request":{"method":"GET","target":"/feed","headers":[{"name":"Host","value":"h"},{"name":"Sec-WebSocket-Protocol","value":"chat, json"},{"name":"Origin","value":"https://app"},{"name":"Authorization","value":"Bearer [hidden]"}]},"response":{"status":101,"reason":"","headers":[{"name":"Sec-WebSocket-Accept","value":"x"},{"name":"Sec-WebSocket-Protocol","value":"chat"},{"name":"Set-Cookie","value":"sid=1"},{"name":"X-Node","value":"a"}]}}
{"event":"message","ts":"2026-12-06T10:00:01.250Z","conn":0,"dir":"out","opcode":"text","text":"hi","size":2}
{"event":"message","ts":"2026-12-06T10:00:01.500Z","conn":0,"dir":"in","opcode":"binary","base64":"AP8=","size":2}
{"event":"close","ts":"2026-12-06T10:00:02.000Z","conn":0,"dir":"out","code":4000,"reason":"","clean":true}
)",
        "t");
    REQUIRE(c.size() == 1);
    CHECK(c[0].url == "ws://h/feed");
    CHECK(c[0].subprotocols == std::vector<std::string>{"chat", "json"});
    REQUIRE(c[0].headers.size() == 1);  // Host is made anew, the masked Authorization is left to -H
    CHECK(c[0].headers[0].name == "Origin");
    REQUIRE(c[0].steps.size() == 2);
    CHECK(c[0].steps[0].sent);
    CHECK(c[0].steps[0].at == Approx(0.25));
    CHECK_FALSE(c[0].steps[1].sent);
    CHECK(c[0].steps[1].message.opcode == Opcode::binary);
    CHECK(c[0].steps[1].message.payload == std::string("\x00\xff", 2));
    CHECK(c[0].client_close == 4000);
    CHECK(c[0].subprotocol == "chat");
    REQUIRE(c[0].response_headers.size() == 2);  // what listen --replay answers with, besides its own
    CHECK(c[0].response_headers[0].name == "Set-Cookie");
    CHECK(c[0].response_headers[1].value == "a");
}

TEST_CASE("a server's recording: the client sent what came in", "[replay]") {
    auto c = parse_recording(
        R"({"event":"record","ts":"2026-12-06T10:00:00.000Z","conn":0,"role":"server","wskit":"0.1.0","secrets":"masked"}
{"event":"open","ts":"2026-12-06T10:00:00.000Z","conn":1,"url":"ws://h/","subprotocol":""}
{"event":"message","ts":"2026-12-06T10:00:00.000Z","conn":1,"dir":"in","opcode":"text","text":"from client","size":11}
{"event":"open","ts":"2026-12-06T10:00:00.000Z","conn":2,"url":"ws://h/two","subprotocol":""}
)",
        "t");
    REQUIRE(c.size() == 2);
    CHECK(c[0].steps[0].sent);
    CHECK(c[1].url == "ws://h/two");
}

TEST_CASE("a proxy's recording: the upstream's URL, the client's messages and the server's", "[replay]") {
    auto c = parse_recording(
        R"({"event":"record","ts":"2026-12-06T10:00:00.000Z","conn":0,"role":"proxy","wskit":"0.1.0","secrets":"masked"}
{"event":"open","ts":"2026-12-06T10:00:00.000Z","conn":1,"leg":"upstream","url":"wss://real/x","subprotocol":""}
{"event":"open","ts":"2026-12-06T10:00:00.000Z","conn":1,"leg":"client","url":"ws://127.0.0.1:9000/x","subprotocol":""}
{"event":"message","ts":"2026-12-06T10:00:00.000Z","conn":1,"leg":"client","dir":"in","opcode":"text","text":"q","size":1}
{"event":"message","ts":"2026-12-06T10:00:00.000Z","conn":1,"leg":"upstream","dir":"in","opcode":"text","text":"a","size":1}
)",
        "t");
    REQUIRE(c.size() == 1);
    CHECK(c[0].url == "wss://real/x");
    REQUIRE(c[0].steps.size() == 2);
    CHECK(c[0].steps[0].sent);
    CHECK_FALSE(c[0].steps[1].sent);
}

TEST_CASE("a HAR from devtools: WebSocket entries only, control frames left out", "[replay]") {
    auto c = parse_recording(R"({"log":{"version":"1.2","entries":[
        {"request":{"url":"https://h/page","headers":[]},"response":{"status":200}},
        {"startedDateTime":"2026-12-06T10:00:00.000Z","_resourceType":"websocket",
         "request":{"url":"wss://h/ws","headers":[{"name":":authority","value":"h"},{"name":"Origin","value":"https://h"}]},
         "_webSocketMessages":[{"type":"send","time":1796551200.5,"opcode":1,"data":"x"},
                               {"type":"receive","time":1796551201.0,"opcode":2,"data":"AP8="},
                               {"type":"receive","time":1796551201.0,"opcode":9,"data":""}]}]}})",
                             "t.har");
    REQUIRE(c.size() == 1);
    CHECK(c[0].url == "wss://h/ws");
    REQUIRE(c[0].headers.size() == 1);
    CHECK(c[0].headers[0].name == "Origin");
    REQUIRE(c[0].steps.size() == 2);
    CHECK(c[0].steps[0].at == Approx(0.5));
    CHECK(c[0].steps[1].message.payload == std::string("\x00\xff", 2));
}

TEST_CASE("numbers that no close code or connection can be are read as if absent", "[replay]") {
    // A decimal out of range was converted with a cast (undefined; found by fuzz_recording).
    auto c = parse_recording(
        R"({"event":"open","ts":"2026-12-06T10:00:01.000Z","conn":1e58,"url":"ws://h/"}
{"event":"close","ts":"2026-12-06T10:00:02.000Z","conn":1e58,"dir":"out","code":1e58,"reason":"","clean":true}
)",
        "t");
    REQUIRE(c.size() == 1);
    CHECK(c[0].url == "ws://h/");
    CHECK(c[0].client_close == 1000);
}

TEST_CASE("what is not a recording is a usage error naming the file and line", "[replay]") {
    auto error = [](std::string_view text) {
        return wskit::test::error_message([&] { parse_recording(text, "x.ndjson"); }, wskit::ExitCode::usage);
    };
    CHECK_THAT(error(""), Contains("x.ndjson: empty recording"));
    CHECK_THAT(error("{\"event\":\"open\",\"conn\":0}\nnot json\n"), Contains("x.ndjson:2: not a JSON event"));
    CHECK_THAT(error(R"({"event":"open","conn":"zero"})"), Contains("not a recording wskit can read"));
    CHECK_THAT(error(R"({"log":{}})"), Contains("without log.entries"));
}

TEST_CASE("same_message: exact, without ignored JSON fields, or loose", "[replay]") {
    ReplayComparison exact;
    CHECK(same_message(text("a"), text("a"), exact));
    CHECK_FALSE(same_message(text("a"), text("b"), exact));
    CHECK_FALSE(same_message(text("a"), Message{Opcode::binary, "a"}, exact));
    ReplayComparison ignoring;
    ignoring.ignore = {"/id", "/items/0/ts", "/absent"};
    CHECK(same_message(text(R"({"id":1,"v":2,"items":[{"ts":5,"x":1}]})"),
                       text(R"({"v":2,"id":7,"items":[{"ts":9,"x":1}]})"), ignoring));
    CHECK_FALSE(same_message(text(R"({"id":1,"v":2})"), text(R"({"id":1,"v":3})"), ignoring));
    CHECK_FALSE(same_message(text("not json"), text("other"), ignoring));
    ReplayComparison loose;
    loose.loose = true;
    CHECK(same_message(text("a"), text("b"), loose));
    CHECK_FALSE(same_message(text("a"), Message{Opcode::binary, "a"}, loose));
}

TEST_CASE("json_pointer_problem", "[replay]") {
    CHECK(wskit::json_pointer_problem("/id").empty());
    CHECK(wskit::json_pointer_problem("").empty());
    CHECK_THAT(wskit::json_pointer_problem("id"), Contains("starts with '/'"));
}
