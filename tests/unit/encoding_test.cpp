#include "support.hpp"

#include <wskit/encoding.hpp>

#include <random>

using wskit::base64_decode;
using wskit::base64_encode;
using wskit::hex_decode;
using wskit::hex_encode;
using wskit::hexdump;
using wskit::is_valid_utf8;
using wskit::test::bytes;

namespace {

std::string random_bytes(std::mt19937& rng, std::size_t n) {
    std::uniform_int_distribution<int> byte(0, 255);
    std::string out(n, '\0');
    for (auto& c : out) c = static_cast<char>(byte(rng));
    return out;
}

}  // namespace

TEST_CASE("base64: RFC 4648 test vectors", "[encoding]") {
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("foob") == "Zm9vYg==");
    CHECK(base64_encode("fooba") == "Zm9vYmE=");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
    CHECK(base64_encode(bytes({0xfb, 0xff, 0xbf})) == "+/+/");
}

TEST_CASE("base64: round trip of random bytes, every length 0..300", "[encoding]") {
    std::mt19937 rng(20240611);
    for (std::size_t n = 0; n <= 300; ++n) {
        INFO("length " << n);
        auto data = random_bytes(rng, n);
        auto encoded = base64_encode(data);
        CHECK(encoded.size() == (n + 2) / 3 * 4);
        CHECK(encoded.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") == std::string::npos);
        auto decoded = base64_decode(encoded);
        REQUIRE(decoded.has_value());
        CHECK(*decoded == data);
        // Padding is optional on input.
        auto unpadded = encoded.substr(0, encoded.find('='));
        auto decoded_unpadded = base64_decode(unpadded);
        REQUIRE(decoded_unpadded.has_value());
        CHECK(*decoded_unpadded == data);
    }
}

TEST_CASE("base64: every byte value round-trips", "[encoding]") {
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    auto decoded = base64_decode(base64_encode(all));
    REQUIRE(decoded);
    CHECK(*decoded == all);
}

TEST_CASE("base64_decode: whitespace is ignored, bad input rejected", "[encoding]") {
    CHECK(base64_decode("Zm9v\nYmFy") == std::optional<std::string>("foobar"));
    CHECK(base64_decode(" Zm9v YmFy\r\n") == std::optional<std::string>("foobar"));
    CHECK(base64_decode("") == std::optional<std::string>(""));
    CHECK_FALSE(base64_decode("Z"));         // a dangling 6-bit group
    CHECK_FALSE(base64_decode("Zm9vY"));
    CHECK_FALSE(base64_decode("Zm9v!"));     // not in the alphabet
    CHECK_FALSE(base64_decode("Zg==Zg=="));  // data after padding
    CHECK_FALSE(base64_decode("Zg=a"));
}

TEST_CASE("hex: encode and decode", "[encoding]") {
    CHECK(hex_encode(bytes({0x00, 0x0f, 0xa0, 0xff})) == "000fa0ff");
    CHECK(hex_decode("000fa0ff") == std::optional<std::string>(bytes({0x00, 0x0f, 0xa0, 0xff})));
    CHECK(hex_decode("DEADbeef") == std::optional<std::string>("\xde\xad\xbe\xef"));
    CHECK(hex_decode("") == std::optional<std::string>(""));

    std::mt19937 rng(7);
    for (std::size_t n = 0; n < 64; ++n) {
        auto data = random_bytes(rng, n);
        CHECK(hex_decode(hex_encode(data)) == std::optional<std::string>(data));
    }
}

TEST_CASE("hex_decode: separators between pairs", "[encoding]") {
    const std::optional<std::string> hi("Hi");
    CHECK(hex_decode("48 69") == hi);
    CHECK(hex_decode("48:69") == hi);
    CHECK(hex_decode("48\n69\n") == hi);
    CHECK(hex_decode("48\r\n69") == hi);
    CHECK(hex_decode("  48   69  ") == hi);
    CHECK(hex_decode("48\t69") == hi);
}

TEST_CASE("hex_decode: odd digits and bad characters are rejected", "[encoding]") {
    CHECK_FALSE(hex_decode("4"));
    CHECK_FALSE(hex_decode("486"));
    CHECK_FALSE(hex_decode("4 869"));  // a separator inside a pair
    CHECK_FALSE(hex_decode("4:8"));
    CHECK_FALSE(hex_decode("zz"));
    CHECK_FALSE(hex_decode("0x48"));
    CHECK_FALSE(hex_decode("48-69"));
}

TEST_CASE("is_valid_utf8: well-formed text", "[encoding]") {
    CHECK(is_valid_utf8(""));
    CHECK(is_valid_utf8("plain ASCII, with a long enough run to use the fast path"));
    CHECK(is_valid_utf8(std::string(1, '\0')));
    CHECK(is_valid_utf8("\x7f"));
    CHECK(is_valid_utf8("\xc2\x80"));              // U+0080
    CHECK(is_valid_utf8("\xc3\xa9"));              // é
    CHECK(is_valid_utf8("\xdf\xbf"));              // U+07FF
    CHECK(is_valid_utf8("\xe0\xa0\x80"));          // U+0800
    CHECK(is_valid_utf8("\xe2\x82\xac"));          // €
    CHECK(is_valid_utf8("\xed\x9f\xbf"));          // U+D7FF, just below the surrogates
    CHECK(is_valid_utf8("\xee\x80\x80"));          // U+E000, just above
    CHECK(is_valid_utf8("\xef\xbf\xbf"));          // U+FFFF
    CHECK(is_valid_utf8("\xf0\x90\x80\x80"));      // U+10000
    CHECK(is_valid_utf8("\xf0\x9f\x98\x80"));      // 😀
    CHECK(is_valid_utf8("\xf4\x8f\xbf\xbf"));      // U+10FFFF
}

TEST_CASE("is_valid_utf8: overlong forms", "[encoding]") {
    CHECK_FALSE(is_valid_utf8("\xc0\x80"));
    CHECK_FALSE(is_valid_utf8("\xc0\xaf"));
    CHECK_FALSE(is_valid_utf8("\xc1\xbf"));
    CHECK_FALSE(is_valid_utf8("\xe0\x80\x80"));
    CHECK_FALSE(is_valid_utf8("\xe0\x9f\xbf"));
    CHECK_FALSE(is_valid_utf8("\xf0\x80\x80\x80"));
    CHECK_FALSE(is_valid_utf8("\xf0\x8f\xbf\xbf"));
}

TEST_CASE("is_valid_utf8: surrogates", "[encoding]") {
    CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));  // U+D800
    CHECK_FALSE(is_valid_utf8("\xed\xaf\xbf"));  // U+DBFF
    CHECK_FALSE(is_valid_utf8("\xed\xb0\x80"));  // U+DC00
    CHECK_FALSE(is_valid_utf8("\xed\xbf\xbf"));  // U+DFFF
    CHECK_FALSE(is_valid_utf8("\xed\xa0\xbd\xed\xb8\x80"));  // a CESU-8 pair
}

