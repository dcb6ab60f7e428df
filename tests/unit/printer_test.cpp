#include "support.hpp"

#include <wskit/encoding.hpp>
#include <wskit/printer.hpp>

#include <nlohmann/json.hpp>

#include <regex>
#include <sstream>
#include <vector>

using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using Catch::Matchers::Matches;
using Catch::Matchers::StartsWith;
using wskit::Direction;
using wskit::Event;
using wskit::EventType;
using wskit::Message;
using wskit::Opcode;
using wskit::OutputFormat;
using wskit::PrinterOptions;
using wskit::test::StringSink;
using json = nlohmann::json;
using namespace std::string_literals;

namespace {

// 2023-11-14T22:13:20.123Z
const auto fixed_ts = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)) +
                      std::chrono::milliseconds(123);

Event message(std::string payload, Opcode op = Opcode::text, Direction dir = Direction::in) {
    Event e;
    e.type = EventType::message;
    e.ts = fixed_ts;
    e.direction = dir;
    e.message = Message{op, std::move(payload)};
    return e;
}

Event control(EventType type, std::string payload = {}, Direction dir = Direction::in) {
    Event e;
    e.type = type;
    e.ts = fixed_ts;
    e.direction = dir;
    e.message = Message{type == EventType::ping ? Opcode::ping : Opcode::pong, std::move(payload)};
    return e;
}

Event close_event(int code, std::string reason, bool clean, Direction dir = Direction::in) {
    Event e;
    e.type = EventType::close;
    e.ts = fixed_ts;
    e.direction = dir;
    e.code = code;
    e.reason = std::move(reason);
    e.clean = clean;
    return e;
}

Event with_text(EventType type, std::string text) {
    Event e;
    e.type = type;
    e.ts = fixed_ts;
    e.text = std::move(text);
    return e;
}

std::string render(const PrinterOptions& options, const std::vector<Event>& events) {
    StringSink sink;
    auto printer = wskit::make_printer(options, sink);
    for (const auto& e : events) printer->print(e);
    return sink.data;
}

PrinterOptions human() {
    PrinterOptions o;
    o.format = OutputFormat::human;
    o.color = false;
    return o;
}

PrinterOptions format(OutputFormat f) {
    PrinterOptions o;
    o.format = f;
    return o;
}

json to_json(const Event& e) { return json::parse(wskit::event_to_json(e)); }

// Every kind of event, for checks that hold for all of them.
std::vector<Event> every_event() {
    std::vector<Event> all;
    all.push_back(with_text(EventType::open, "ws://h/"));
    all.push_back(message("hello"));
    all.push_back(message("sent", Opcode::text, Direction::out));
    all.push_back(message(std::string(40, '\x01'), Opcode::binary));
    all.push_back(message("{\"a\":[1,2]}"));
    all.push_back(control(EventType::ping, "p"));
    all.push_back(control(EventType::pong, "q", Direction::out));
    all.push_back(close_event(1000, "bye", true));
    all.push_back(close_event(1006, "", false));
    all.push_back(with_text(EventType::error, "boom"));
    all.push_back(with_text(EventType::listening, "ws://127.0.0.1:1/"));
    all.push_back(with_text(EventType::info, "note"));
    Event r = with_text(EventType::reconnect, "ws://h/");
    r.attempt = 2;
    r.delay_ms = 1500;
    all.push_back(r);
    for (auto& e : all) e.conn = 3;
    return all;
}

}  // namespace

// --- raw ---------------------------------------------------------------------

TEST_CASE("raw printer: text messages get a newline", "[printer]") {
    CHECK(render(format(OutputFormat::raw), {message("hello"), message(""), message("two\nlines")}) ==
          "hello\n\ntwo\nlines\n");
}

TEST_CASE("raw printer: binary messages are written as they are", "[printer]") {
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    CHECK(render(format(OutputFormat::raw), {message(all, Opcode::binary)}) == all);
    CHECK(render(format(OutputFormat::raw), {message("ab", Opcode::binary), message("c")}) == "abc\n");
}

