#include "support.hpp"

#include <wskit/chat_rules.hpp>

#include <set>

using namespace std::chrono_literals;
using namespace wskit::chat;

TEST_CASE("clean_name: trimmed, one word, no control characters, capped", "[chat]") {
    CHECK(clean_name("  alice  ", 32) == "alice");
    CHECK(clean_name("alice smith", 32) == "alice-smith");
    CHECK(clean_name("a \t\n b", 32) == "a-b");
    CHECK(clean_name("bo\x1b[31mb\x7f", 32) == "bo[31mb");
    CHECK(clean_name("\xc2\x85x", 32) == "x");           // C1 control
    CHECK(clean_name("J\xc3\xbcrgen", 32) == "J\xc3\xbcrgen");
    CHECK(clean_name("abcdefghij", 4) == "abcd");
    CHECK(clean_name("\xc3\xbc\xc3\xbc\xc3\xbc", 2) == "\xc3\xbc\xc3\xbc");  // whole characters
    CHECK(clean_name("   ", 32).empty());
    CHECK(clean_name("\xff\xfe", 32).empty());            // not UTF-8
}

TEST_CASE("unique_name: a suffix when taken, ASCII case ignored, within the cap", "[chat]") {
    std::set<std::string> names{"alice", "alice-2", "bob"};
    auto taken = [&](std::string_view n) {
        for (const auto& x : names)
            if (same_name(x, n)) return true;
        return false;
    };
    CHECK(unique_name("carol", 32, taken) == "carol");
    CHECK(unique_name("alice", 32, taken) == "alice-3");
    CHECK(unique_name("BOB", 32, taken) == "BOB-2");
    CHECK(unique_name("bobby", 4, [](std::string_view n) { return n == "bobby"; }) == "bo-2");
    CHECK(same_name("Alice", "aLICE"));
    CHECK_FALSE(same_name("alice", "alicia"));
}

TEST_CASE("parse_room_address: the path is the room, the query has name and token", "[chat]") {
    auto a = parse_room_address("/rust/?name=J%C3%BCrgen+K&token=s3cret");
    CHECK(a.room == "/rust");
    CHECK(a.name == "J\xc3\xbcrgen K");
    CHECK(a.token == "s3cret");
    CHECK(parse_room_address("/").room == "/");
    CHECK(parse_room_address("").room == "/");
    CHECK(parse_room_address("//").room == "/");
    CHECK(parse_room_address("/a%20b").room == "/a b");
    CHECK(parse_room_address("/x%1b%07y").room == "/xy");
    CHECK(parse_room_address("/" + std::string(300, 'r')).room.size() == 100);
    CHECK(parse_room_address("/r?other=1&name=").name.empty());
}

TEST_CASE("RateLimiter: a burst passes, then a warning, then close", "[chat]") {
    Time t0 = Time{} + 1000s;
    RateLimiter r(2, 2);
    CHECK(r.take(t0) == RateLimiter::Verdict::pass);
    CHECK(r.take(t0) == RateLimiter::Verdict::pass);
    CHECK(r.take(t0) == RateLimiter::Verdict::warn);
    CHECK(r.take(t0 + 100ms) == RateLimiter::Verdict::close);
}

TEST_CASE("RateLimiter: sending at the rate never trips it, calming down clears the warning", "[chat]") {
    Time t0 = Time{} + 1000s;
    RateLimiter r(2, 2);
    for (int i = 0; i < 100; ++i) CHECK(r.take(t0 + i * 500ms) == RateLimiter::Verdict::pass);
    Time t1 = t0 + 100s;
    r.take(t1);
    r.take(t1);
    CHECK(r.take(t1) == RateLimiter::Verdict::warn);
    // A token back: passes, still warned.
    CHECK(r.take(t1 + 500ms) == RateLimiter::Verdict::pass);
    // Full again after a quiet second: the next burst starts with a warning again.
    Time t2 = t1 + 2s;
    CHECK(r.take(t2) == RateLimiter::Verdict::pass);
    CHECK(r.take(t2) == RateLimiter::Verdict::pass);
    CHECK(r.take(t2) == RateLimiter::Verdict::warn);
    CHECK(RateLimiter().take(t0) == RateLimiter::Verdict::pass);  // no limit
}