TEST_CASE("is_valid_utf8: above U+10FFFF and invalid lead bytes", "[encoding]") {
    CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // U+110000
    CHECK_FALSE(is_valid_utf8("\xf5\x80\x80\x80"));
    CHECK_FALSE(is_valid_utf8("\xf7\xbf\xbf\xbf"));
    CHECK_FALSE(is_valid_utf8("\xf8\x88\x80\x80\x80"));
    CHECK_FALSE(is_valid_utf8("\xfe"));
    CHECK_FALSE(is_valid_utf8("\xff"));
    CHECK_FALSE(is_valid_utf8("\x80"));  // a lone continuation byte
    CHECK_FALSE(is_valid_utf8("\xbf"));
}

TEST_CASE("is_valid_utf8: truncated and interrupted sequences", "[encoding]") {
    CHECK_FALSE(is_valid_utf8("\xc3"));
    CHECK_FALSE(is_valid_utf8("\xe2\x82"));
    CHECK_FALSE(is_valid_utf8("\xf0\x9f\x98"));
    CHECK_FALSE(is_valid_utf8("\xc3("));
    CHECK_FALSE(is_valid_utf8("\xe2(\xac"));
    CHECK_FALSE(is_valid_utf8("\xf0\x9f\x98("));
}

TEST_CASE("is_valid_utf8: multi-byte characters at every offset of the ASCII fast path", "[encoding]") {
    for (std::size_t offset = 0; offset < 24; ++offset) {
        INFO("offset " << offset);
        std::string ascii(offset, 'a');
        CHECK(is_valid_utf8(ascii + "\xf0\x9f\x98\x80" + "tail of ascii text"));
        CHECK(is_valid_utf8(ascii + "\xe2\x82\xac"));
        CHECK_FALSE(is_valid_utf8(ascii + "\xe2\x82"));
        CHECK_FALSE(is_valid_utf8(ascii + "\xed\xa0\x80" + "more ascii text here"));
        CHECK_FALSE(is_valid_utf8(ascii + "\xc0\x80" + "more ascii text here"));
        CHECK_FALSE(is_valid_utf8(ascii + "\xff" + "more ascii text here"));
    }
}