TEST_CASE("raw printer: only incoming messages reach stdout", "[printer]") {
    auto events = every_event();
    auto out = render(format(OutputFormat::raw), events);
    std::string expected = "hello\n" + std::string(40, '\x01') + "{\"a\":[1,2]}\n";
    CHECK(out == expected);
}

// --- json --------------------------------------------------------------------

TEST_CASE("format_iso_time: UTC with milliseconds", "[printer]") {
    CHECK(wskit::format_iso_time(fixed_ts) == "2023-11-14T22:13:20.123Z");
    CHECK(wskit::format_iso_time(std::chrono::system_clock::time_point{}) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("event_to_json: common fields", "[printer]") {
    for (const auto& e : every_event()) {
        auto line = wskit::event_to_json(e);
        INFO(line);
        CHECK(line.find('\n') == std::string::npos);
        auto j = json::parse(line);
        REQUIRE(j.is_object());
        CHECK(j.at("ts") == "2023-11-14T22:13:20.123Z");
        CHECK(j.at("conn") == 3);
        CHECK(j.at("event").is_string());
    }
}

TEST_CASE("event_to_json: message", "[printer]") {
    auto j = to_json(message("héllo"));
    CHECK(j.at("event") == "message");
    CHECK(j.at("dir") == "in");
    CHECK(j.at("opcode") == "text");
    CHECK(j.at("text") == "héllo");
    CHECK(j.at("size") == 6);
    CHECK_FALSE(j.contains("base64"));

    auto out = to_json(message("x", Opcode::text, Direction::out));
    CHECK(out.at("dir") == "out");

    auto bin = to_json(message("hi", Opcode::binary));
    CHECK(bin.at("opcode") == "binary");
    CHECK(bin.at("base64") == "aGk=");
    CHECK(bin.at("size") == 2);
    CHECK_FALSE(bin.contains("text"));
}

TEST_CASE("event_to_json: ping and pong", "[printer]") {
    auto ping = to_json(control(EventType::ping, "data"));
    CHECK(ping.at("event") == "ping");
    CHECK(ping.at("dir") == "in");
    CHECK(ping.at("text") == "data");
    CHECK(ping.at("size") == 4);

    auto pong = to_json(control(EventType::pong, std::string("\xff\x00", 2), Direction::out));
    CHECK(pong.at("event") == "pong");
    CHECK(pong.at("dir") == "out");
    CHECK(pong.at("size") == 2);
    CHECK(pong.at("base64") == "/wA=");
    CHECK_FALSE(pong.contains("text"));

    auto empty = to_json(control(EventType::ping));
    CHECK(empty.at("size") == 0);
}

TEST_CASE("event_to_json: close", "[printer]") {
    auto clean = to_json(close_event(1000, "bye", true));
    CHECK(clean.at("event") == "close");
    CHECK(clean.at("dir") == "in");
    CHECK(clean.at("code") == 1000);
    CHECK(clean.at("reason") == "bye");
    CHECK(clean.at("clean") == true);

    auto abnormal = to_json(close_event(1006, "", false));
    CHECK(abnormal.at("code") == 1006);
    CHECK(abnormal.at("reason") == "");
    CHECK(abnormal.at("clean") == false);

    auto sent = to_json(close_event(4000, "done", true, Direction::out));
    CHECK(sent.at("dir") == "out");
}

TEST_CASE("event_to_json: open, listening, error, info, reconnect", "[printer]") {
    Event open = with_text(EventType::open, "ws://h:9000/chat");
    open.subprotocol = "chat.v1";
    auto j = to_json(open);
    CHECK(j.at("event") == "open");
    CHECK(j.at("url") == "ws://h:9000/chat");
    CHECK(j.at("subprotocol") == "chat.v1");
    CHECK_FALSE(j.contains("peer"));

    CHECK_FALSE(j.contains("origin"));
    CHECK_FALSE(j.contains("user_agent"));

    open.peer = "127.0.0.1:5555";
    CHECK(to_json(open).at("peer") == "127.0.0.1:5555");
    // A server's open event says who the client says it is, "" for absent.
    CHECK(to_json(open).at("origin") == "");
    open.origin = "https://app.test";
    open.user_agent = "Mozilla/5.0 (X11)";
    CHECK(to_json(open).at("origin") == "https://app.test");
    CHECK(to_json(open).at("user_agent") == "Mozilla/5.0 (X11)");
    CHECK_FALSE(to_json(open).contains("compression"));
    open.compression = wskit::DeflateParams{true, false, 15, 10};
    CHECK(to_json(open).at("compression") ==
          "permessage-deflate; server_no_context_takeover; client_max_window_bits=10");

    auto listening = to_json(with_text(EventType::listening, "ws://127.0.0.1:40311/"));
    CHECK(listening.at("event") == "listening");
    CHECK(listening.at("url") == "ws://127.0.0.1:40311/");

    auto error = to_json(with_text(EventType::error, "connection refused"));
    CHECK(error.at("event") == "error");
    CHECK(error.at("message") == "connection refused");

    auto info = to_json(with_text(EventType::info, "following a redirect"));
    CHECK(info.at("event") == "info");
    CHECK(info.at("message") == "following a redirect");

    Event r = with_text(EventType::reconnect, "ws://h/");
    r.attempt = 3;
    r.delay_ms = 2000;
    auto rj = to_json(r);
    CHECK(rj.at("event") == "reconnect");
    CHECK(rj.at("url") == "ws://h/");
    CHECK(rj.at("attempt") == 3);
    CHECK(rj.at("delay_ms") == 2000);
}

TEST_CASE("json printer: any bytes round-trip", "[printer]") {
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    const std::vector<Message> messages = {
        {Opcode::binary, all},
        {Opcode::binary, ""},
        {Opcode::binary, "valid utf-8 text sent as binary"},
        {Opcode::text, "\xff\xfe invalid"},
        {Opcode::text, "truncated \xe2\x82"},
        {Opcode::text, "surrogate \xed\xa0\x80"},
        {Opcode::text, "nul \0 inside, \"quotes\", \\, \x01\x1f control"s},
        {Opcode::text, "emoji \xf0\x9f\x98\x80 and \xe2\x82\xac"},
        {Opcode::text, ""},
    };
    StringSink sink;
    auto printer = wskit::make_printer(format(OutputFormat::json), sink);
    for (const auto& m : messages) printer->print(message(m.payload, m.opcode));

    std::istringstream lines(sink.data);
    std::string line;
    std::size_t i = 0;
    while (std::getline(lines, line)) {
        REQUIRE(i < messages.size());
        INFO("message " << i << ": " << line);
        auto j = json::parse(line);
        CHECK(j.at("opcode") == wskit::opcode_name(messages[i].opcode));
        CHECK(j.at("size") == messages[i].payload.size());
        std::string payload;
        if (j.contains("base64")) {
            CHECK_FALSE(j.contains("text"));
            auto decoded = wskit::base64_decode(j.at("base64").get<std::string>());
            REQUIRE(decoded);
            payload = *decoded;
        } else {
            payload = j.at("text").get<std::string>();
        }
        CHECK(payload == messages[i].payload);
        // Binary messages are always base64, and text that is not UTF-8 too.
        if (messages[i].opcode == Opcode::binary || !wskit::is_valid_utf8(messages[i].payload))
            CHECK(j.contains("base64"));
        ++i;
    }
    CHECK(i == messages.size());
    CHECK(sink.data.back() == '\n');
}

TEST_CASE("json printer: one line per event, every event", "[printer]") {
    auto events = every_event();
    auto out = render(format(OutputFormat::json), events);
    std::istringstream lines(out);
    std::string line;
    std::vector<std::string> names;
    while (std::getline(lines, line)) names.push_back(json::parse(line).at("event").get<std::string>());
    CHECK(names == std::vector<std::string>{"open", "message", "message", "message", "message", "ping", "pong",
                                            "close", "close", "error", "listening", "info", "reconnect"});
}

// --- human -------------------------------------------------------------------

TEST_CASE("human printer: arrows for incoming and outgoing messages", "[printer]") {
    CHECK(render(human(), {message("hello")}) == "< hello\n");
    CHECK(render(human(), {message("")}) == "< \n");
    // Outgoing messages only when asked for (a pipe; the line editor shows them itself).
    CHECK(render(human(), {message("sent", Opcode::text, Direction::out)}) == "");
    auto o = human();
    o.show_outgoing = true;
    CHECK(render(o, {message("sent", Opcode::text, Direction::out)}) == "> sent\n");
}

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> rows;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) rows.push_back(line);
    return rows;
}

