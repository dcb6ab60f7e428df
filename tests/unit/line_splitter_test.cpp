#include "support.hpp"

#include "process/line_splitter.hpp"

#include <vector>

using wskit::detail::LineSplitter;

namespace {

std::vector<std::string> split(std::size_t max, std::vector<std::string_view> chunks, bool finish = true) {
    std::vector<std::string> out;
    LineSplitter s(max);
    auto emit = [&](std::string line) { out.push_back(std::move(line)); };
    for (auto chunk : chunks) s.feed(chunk, emit);
    if (finish) s.finish(emit);
    return out;
}

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("LineSplitter: lines across chunks", "[lines]") {
    CHECK(split(100, {"a\nb", "c\n", "\n", "d"}) == Lines{"a", "bc", "", "d"});
    CHECK(split(100, {"a\nb"}, false) == Lines{"a"});  // "b" waits for its end
    CHECK(split(100, {}) == Lines{});
    CHECK(split(100, {"x\r\n"}) == Lines{"x\r"});  // bytes kept as they are
}

TEST_CASE("LineSplitter: long lines come in pieces of at most max bytes", "[lines]") {
    CHECK(split(4, {"abcdefghij\n"}) == Lines{"abcd", "efgh", "ij"});
    CHECK(split(4, {"abc", "defgh"}, false) == Lines{"abcd"});  // bounded while waiting
    CHECK(split(4, {"abcd\n"}) == Lines{"abcd"});
}

TEST_CASE("LineSplitter: pieces are cut between UTF-8 characters", "[lines]") {
    // "é" is 2 bytes, "€" 3: a cut inside either moves before it.
    CHECK(split(4, {"abc\xc3\xa9z\n"}) == Lines{"abc", "\xc3\xa9z"});
    CHECK(split(4, {"ab\xe2\x82\xac\xe2\x82\xac"}) == Lines{"ab", "\xe2\x82\xac", "\xe2\x82\xac"});
    // Not UTF-8 at all (continuation bytes only): cut at max anyway.
    CHECK(split(4, {"\x80\x80\x80\x80\x80\x80\n"}) == Lines{"\x80\x80\x80\x80", "\x80\x80"});
}
