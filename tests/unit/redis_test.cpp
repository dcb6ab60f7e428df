// The pure pieces of --redis: the URL, what travels through Redis and its
// strict parser, and what a process knows of the rooms open here.
#include "chat/redis/event_codec.hpp"
#include "chat/redis/room_ledger.hpp"
#include "chat/redis/url.hpp"

#include <wskit/error.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <functional>

using wskit::redis::decode_event;
using wskit::redis::encode_event;
using wskit::redis::Envelope;
using wskit::redis::EventLimits;
using wskit::redis::parse_redis_url;

TEST_CASE("redis URLs: host, port, password, database", "[redis]") {
    auto r = parse_redis_url("redis://127.0.0.1:6380");
    CHECK(r.host == "127.0.0.1");
    CHECK(r.port == 6380);
    CHECK(r.password.empty());
    CHECK(r.db == 0);
    CHECK_FALSE(r.tls);

    r = parse_redis_url("redis://:s%40cret@cache.example:7000/3");
    CHECK(r.host == "cache.example");
    CHECK(r.port == 7000);
    CHECK(r.password == "s@cret");
    CHECK(r.db == 3);

    r = parse_redis_url("redis://user:pw@h");  // the user is ignored, the port defaults
    CHECK(r.password == "pw");
    CHECK(r.port == 6379);

    r = parse_redis_url("rediss://[::1]:6390/");
    CHECK(r.host == "::1");
    CHECK(r.port == 6390);
    CHECK(r.tls);
}

TEST_CASE("redis URLs: what is wrong is said", "[redis]") {
    auto fails = [](const char* url, const char* why) {
        try {
            parse_redis_url(url);
            FAIL("no error for " << url);
        } catch (const wskit::Error& e) {
            CHECK(e.code() == wskit::ExitCode::usage);
            CHECK_THAT(e.what(), Catch::Contains(why));
        }
    };
    fails("http://h:1", "must start with redis://");
    fails("redis://", "no host");
    fails("redis://:pw@:6379", "no host");
    fails("redis://h:0", "port 0");
    fails("redis://h:", "the port '' is not a number");
    fails("redis://h:65536", "the port '65536' is not a number from 0 to 65535");
    fails("redis://h:12x", "the port '12x'");
    fails("redis://h/x", "the database 'x'");
    fails("redis://[::1:6379", "without its ']'");
    fails("redis://:%4@h", "bad %XX escape");
}

namespace {

using Type = wskit::chat::RoomEvent::Type;

wskit::chat::RoomEvent event(Type type, const char* origin, wskit::ConnId conn, const char* from,
                             std::uint64_t id = 1, const char* text = "") {
    wskit::chat::RoomEvent e;
    e.type = type;
    e.room = "/r";
    e.origin = origin;
    e.origin_conn = conn;
    e.from = from;
    e.id = id;
    e.text = text;
    e.ts = wskit::chat::Time(std::chrono::milliseconds(1000));
    return e;
}

// A message of `origin`, number `seq` of its epoch, said at `ts_ms`.
Envelope said(const char* origin, std::uint64_t seq, std::int64_t epoch = 500, std::int64_t ts_ms = 1000) {
    Envelope e{event(Type::message, origin, 1, "ann", seq, "hi"), epoch, seq};
    e.event.ts = wskit::chat::Time(std::chrono::milliseconds(ts_ms));
    return e;
}

std::string refusal(const std::string& payload, EventLimits limits = {}) {
    std::string why;
    auto e = decode_event(payload, limits, &why);
    return e ? "" : why;
}

// A valid message as JSON, with `change` applied.
std::string message_json(const std::function<void(nlohmann::json&)>& change = {}) {
    nlohmann::json j{{"v", 2}, {"type", "message"}, {"room", "/r"}, {"from", "ann"}, {"ts", 1}, {"id", 1},
                     {"origin", "host:1:ab"}, {"conn", 1}, {"text", "hi"}, {"seq", 1}, {"epoch", 5}};
    if (change) change(j);
    return j.dump();
}

}  // namespace