std::string trim_left(const std::string& s) { return s.substr(std::min(s.find_first_not_of(' '), s.size())); }

}  // namespace

TEST_CASE("human printer: binary as [binary N B] and a hex dump", "[printer]") {
    auto rows = lines_of(render(human(), {message("hello", Opcode::binary)}));
    REQUIRE(rows.size() == 2);
    CHECK(rows[0] == "< [binary 5 B]");
    CHECK(trim_left(rows[1]) == "00000000  68 65 6c 6c 6f                                    |hello|");

    CHECK(render(human(), {message("", Opcode::binary)}) == "< [binary 0 B]\n");

    auto o = human();
    o.hexdump_limit = 4;
    auto limited = lines_of(render(o, {message("hello", Opcode::binary)}));
    REQUIRE(limited.size() == 3);
    CHECK(limited[0] == "< [binary 5 B]");
    CHECK(trim_left(limited[1]) == "00000000  68 65 6c 6c                                       |hell|");
    CHECK(trim_left(limited[2]) == "... 1 more bytes");
}

TEST_CASE("human printer: the rows of a long hex dump line up", "[printer]") {
    auto o = human();
    o.hexdump_limit = 32;
    auto rows = lines_of(render(o, {message(std::string(40, 'A'), Opcode::binary)}));
    REQUIRE(rows.size() == 4);
    CHECK(rows[0] == "< [binary 40 B]");
    // Every line of the dump starts in the same column.
    auto column = rows[1].find("00000000");
    CHECK(rows[2].find("00000010") == column);
    CHECK(rows[3].find("... 8 more bytes") == column);
}

