// The small rules of a chat room, each a pure function or value type:
// which names are allowed, which room a URL names, how fast a client may
// send. Tested on their own (tests/unit/chat_rules_test.cpp).
#pragma once

#include <wskit/chat/bus.hpp>
#include <wskit/export.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace wskit::chat {

// A name as people will see it: NFKC-normalised (fullwidth letters and
// ligatures are their plain letters), invisible and format characters
// removed (controls, bidi controls, zero-width characters, soft hyphen,
// BOM, fillers, variation selectors, tags, private-use and unassigned code
// points: nothing in a name is unseen or reorders what is around it), runs
// of white space (line and paragraph separators included) made one '-' (a
// name is one word, so that "alice: hi" cannot be forged by a name),
// trimmed, at most max_chars code points. "" when nothing is left (or the
// text is not UTF-8): the caller picks guest-N.
WSKIT_API std::string clean_name(std::string_view raw, std::size_t max_chars);

// Why a cleaned name cannot be given, "" when it can: a name has a letter,
// a digit or a pictograph (not only punctuation), does not start like the
// server's own lines ('*', '[', '#', '/', or a character that looks like
// one) and has no ':' or look-alike ("alice:hi: text" would pass for
// alice). Letters that look like those signs (Katakana NO, a Devanagari
// visarga) are letters.
WSKIT_API std::string name_refusal(std::string_view name);

// What names compare by: the UTS #39 skeleton of the name's NFKC case
// folding, so that "Alice", "ALICE" and "\u0430lice" (Cyrillic a) have the
// key of "alice", and "rnary" that of "mary". No white space. Uniqueness in
// a room (this process's rooms and the claims shared through Redis) is
// uniqueness of this key.
WSKIT_API std::string name_key(std::string_view name);

// Whether two names have one key.
WSKIT_API bool same_name(std::string_view a, std::string_view b);

// `wanted` if it is free, else wanted-2, wanted-3... (shortened to stay
// within max_chars). `taken` says whether a name (or its look-alike) is
// someone else's.
WSKIT_API std::string unique_name(const std::string& wanted, std::size_t max_chars,
                                  const std::function<bool(std::string_view)>& taken);

// The room and the query of a handshake's resource: "/rust/?name=bob" is
// room "/rust". The path is percent-decoded, its control characters
// removed, trailing slashes dropped ("/" is the lobby), and it is cut to
// 100 bytes.
struct RoomAddress {
    std::string room = "/";
    std::string name;   // ?name=, percent-decoded, not cleaned yet
    std::string token;  // ?token=
};
WSKIT_API RoomAddress parse_room_address(std::string_view resource);

// Messages per second per client, as a token bucket holding `burst`
// messages (at least 1), refilled at `rate` per second. A client over the
// limit gets one warning (its message is dropped); over it again before the
// bucket has refilled, it is closed. A client that calms down until the
// bucket is full again starts over with a warning.
class WSKIT_API RateLimiter {
public:
    enum class Verdict { pass, warn, close };

    RateLimiter() = default;  // no limit
    RateLimiter(double rate, double burst);
    Verdict take(Time now);

private:
    double rate_ = 0;  // 0: no limit
    double burst_ = 1;
    double tokens_ = 1;
    Time last_{};
    bool started_ = false;
    bool warned_ = false;
};

}  // namespace wskit::chat
