#include "support.hpp"

#include <wskit/chat_server.hpp>

using wskit::chat::origin_allowed;
using wskit::chat::token_matches;

TEST_CASE("origin_allowed: no Origin, the same origin, or a listed one", "[chat]") {
    CHECK(origin_allowed("", "127.0.0.1:9000", false, {}));
    CHECK(origin_allowed("http://127.0.0.1:9000", "127.0.0.1:9000", false, {}));
    CHECK(origin_allowed("HTTP://Chat.Example:9000/", "chat.example:9000", false, {}));
    CHECK(origin_allowed("http://chat.example", "chat.example:80", false, {}));
    CHECK(origin_allowed("https://chat.example", "chat.example", true, {}));
    CHECK(origin_allowed("http://[::1]:9000", "[::1]:9000", false, {}));
    CHECK_FALSE(origin_allowed("https://127.0.0.1:9000", "127.0.0.1:9000", false, {}));  // another scheme
    CHECK_FALSE(origin_allowed("http://127.0.0.1:9001", "127.0.0.1:9000", false, {}));
    CHECK_FALSE(origin_allowed("http://evil.example", "chat.example", false, {}));
    CHECK_FALSE(origin_allowed("null", "chat.example", false, {}));
    CHECK(origin_allowed("https://friend.example", "chat.example", false, {"https://friend.example"}));
    CHECK(origin_allowed("http://anything", "chat.example", false, {"*"}));
    CHECK_FALSE(origin_allowed("http://evil.example", "", false, {}));
}

TEST_CASE("token_matches: the whole secret, nothing more or less", "[chat]") {
    CHECK(token_matches("", "anything"));
    CHECK(token_matches("s3cret", "s3cret"));
    CHECK_FALSE(token_matches("s3cret", "s3cre"));
    CHECK_FALSE(token_matches("s3cret", "s3cret!"));
    CHECK_FALSE(token_matches("s3cret", ""));
    CHECK_FALSE(token_matches("s3cret", "S3cret"));
}