TEST_CASE("human printer: a hex dump lines up under a server's #N and time prefix", "[printer]") {
    auto o = human();
    o.hexdump_limit = 32;
    o.show_conn = true;
    o.timestamps = true;
    auto e = message(std::string(40, 'A'), Opcode::binary);
    e.conn = 12;
    auto rows = lines_of(render(o, {e}));
    REQUIRE(rows.size() == 4);
    CHECK_THAT(rows[0], EndsWith(" #12 < [binary 40 B]"));
    auto column = rows[1].find("00000000");
    CHECK(column == rows[0].find("< ") + 2);
    CHECK(rows[2].find("00000010") == column);
    CHECK(rows[3].find("... 8 more bytes") == column);
    // Continuation lines of a text message too.
    auto text = lines_of(render(o, {[] {
        auto m = message("one\ntwo");
        m.conn = 3;
        return m;
    }()}));
    REQUIRE(text.size() == 2);
    CHECK(text[1].find("two") == text[0].find("one"));
}

TEST_CASE("human printer: --pretty pretty-prints JSON objects and arrays", "[printer]") {
    auto o = human();
    o.pretty = true;
    CHECK(render(o, {message("{\"a\":[1,2]}")}) ==
          "< {\n"
          "    \"a\": [\n"
          "      1,\n"
          "      2\n"
          "    ]\n"
          "  }\n");
    // Not JSON, or a scalar: as it is.
    CHECK(render(o, {message("not json {")}) == "< not json {\n");
    CHECK(render(o, {message("42")}) == "< 42\n");
    // Without --pretty, as it is.
    CHECK(render(human(), {message("{\"a\":[1,2]}")}) == "< {\"a\":[1,2]}\n");
}

TEST_CASE("human printer: --pretty keeps the order of object keys", "[printer]") {
    auto o = human();
    o.pretty = true;
    CHECK(render(o, {message("{\"zeta\":1,\"alpha\":2}")}) ==
          "< {\n"
          "    \"zeta\": 1,\n"
          "    \"alpha\": 2\n"
          "  }\n");
}

