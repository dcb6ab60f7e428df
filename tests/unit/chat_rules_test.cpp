#include "support.hpp"

#include <wskit/chat/rules.hpp>

#include <algorithm>
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

TEST_CASE("clean_name: NFKC, invisible and format characters removed, every separator white space", "[chat]") {
    // Compatibility forms are their plain letters: fullwidth a, the fi ligature.
    CHECK(clean_name("\xef\xbd\x81lice", 32) == "alice");
    CHECK(clean_name("\xef\xac\x81" "sh", 32) == "fish");
    // Zero-width space, BOM, soft hyphen, word joiner, bidi controls: gone.
    CHECK(clean_name("al\xe2\x80\x8bice", 32) == "alice");
    CHECK(clean_name("\xef\xbb\xbf" "alice", 32) == "alice");
    CHECK(clean_name("ali\xc2\xad" "ce", 32) == "alice");
    CHECK(clean_name("al\xe2\x81\xa0ice", 32) == "alice");
    CHECK(clean_name("\xe2\x80\xae" "ecila", 32) == "ecila");  // shown as spelled, not as "alice"
    CHECK(clean_name("a\xe2\x81\xa6li\xe2\x80\x8f" "ce\xe2\x80\xac", 32) == "alice");
    // Other invisible characters: a Hangul filler, the blank braille
    // pattern, a variation selector, a tag, a private-use character.
    CHECK(clean_name("alice\xe3\x85\xa4", 32) == "alice");
    CHECK(clean_name("alice\xe2\xa0\x80", 32) == "alice");
    CHECK(clean_name("alice\xef\xb8\x8f", 32) == "alice");
    CHECK(clean_name("\xf3\xa0\x80\x81" "alice", 32) == "alice");
    CHECK(clean_name("\xee\x80\x80" "bob", 32) == "bob");
    // Line and paragraph separators, thin and ideographic spaces separate words.
    CHECK(clean_name("ali\xe2\x80\xa8" "ce", 32) == "ali-ce");
    CHECK(clean_name("ali\xe2\x80\xa9" "ce", 32) == "ali-ce");
    CHECK(clean_name("a\xe2\x80\x89\xe3\x80\x80" "b", 32) == "a-b");
    // A mark that an invisible character kept apart is composed again: é.
    CHECK(clean_name("e\xe2\x80\x8b\xcc\x81", 32) == "\xc3\xa9");
    // Look-alikes in other scripts stay what they are (name_key tells them).
    CHECK(clean_name("\xd0\xb0lice", 32) == "\xd0\xb0lice");
    // A cut right after a separator does not leave it dangling.
    CHECK(clean_name("alice smith", 6) == "alice");
    CHECK(clean_name("\xe2\x80\x8b\xc2\xad", 32).empty());
}

TEST_CASE("name_key: look-alikes of a name share its key (UTS #39 skeleton, case folded)", "[chat]") {
    const auto alice = name_key("alice");
    CHECK(name_key("Alice") == alice);
    CHECK(name_key("ALICE") == alice);
    CHECK(name_key("\xd0\xb0lice") == alice);              // Cyrillic a
    CHECK(name_key("\xd0\x90LICE") == alice);              // Cyrillic A
    CHECK(name_key("\xce\xb1lice") == alice);              // Greek alpha
    CHECK(name_key("\xd1\x80\xd0\xb0\xd1\x83\xd1\x80\xd0\xb0l") == name_key("paypal"));  // all Cyrillic
    CHECK(name_key("rnary") == name_key("mary"));
    CHECK(name_key("guest-1") == name_key("guest-l"));
    CHECK(name_key("bob") != alice);
    CHECK(name_key("alice-2") != alice);
    // No white space in a key, whatever the skeleton makes of a character
    // (Redis keeps names under "ROOM KEY").
    CHECK(name_key("\xf0\x9f\x85\xad").find_first_of(" \t\n") == std::string::npos);  // U+1F16D
    CHECK(same_name("Alice", "\xd0\xb0lice"));
    CHECK_FALSE(same_name("alice", "alicia"));
}

TEST_CASE("names next to alice: no impersonation with invisible, format or look-alike characters", "[chat]") {
    std::set<std::string> names{"alice"};
    auto taken = [&](std::string_view n) {
        return std::any_of(names.begin(), names.end(), [&](const std::string& x) { return same_name(x, n); });
    };
    auto join = [&](std::string_view raw) {
        auto name = unique_name(clean_name(raw, 32), 32, taken);
        names.insert(name);
        return name;
    };
    CHECK(join("\xd0\xb0lice") == "\xd0\xb0lice-2");    // Cyrillic a: a suffix, as a taken name gets
    CHECK(join("al\xe2\x80\x8bice") == "alice-3");       // zero-width space
    CHECK(join("\xef\xbb\xbf" "alice") == "alice-4");    // BOM
    CHECK(join("ali\xc2\xad" "ce") == "alice-5");        // soft hyphen
    CHECK(join("ali\xe2\x80\xa8" "ce") == "ali-ce");     // line separator: two words
    CHECK(join("\xe2\x80\xae" "ecila") == "ecila");      // right-to-left override
    CHECK(join("ALICE") == "ALICE-6");
}

TEST_CASE("name_refusal: names that imitate the server's lines, or with no letter or digit", "[chat]") {
    for (const char* ok : {"alice", "J\xc3\xbcrgen", "\xd7\x90\xd7\x91\xd7\x92", "guest-1", "bob*", "a[1]",
                           "\xf0\x9f\xa6\x8a", "\xe3\x83\x8e\xe3\x83\xaa",  // an emoji; Katakana NO RI (NO looks like /)
                           "\xe0\xa4\xa6\xe0\xa5\x81\xe0\xa4\x83\xe0\xa4\x96"})  // Devanagari with a visarga (looks like :)
        CHECK(name_refusal(ok).empty());
    for (const char* imitation : {"*", "***", "*bob", "[history]", "[admin]bob", "#3", "/me", "...", "-_-",
                                  "\xe2\x88\x97" "bob",   // U+2217 ASTERISK OPERATOR
                                  "\xd9\xad" "bob",       // U+066D ARABIC FIVE POINTED STAR
                                  "\xcc\x81*bob",         // a combining mark first, then *
                                  "alice:hi", "alice\xe2\x88\xb6hi"})  // U+2236 RATIO
        CHECK_FALSE(name_refusal(imitation).empty());
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