TEST_CASE("hexdump: the format of hexdump -C", "[encoding]") {
    CHECK(hexdump("hello", 512) == "00000000  68 65 6c 6c 6f                                    |hello|\n");
    CHECK(hexdump(std::string(8, '\0'), 512) ==
          "00000000  00 00 00 00 00 00 00 00                           |........|\n");
    CHECK(hexdump(std::string("0123456789abcdef\x00\x7f\x80 ~", 21), 512) ==
          "00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n"
          "00000010  00 7f 80 20 7e                                    |... ~|\n");
    CHECK(hexdump("", 512).empty());
}

TEST_CASE("hexdump: a limit, then how many more bytes there are", "[encoding]") {
    std::string data(40, 'A');
    auto dump = hexdump(data, 16);
    CHECK(dump ==
          "00000000  41 41 41 41 41 41 41 41  41 41 41 41 41 41 41 41  |AAAAAAAAAAAAAAAA|\n"
          "... 24 more bytes\n");
    CHECK(hexdump(data, 40).find("more") == std::string::npos);
    CHECK(hexdump(data, 0) == "... 40 more bytes\n");
}

TEST_CASE("escape_controls: C0 controls and DEL", "[encoding]") {
    using wskit::escape_controls;
    CHECK(escape_controls("\x1b]0;owned\x07\x1b[2J") == "\\x1b]0;owned\\x07\\x1b[2J");
    CHECK(escape_controls("a\r\nb\x7f") == "a\\x0d\\x0ab\\x7f");
    CHECK(escape_controls("a\nb\tc", true) == "a\nb\tc");
    CHECK(escape_controls("a\nb\tc") == "a\\x0ab\\x09c");
    CHECK(escape_controls(std::string("\0", 1)) == "\\x00");
}

TEST_CASE("escape_controls: UTF-8 is kept, C1 controls and stray bytes are not", "[encoding]") {
    using wskit::escape_controls;
    CHECK(escape_controls("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    // U+009B (CSI) and U+0085 (NEL) as UTF-8; U+00A0 is the first one kept.
    CHECK(escape_controls("\xc2\x9b" "31m") == "\\xc2\\x9b31m");
    CHECK(escape_controls("\xc2\x85") == "\\xc2\\x85");
    CHECK(escape_controls("\xc2\xa0") == "\xc2\xa0");
    // A lone 0x9b is CSI on an 8-bit terminal; truncated and overlong
    // sequences and surrogates are escaped byte by byte.
    CHECK(escape_controls("\x9b" "2J") == "\\x9b2J");
    CHECK(escape_controls("ab\xc3") == "ab\\xc3");
    CHECK(escape_controls("\xc0\xaf") == "\\xc0\\xaf");
    CHECK(escape_controls("\xed\xa0\x80") == "\\xed\\xa0\\x80");
    CHECK(escape_controls("\xff\xfe") == "\\xff\\xfe");
}

TEST_CASE("escape_controls: bidi controls are escaped, so that no text reorders the rest of a line", "[encoding]") {
    using wskit::escape_controls;
    // "pay to account $1000 now" on a terminal that applies the override.
    CHECK(escape_controls("pay to \xe2\x80\xae" "0001$ tnuocca\xe2\x80\xac now") ==
          "pay to \\u202e0001$ tnuocca\\u202c now");
    // Embeddings and overrides U+202A..U+202E, isolates U+2066..U+2069, the
    // marks U+200E, U+200F and U+061C.
    CHECK(escape_controls("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xad") == "\\u202a\\u202b\\u202d");
    CHECK(escape_controls("\xe2\x81\xa6x\xe2\x81\xa7y\xe2\x81\xa8z\xe2\x81\xa9") ==
          "\\u2066x\\u2067y\\u2068z\\u2069");
    CHECK(escape_controls("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c") == "\\u200e\\u200f\\u061c");
    CHECK(escape_controls("a\nb\xe2\x80\xae", true) == "a\nb\\u202e");
    // Their neighbours are ordinary text: U+202F (narrow no-break space),
    // U+2065 (unassigned), U+206A, U+200D (the joiner of emoji sequences),
    // Hebrew and Arabic letters.
    CHECK(escape_controls("\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xe2\x80\x8d") ==
          "\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xe2\x80\x8d");
    CHECK(escape_controls("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xd8\xb3\xd9\x84\xd8\xa7\xd9\x85") ==
          "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xd8\xb3\xd9\x84\xd8\xa7\xd9\x85");
}

TEST_CASE("ascii_lower lowers A-Z only", "[encoding]") {
    CHECK(wskit::ascii_lower("HTTPS://Chat.Example:9000") == "https://chat.example:9000");
    CHECK(wskit::ascii_lower("\xc3\x89T\xc3\x89") == "\xc3\x89t\xc3\x89");  // UTF-8 bytes untouched
    CHECK(wskit::ascii_lower("") == "");
}