TEST_CASE("human printer: control characters are escaped", "[printer]") {
    CHECK(render(human(), {message("a\x1b[31mred\x07")}) == "< a\\x1b[31mred\\x07\n");
    CHECK(render(human(), {message("cr\rdel\x7f")}) == "< cr\\x0ddel\\x7f\n");
    CHECK(render(human(), {message(std::string("nul\0", 4))}) == "< nul\\x00\n");
    // Tabs stay; newlines continue the message on an indented line.
    CHECK(render(human(), {message("a\tb")}) == "< a\tb\n");
    CHECK(render(human(), {message("line 1\nline 2")}) == "< line 1\n  line 2\n");
    // A close reason and ping data cannot drive the terminal either.
    CHECK(render(human(), {close_event(1000, "bye\x1b[2J", true)}).find('\x1b') == std::string::npos);
    auto o = human();
    o.show_control = true;
    CHECK(render(o, {control(EventType::ping, "\x1b]0;title\x07")}) == "< [ping \\x1b]0;title\\x07]\n");
}

TEST_CASE("human printer: --timestamps prefixes the local time", "[printer]") {
    auto o = human();
    o.timestamps = true;
    auto out = render(o, {message("hi")});
    CHECK_THAT(out, Matches("[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\\.123 < hi\n"));

    auto t = std::chrono::system_clock::to_time_t(fixed_ts);
    std::tm tm{};
    localtime_r(&t, &tm);
    char expected[32];
    std::strftime(expected, sizeof expected, "%H:%M:%S.123 < hi\n", &tm);
    CHECK(out == expected);

    // Each line of the event carries it, system lines too.
    auto lines = render(o, {message("x", Opcode::binary), close_event(1000, "", true)});
    std::istringstream in(lines);
    std::string line;
    int count = 0;
    while (std::getline(in, line)) {
        CHECK_THAT(line, Matches("[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\\.123 .*"));
        ++count;
    }
    CHECK(count == 3);
}

TEST_CASE("human printer: the connection prefix", "[printer]") {
    auto o = human();
    o.show_conn = true;
    auto e = message("hello");
    e.conn = 3;
    CHECK(render(o, {e}) == "#3 < hello\n");
    auto binary = message("hi", Opcode::binary);
    binary.conn = 12;
    auto rows = lines_of(render(o, {binary}));
    REQUIRE(rows.size() == 2);
    CHECK(rows[0] == "#12 < [binary 2 B]");
    CHECK_THAT(rows[1], StartsWith("#12 "));
    CHECK(trim_left(rows[1].substr(4)) == "00000000  68 69                                             |hi|");
    // A client's connection (0) has none, nor do lines without show_conn.
    CHECK(render(o, {message("x")}) == "< x\n");
    CHECK(render(human(), {e}) == "< hello\n");

    o.timestamps = true;
    CHECK_THAT(render(o, {e}), Matches("[0-9:]{8}\\.123 #3 < hello\n"));
}

TEST_CASE("human printer: -P shows ping and pong", "[printer]") {
    const std::vector<Event> events = {control(EventType::ping, "abc"), control(EventType::pong),
                                       control(EventType::ping, "", Direction::out),
                                       control(EventType::pong, "abc", Direction::out)};
    CHECK(render(human(), events) == "");
    auto o = human();
    o.show_control = true;
    CHECK(render(o, events) == "< [ping abc]\n< [pong]\n> [ping]\n> [pong abc]\n");
}