TEST_CASE("room events survive the trip through Redis", "[redis]") {
    Envelope env{event(Type::rename, "host:123:abcd", 7, "caro"), 0, 0};
    env.event.room = "/rust";
    env.event.old_name = "carol";
    env.event.ts = wskit::chat::Time(std::chrono::microseconds(1764410400123456));
    env.event.id = 42;
    auto back = decode_event(encode_event(env), {});
    REQUIRE(back);
    const auto& e = back->event;
    CHECK(e.type == Type::rename);
    CHECK(e.room == "/rust");
    CHECK(e.from == "caro");
    CHECK(e.old_name == "carol");
    CHECK(e.text.empty());
    CHECK(e.ts == env.event.ts);
    CHECK(e.id == 42);
    CHECK(e.origin == "host:123:abcd");
    CHECK(e.origin_conn == 7);
    CHECK(back->seq == 0);

    Envelope m{event(Type::message, "n", 1, "ann", 3, "line one\nline \"two\" \xc3\xa9"), 1700000000000, 9};
    back = decode_event(encode_event(m), {});
    REQUIRE(back);
    CHECK(back->event.text == m.event.text);
    CHECK(back->epoch == 1700000000000);
    CHECK(back->seq == 9);
}

TEST_CASE("an event from Redis is refused whole unless a client could have said it", "[redis]") {
    CHECK(refusal(message_json()).empty());
    CHECK(refusal("hello") == "not JSON");
    CHECK(refusal("[1,2]") == "not a JSON object");
    CHECK(refusal(message_json([](auto& j) { j["v"] = 1; })) == "not version 2");
    CHECK(refusal(message_json([](auto& j) { j["type"] = "shout"; })) == "an unknown type");
    CHECK(refusal(message_json([](auto& j) { j["ts"] = "x"; })) == "\"ts\" is not a time");
    CHECK(refusal(message_json([](auto& j) { j["ts"] = -1; })) == "\"ts\" is not a time");
    CHECK(refusal(message_json([](auto& j) { j["id"] = 0; })) == "id 0");
    CHECK(refusal(message_json([](auto& j) { j["conn"] = -1; })) == "\"conn\" is not a whole number");
    CHECK(refusal(message_json([](auto& j) { j.erase("seq"); })) == "no \"seq\"");
    CHECK(refusal(message_json([](auto& j) { j["admin"] = true; })) == "a field of no use");
    // Rooms as a URL path makes them.
    CHECK(refusal(message_json([](auto& j) { j["room"] = "r"; })) == "not a room name");
    CHECK(refusal(message_json([](auto& j) { j["room"] = "/r/"; })) == "not a room name");
    CHECK(refusal(message_json([](auto& j) { j["room"] = "/a\x1b[2J"; })) == "not a room name");
    CHECK(refusal(message_json([](auto& j) { j["room"] = "/" + std::string(100, 'x'); })) == "not a room name");
    CHECK(refusal(message_json([](auto& j) { j["room"] = "/%20"; })).empty());  // kept as it is: a literal %
    // Names as chat::clean_name makes them.
    CHECK(refusal(message_json([](auto& j) { j["from"] = "ev\x1bil"; })) == "\"from\" is not a name a client could have");
    CHECK(refusal(message_json([](auto& j) { j["from"] = "two words"; })) == "\"from\" is not a name a client could have");
    CHECK(refusal(message_json([](auto& j) { j["from"] = ""; })) == "\"from\" is not a name a client could have");
    CHECK(refusal(message_json([](auto& j) { j["from"] = std::string(33, 'a'); })) ==
          "\"from\" is not a name a client could have");
    // ... and not one the hub refuses: a name that passes for a server line or another's message.
    CHECK(refusal(message_json([](auto& j) { j["from"] = "*alice"; })) == "\"from\" is not a name a client could have");
    CHECK(refusal(message_json([](auto& j) { j["from"] = "alice:hi"; })) == "\"from\" is not a name a client could have");
    // Texts as chat::clean_text makes them, within --max-size.
    CHECK(refusal(message_json([](auto& j) { j["text"] = "\x1b[2J\x1b]0;pwned\x07"; })) == "a text with control characters");
    CHECK(refusal(message_json([](auto& j) { j["text"] = "\xc2\x9b" "31m"; })) == "a text with control characters");
    CHECK(refusal(message_json([](auto& j) { j["text"] = "trailing "; })) == "a text with control characters");
    CHECK(refusal(message_json([](auto& j) { j["text"] = " \n"; })) == "an empty text");
    EventLimits small{10, 32};
    CHECK(refusal(message_json([](auto& j) { j["text"] = std::string(10, 'x'); }), small).empty());
    CHECK(refusal(message_json([](auto& j) { j["text"] = std::string(11, 'x'); }), small) == "a text of 11 bytes (over 10)");
    // Too long to be one: refused before it is parsed.
    CHECK(refusal(std::string(20 << 20, ' '), {}).find("too long for a message of 65536 bytes") != std::string::npos);
    // Lone surrogates and invalid UTF-8: the parser refuses them in strings.
    CHECK(refusal("{\"v\":2,\"type\":\"message\",\"room\":\"/r\",\"from\":\"ann\",\"ts\":1,\"id\":1,\"origin\":\"o\","
                  "\"conn\":1,\"text\":\"\\ud800\",\"seq\":1,\"epoch\":1}") == "not JSON");
    CHECK(refusal(std::string("{\"v\":2,\"type\":\"message\",\"room\":\"/r\",\"from\":\"ann\",\"ts\":1,\"id\":1,"
                              "\"origin\":\"o\",\"conn\":1,\"text\":\"\xff\",\"seq\":1,\"epoch\":1}")) == "not JSON");
    // Fields of another type: a join has no text; a rename needs its old name.
    auto join = [](const std::function<void(nlohmann::json&)>& change) {
        nlohmann::json j{{"v", 2}, {"type", "join"}, {"room", "/"}, {"from", "bob"}, {"ts", 1}, {"id", 1},
                         {"origin", "o"}, {"conn", 1}};
        change(j);
        return j.dump();
    };
    CHECK(refusal(join([](auto&) {})).empty());
    CHECK(refusal(join([](auto& j) { j["text"] = "hi"; })) == "a field of no use");
    CHECK(refusal(join([](auto& j) { j["type"] = "rename"; })) == "no \"old\"");
    CHECK(refusal(join([](auto& j) { j["origin"] = "has space"; })) == "not a process name");
    CHECK(refusal(join([](auto& j) { j["origin"] = std::string(256, 'o'); })) == "not a process name");
}

