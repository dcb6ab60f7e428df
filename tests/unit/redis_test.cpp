// The pure pieces of --redis: the URL, and the room event as it travels.
#include "redis/event_codec.hpp"
#include "redis/room_cache.hpp"
#include "redis/url.hpp"

#include <wskit/error.hpp>

#include <catch2/catch.hpp>

using wskit::redis::decode_event;
using wskit::redis::encode_event;
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

TEST_CASE("room events survive the trip through Redis", "[redis]") {
    wskit::chat::RoomEvent e;
    e.type = wskit::chat::RoomEvent::Type::rename;
    e.room = "/rust";
    e.from = "caro";
    e.old_name = "carol";
    e.ts = wskit::chat::Time(std::chrono::microseconds(1764410400123456));
    e.id = 42;
    e.origin = "host:123:abcd";
    e.origin_conn = 7;
    auto back = decode_event(encode_event(e));
    REQUIRE(back);
    CHECK(back->type == e.type);
    CHECK(back->room == e.room);
    CHECK(back->from == e.from);
    CHECK(back->old_name == e.old_name);
    CHECK(back->text.empty());
    CHECK(back->ts == e.ts);
    CHECK(back->id == 42);
    CHECK(back->origin == e.origin);
    CHECK(back->origin_conn == 7);

    e.type = wskit::chat::RoomEvent::Type::message;
    e.text = "line one\nline \"two\"";
    CHECK(decode_event(encode_event(e))->text == e.text);
}

TEST_CASE("what is not our event is ignored", "[redis]") {
    CHECK_FALSE(decode_event("hello"));
    CHECK_FALSE(decode_event("[1,2]"));
    CHECK_FALSE(decode_event(R"({"v":2,"type":"message"})"));
    CHECK_FALSE(decode_event(R"({"v":1,"type":"shout","room":"/","from":"a","ts":0,"id":1,"origin":"n","conn":1})"));
    CHECK_FALSE(decode_event(R"({"v":1,"type":"message","room":"/","from":"a","ts":"x","id":1,"origin":"n","conn":1})"));
    CHECK(decode_event(R"({"v":1,"type":"message","room":"/","from":"a","ts":0,"id":1,"origin":"n","conn":1})"));
}

namespace {

wskit::chat::RoomEvent event(wskit::chat::RoomEvent::Type type, const char* origin, wskit::ConnId conn,
                             const char* from, std::uint64_t id = 0, const char* text = "") {
    wskit::chat::RoomEvent e;
    e.type = type;
    e.room = "/r";
    e.origin = origin;
    e.origin_conn = conn;
    e.from = from;
    e.id = id;
    e.text = text;
    return e;
}

using Type = wskit::chat::RoomEvent::Type;
using wskit::redis::PresenceEntry;
using wskit::redis::RoomCache;

}  // namespace

TEST_CASE("presence entries: field and value, and what is not one", "[redis]") {
    PresenceEntry p;
    REQUIRE(wskit::redis::parse_presence(wskit::redis::presence_field("h:1:ab", 7),
                                         wskit::redis::presence_value("alice", 1234), p));
    CHECK(p.who.origin == "h:1:ab");
    CHECK(p.who.conn == 7);
    CHECK(p.who.name == "alice");
    CHECK(p.expires_ms == 1234);
    CHECK_FALSE(wskit::redis::parse_presence("noslash", R"({"name":"a","expires":1})", p));
    CHECK_FALSE(wskit::redis::parse_presence("n/x", R"({"name":"a","expires":1})", p));
    CHECK_FALSE(wskit::redis::parse_presence("n/1", R"({"name":"a"})", p));
    CHECK_FALSE(wskit::redis::parse_presence("n/1", "junk", p));
}

TEST_CASE("room cache: history and members from the bus", "[redis]") {
    RoomCache cache(2);
    cache.apply(event(Type::join, "a", 1, "ann"), 0);
    cache.apply(event(Type::join, "b", 1, "bob"), 0);
    for (int i = 1; i <= 3; ++i) cache.apply(event(Type::message, "a", 1, "ann", i, "hi"), 0);
    cache.apply(event(Type::rename, "b", 1, "bobby"), 0);
    auto s = cache.state("/r");
    REQUIRE(s.history.size() == 2);
    CHECK(s.history.front().id == 2);
    REQUIRE(s.members.size() == 2);
    CHECK(s.members[1].name == "bobby");
    cache.apply(event(Type::leave, "a", 1, "ann"), 0);
    CHECK(cache.state("/r").members.size() == 1);
    CHECK(cache.state("/elsewhere").members.empty());
}

TEST_CASE("room cache: history from Redis merged with what the bus brought", "[redis]") {
    RoomCache cache(3);
    cache.apply(event(Type::message, "a", 1, "ann", 3, "three"), 0);
    cache.load_history("/r", {event(Type::message, "a", 1, "ann", 3, "three"),
                              event(Type::message, "a", 1, "ann", 2, "two"),
                              event(Type::message, "a", 1, "ann", 1, "one")});
    auto h = cache.state("/r").history;
    REQUIRE(h.size() == 3);
    CHECK(h[0].text == "one");
    CHECK(h[2].text == "three");
}

TEST_CASE("room cache: a message in Redis' list twice (sent again after a loss) is history once", "[redis]") {
    RoomCache cache(5);
    cache.load_history("/r", {event(Type::message, "a", 1, "ann", 3, "three"),
                              event(Type::message, "a", 1, "ann", 2, "two"),
                              event(Type::message, "a", 1, "ann", 2, "two"),
                              event(Type::message, "a", 1, "ann", 1, "one")});
    auto h = cache.state("/r").history;
    REQUIRE(h.size() == 3);
    CHECK(h[0].text == "one");
    CHECK(h[1].text == "two");
    CHECK(h[2].text == "three");
}

TEST_CASE("room cache: presence reconciled with Redis", "[redis]") {
    RoomCache cache(10);
    cache.apply(event(Type::join, "me", 1, "self"), 0);
    cache.apply(event(Type::join, "dead", 4, "ghost"), 0);
    cache.apply(event(Type::join, "live", 5, "liv"), 9000);  // just now: its entry may be on its way
    std::vector<PresenceEntry> redis{{{"live", 6, "newbie"}, 20000}, {{"dead", 4, "ghost"}, 9999}};
    auto events = cache.reconcile("/r", redis, "me", 10000, 2000);
    REQUIRE(events.size() == 2);
    CHECK(events[0].type == Type::leave);  // its entry expired
    CHECK(events[0].from == "ghost");
    CHECK(events[1].type == Type::join);
    CHECK(events[1].from == "newbie");
    auto members = cache.state("/r").members;
    REQUIRE(members.size() == 3);  // self (never judged here), liv (in its grace), newbie
    events = cache.reconcile("/r", redis, "me", 12000, 2000);
    REQUIRE(events.size() == 1);
    CHECK(events[0].from == "liv");
}