TEST_CASE("human printer: system lines", "[printer]") {
    Event open = with_text(EventType::open, "ws://h/");
    CHECK(render(human(), {open}) == "connected to ws://h/\n");
    open.subprotocol = "chat";
    CHECK(render(human(), {open}) == "connected to ws://h/ (subprotocol chat)\n");
    open.compression = wskit::DeflateParams{};
    CHECK(render(human(), {open}) == "connected to ws://h/ (subprotocol chat) (permessage-deflate)\n");
    open.compression.reset();
    open.peer = "127.0.0.1:5555";
    open.resource = "/room?x=1";
    open.subprotocol = "";
    CHECK(render(human(), {open}) == "connected from 127.0.0.1:5555 to /room?x=1\n");
    // -v adds the Origin and User-Agent, escaped.
    auto verbose = human();
    verbose.verbose = true;
    CHECK(render(verbose, {open}) ==
          "connected from 127.0.0.1:5555 to /room?x=1; origin (none); user agent (none)\n");
    open.origin = "http://evil.test";
    open.user_agent = "bot\x1b[2J";
    CHECK(render(verbose, {open}) ==
          "connected from 127.0.0.1:5555 to /room?x=1; origin http://evil.test; user agent bot\\x1b[2J\n");

    CHECK_THAT(render(human(), {close_event(1000, "bye", true)}), Contains("1000") && Contains("bye"));
    auto abnormal = render(human(), {close_event(1006, "", false)});
    CHECK_THAT(abnormal, Contains("1006") && Contains("abnormal"));
    CHECK_THAT(render(human(), {close_event(1000, "", true)}), !Contains("abnormal"));

    CHECK(render(human(), {with_text(EventType::info, "note")}) == "note\n");
    // Errors and the listening line go to stderr, through the caller.
    CHECK(render(human(), {with_text(EventType::error, "boom")}) == "");
    CHECK(render(human(), {with_text(EventType::listening, "ws://127.0.0.1:1/")}) == "");
}

TEST_CASE("human printer: no ANSI codes without color, some with it", "[printer]") {
    auto o = human();
    o.show_control = true;
    o.show_conn = true;
    o.show_outgoing = true;
    o.timestamps = true;
    o.pretty = true;
    auto plain = render(o, every_event());
    CHECK_FALSE(plain.empty());
    CHECK(plain.find('\x1b') == std::string::npos);

    o.color = true;
    auto colored = render(o, every_event());
    CHECK(colored.find("\x1b[") != std::string::npos);
    // Every color is reset before the end of its event.
    auto count = [&](std::string_view needle) {
        std::size_t n = 0;
        for (auto at = colored.find(needle); at != std::string::npos; at = colored.find(needle, at + 1)) ++n;
        return n;
    };
    CHECK(count("\x1b[0m") * 2 == count("\x1b["));
    CHECK_THAT(colored, EndsWith("\x1b[0m\n"));
}

TEST_CASE("human printer: peer-controlled names and addresses are escaped", "[printer]") {
    const std::string evil = "/\x1b]0;owned\x07\x1b[2J";
    Event open = with_text(EventType::open, "ws://h" + evil);
    open.resource = evil;
    open.peer = "127.0.0.1:1\x1b[2J";
    open.subprotocol = "chat\x1b[31m";
    auto out = render(human(), {open});
    CHECK(out.find('\x1b') == std::string::npos);
    CHECK(out.find('\x07') == std::string::npos);
    CHECK_THAT(out, Contains("/\\x1b]0;owned\\x07\\x1b[2J") && Contains("127.0.0.1:1\\x1b[2J") &&
                        Contains("chat\\x1b[31m"));
    // A close reason or a note stays on its line.
    CHECK(render(human(), {close_event(1008, "a\nb\x1b[2J", true)}) ==
          "disconnected (code 1008, reason: a\\x0ab\\x1b[2J)\n");
    CHECK(render(human(), {with_text(EventType::info, "to ws://h/\x1b[2J\r")}) == "to ws://h/\\x1b[2J\\x0d\n");
    Event reconnect = with_text(EventType::reconnect, "ws://h/\x1b[2J");
    CHECK(render(human(), {reconnect}).find('\x1b') == std::string::npos);
    // JSON output keeps the exact text (JSON's own escaping covers it).
    auto j = json::parse(wskit::event_to_json(open));
    CHECK(j["url"] == "ws://h" + evil);
    CHECK(j["peer"] == "127.0.0.1:1\x1b[2J");
}