TEST_CASE("room names as a URL path gives them", "[redis]") {
    using wskit::redis::is_room_name;
    CHECK(is_room_name("/"));
    CHECK(is_room_name("/rust"));
    CHECK(is_room_name("/caf\xc3\xa9/2"));
    CHECK(is_room_name("/a?b#c"));
    CHECK_FALSE(is_room_name(""));
    CHECK_FALSE(is_room_name("rust"));
    CHECK_FALSE(is_room_name("//"));
    CHECK_FALSE(is_room_name("/a\n"));
    CHECK_FALSE(is_room_name("/\xff"));
}

TEST_CASE("presence entries: field and value, and what is not one", "[redis]") {
    using wskit::redis::parse_presence;
    auto p = parse_presence(wskit::redis::presence_field("h:1:ab", 7), wskit::redis::presence_value("alice", 1234), {});
    REQUIRE(p);
    CHECK(p->who.origin == "h:1:ab");
    CHECK(p->who.conn == 7);
    CHECK(p->who.name == "alice");
    CHECK(p->expires_ms == 1234);
    CHECK_FALSE(parse_presence("noslash", R"({"name":"a","expires":1})", {}));
    CHECK_FALSE(parse_presence("n/x", R"({"name":"a","expires":1})", {}));
    CHECK_FALSE(parse_presence("n/1", R"({"name":"a"})", {}));
    CHECK_FALSE(parse_presence("n/1", "junk", {}));
    CHECK_FALSE(parse_presence("n/1", R"({"name":"a\u001b[2J","expires":1})", {}));
    CHECK_FALSE(parse_presence("n/1", R"({"name":"[history]","expires":1})", {}));
    CHECK_FALSE(parse_presence("n/1", R"({"name":"a","expires":1,"more":1})", {}));
    CHECK_FALSE(parse_presence("has space/1", R"({"name":"a","expires":1})", {}));
}

TEST_CASE("sequence marks: EPOCH SEQ per process", "[redis]") {
    using wskit::redis::parse_sequence;
    auto m = parse_sequence("h:1:ab", wskit::redis::sequence_value(1700000000000, 42));
    REQUIRE(m);
    CHECK(m->origin == "h:1:ab");
    CHECK(m->epoch == 1700000000000);
    CHECK(m->seq == 42);
    CHECK_FALSE(parse_sequence("h", "1"));
    CHECK_FALSE(parse_sequence("h", "1 0"));
    CHECK_FALSE(parse_sequence("h", "-1 2"));
    CHECK_FALSE(parse_sequence("h", "1 2x"));
    CHECK_FALSE(parse_sequence("a b", "1 2"));
}

using wskit::redis::PresenceEntry;
using wskit::redis::RoomLedger;
using wskit::redis::SequenceMark;

TEST_CASE("room ledger: only rooms open here, this process's messages numbered per opening", "[redis]") {
    RoomLedger ledger("me", 2000);
    CHECK(ledger.number("/r") == std::pair<std::int64_t, std::uint64_t>{0, 0});
    ledger.open("/r", 100);
    ledger.open("/s", 100);  // the same millisecond: another epoch
    CHECK(ledger.number("/r") == std::pair<std::int64_t, std::uint64_t>{100, 1});
    CHECK(ledger.number("/r") == std::pair<std::int64_t, std::uint64_t>{100, 2});
    CHECK(ledger.number("/s") == std::pair<std::int64_t, std::uint64_t>{101, 1});
    CHECK(ledger.rooms() == std::vector<std::string>{"/r", "/s"});
    ledger.close("/r");
    CHECK_FALSE(ledger.is_open("/r"));
    CHECK_FALSE(ledger.accept(said("a", 1), 0).deliver);  // a room not open here: nothing
}

TEST_CASE("room ledger: a message Redis brings twice is delivered once, one that never came is counted", "[redis]") {
    RoomLedger ledger("me", 2000);
    ledger.open("/r", 100);
    auto v = ledger.accept(said("a", 1, 200), 0);  // an epoch begun after the room opened here: from 1
    CHECK(v.deliver);
    CHECK(v.lost == 0);
    CHECK(ledger.accept(said("a", 2, 200), 0).deliver);
    CHECK_FALSE(ledger.accept(said("a", 2, 200), 0).deliver);  // again
    v = ledger.accept(said("a", 6, 200), 0);
    CHECK(v.deliver);
    CHECK(v.lost == 3);  // 3, 4 and 5
    CHECK_FALSE(ledger.accept(said("a", 4, 200), 0).deliver);  // late: after 6
    CHECK_FALSE(ledger.accept(said("a", 9, 150), 0).deliver);  // an older epoch
    v = ledger.accept(said("a", 2, 300), 0);  // its room opened again there
    CHECK(v.deliver);
    CHECK(v.lost == 1);
    v = ledger.accept(said("b", 7, 50), 0);  // begun before the room opened here: no telling
    CHECK(v.deliver);
    CHECK(v.lost == 0);
    v = ledger.accept(said("c", 3, 100), 0);  // begun as it opened here: 1 and 2 never came
    CHECK(v.lost == 2);
    CHECK_FALSE(ledger.accept(said("me", 1), 0).deliver);  // this process's own: not judged here
}

TEST_CASE("room ledger: loading a room sets where every process is, history once", "[redis]") {
    RoomLedger ledger("me", 2000);
    ledger.open("/r", 100);
    // Newest first, as LRANGE gives it; "two" twice (sent again after a loss).
    auto state = ledger.load("/r", {said("a", 3, 50), said("a", 2, 50), said("a", 2, 50), said("a", 1, 50)},
                             {{"a", 50, 4}, {"b", 60, 8}},
                             {{{"b", 3, "bob"}, 10000}, {{"gone", 1, "old"}, 50}, {{"me", 1, "self"}, 10000}}, 1000);
    REQUIRE(state.history.size() == 3);
    CHECK(state.history[0].id == 1);
    CHECK(state.history[2].id == 3);
    REQUIRE(state.members.size() == 1);  // bob; the expired entry and this process's own are not members
    CHECK(state.members[0].name == "bob");
    CHECK_FALSE(ledger.accept(said("a", 4, 50), 0).deliver);  // the mark counted it: before the load
    auto v = ledger.accept(said("a", 5, 50), 0);
    CHECK(v.deliver);
    CHECK(v.lost == 0);
    CHECK(ledger.accept(said("b", 9, 60), 0).lost == 0);
}

TEST_CASE("room ledger: catching up delivers what the history list still has and counts the rest", "[redis]") {
    RoomLedger ledger("me", 2000);
    ledger.open("/r", 100);
    ledger.load("/r", {}, {{"a", 50, 10}}, {}, 1000);
    // Away from Redis: "a" said 11 to 20, the list kept 18 to 20 (and "old",
    // said before the room opened here); "b" began after, said 1 to 4, all
    // gone from the list; "c" before, said nothing the list has.
    std::vector<Envelope> newest_first{said("a", 20, 50, 5000), said("a", 19, 50, 5000), said("a", 18, 50, 5000),
                                       said("z", 1, 10, 90)};
    auto caught = ledger.catch_up("/r", newest_first, {{"a", 50, 20}, {"b", 200, 4}, {"c", 60, 9}}, 6000);
    REQUIRE(caught.missed.size() == 3);
    CHECK(caught.missed[0].id == 18);
    CHECK(caught.lost == 7 + 4);  // a: 11 to 17; b: 1 to 4; c: no telling
    caught = ledger.catch_up("/r", newest_first, {{"a", 50, 20}, {"b", 200, 4}}, 7000);  // again: nothing new
    CHECK(caught.missed.empty());
    CHECK(caught.lost == 0);
}

TEST_CASE("room ledger: members from the bus and from Redis, and who leaves when", "[redis]") {
    RoomLedger ledger("me", 2000);
    ledger.open("/r", 0);
    ledger.accept({event(Type::join, "me", 1, "self"), 0, 0}, 0);
    ledger.accept({event(Type::join, "dead", 4, "ghost"), 0, 0}, 0);
    ledger.accept({event(Type::join, "live", 5, "liv"), 0, 0}, 9000);  // just now: its entry may be on its way
    ledger.accept({event(Type::join, "live", 7, "ren"), 0, 0}, 0);
    ledger.accept({event(Type::rename, "live", 7, "renamed"), 0, 0}, 0);
    std::vector<PresenceEntry> redis{{{"live", 6, "newbie"}, 20000}, {{"dead", 4, "ghost"}, 9999},
                                     {{"live", 7, "renamed"}, 20000}};
    auto events = ledger.reconcile("/r", redis, 10000);
    REQUIRE(events.size() == 2);
    CHECK(events[0].type == Type::leave);  // its entry expired
    CHECK(events[0].from == "ghost");
    CHECK(events[1].type == Type::join);
    CHECK(events[1].from == "newbie");
    auto members = ledger.members("/r");
    REQUIRE(members.size() == 3);  // liv (in its grace), renamed, newbie; never this process's own
    CHECK(members[1].name == "renamed");
    events = ledger.reconcile("/r", redis, 12000);
    REQUIRE(events.size() == 1);
    CHECK(events[0].from == "liv");
    ledger.accept({event(Type::leave, "live", 7, "renamed"), 0, 0}, 12000);
    CHECK(ledger.members("/r").size() == 1);
}

TEST_CASE("room ledger: after nobody could refresh, every process gets a TTL before its members leave",
          "[redis]") {
    RoomLedger ledger("me", 2000);
    ledger.open("/r", 0);
    ledger.load("/r", {}, {}, {{{"b", 1, "bob"}, 5000}, {{"c", 1, "cid"}, 5000}}, 1000);
    // Redis stalled from 2 s to 20 s: every entry has expired.
    ledger.keep_members_until(20000 + 6000);
    std::vector<PresenceEntry> stale{{{"b", 1, "bob"}, 5000}, {{"c", 1, "cid"}, 5000}};
    CHECK(ledger.reconcile("/r", stale, 22000).empty());
    // bob's process says it again; cid's never does (it died meanwhile).
    std::vector<PresenceEntry> fresh{{{"b", 1, "bob"}, 28000}, {{"c", 1, "cid"}, 5000}};
    CHECK(ledger.reconcile("/r", fresh, 24000).empty());
    auto events = ledger.reconcile("/r", fresh, 26001);
    REQUIRE(events.size() == 1);
    CHECK(events[0].type == Type::leave);
    CHECK(events[0].from == "cid");
}