TEST_CASE("pretty_json: the layout of JSON.stringify(v, null, 2), tokens as written", "[printer]") {
    using wskit::pretty_json;
    using Outcome = wskit::PrettyJson::Outcome;
    auto pretty = [](std::string_view s) { return pretty_json(s, 1 << 20, 64); };
    CHECK(pretty("{\"a\":[1,2],\"b\":{},\"c\":[ ],\"d\":\"x,y:{\\\"]\"}").text ==
          "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {},\n  \"c\": [],\n  \"d\": \"x,y:{\\\"]\"\n}");
    CHECK(pretty(" [ 1.0e2 , true , null , \"\\u00e9\" ] ").text ==
          "[\n  1.0e2,\n  true,\n  null,\n  \"\\u00e9\"\n]");
    CHECK(pretty("{}").text == "{}");
    CHECK(pretty("42").outcome == Outcome::not_a_document);
    CHECK(pretty("\"s\"").outcome == Outcome::not_a_document);
    CHECK(pretty("{\"a\":").outcome == Outcome::not_a_document);
    CHECK(pretty("[1] x").outcome == Outcome::not_a_document);
    CHECK(pretty("").outcome == Outcome::not_a_document);
}

TEST_CASE("pretty_json: bounded depth and output size", "[printer]") {
    using wskit::pretty_json;
    using Outcome = wskit::PrettyJson::Outcome;
    auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
    auto nested_value = [](int depth) { return std::string(depth, '[') + "1" + std::string(depth, ']'); };
    CHECK(pretty_json(nested_value(64), 1 << 20, 64).outcome == Outcome::pretty);
    CHECK(pretty_json(nested_value(65), 1 << 20, 64).outcome == Outcome::too_deep);
    // 20,000 levels (40 KB): refused at once instead of gigabytes of spaces.
    CHECK(pretty_json(nested_value(20000), 4 << 20, 64).outcome == Outcome::too_deep);
    CHECK(pretty_json(nested(20000), 4 << 20, 1 << 30).outcome == Outcome::too_large);
    // The size bound counts the whole output, strings included.
    CHECK(pretty_json("[\"" + std::string(100, 'x') + "\"]", 100, 64).outcome == Outcome::too_large);
    auto fits = pretty_json("[\"" + std::string(90, 'x') + "\"]", 100, 64);
    CHECK(fits.outcome == Outcome::pretty);
    CHECK(fits.text.size() <= 100);
}

TEST_CASE("pretty_json: a NUL byte is not JSON, even after a whole document", "[printer]") {
    using Outcome = wskit::PrettyJson::Outcome;
    // nlohmann's accept() stops at a NUL: "[]" then "}}}" once crashed the layout.
    CHECK(wskit::pretty_json(std::string("[]\0}}}", 6), 1 << 20, 64).outcome == Outcome::not_a_document);
    CHECK(wskit::pretty_json(std::string("[\"a\0b\"]", 7), 1 << 20, 64).outcome == Outcome::not_a_document);
}

TEST_CASE("human printer: --pretty shows an unbounded document as received, and -v says why", "[printer]") {
    auto o = human();
    o.pretty = true;
    o.pretty_max_depth = 3;
    const std::string deep = "[[[[1]]]]";
    CHECK(render(o, {message(deep)}) == "< [[[[1]]]]\n");
    o.verbose = true;
    CHECK(render(o, {message(deep)}) == "< [[[[1]]]]\n(--pretty: nested deeper than 3 levels; shown as received)\n");
    o.pretty_max_depth = 64;
    o.pretty_max_bytes = 8;
    CHECK(render(o, {message("[1,2,3,4]")}) ==
          "< [1,2,3,4]\n(--pretty: longer than 8 bytes pretty-printed; shown as received)\n");
    // Not JSON: no note, even with -v.
    CHECK(render(o, {message("hello")}) == "< hello\n");
    // DEL and C1 controls inside JSON strings are escaped like any text.
    o.pretty_max_bytes = 1024;
    CHECK(render(o, {message("[\"\x7f\xc2\x9b\"]")}) == "< [\n    \"\\x7f\\xc2\\x9b\"\n  ]\n");
}
