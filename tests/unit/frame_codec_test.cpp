#include "proto/frame_codec.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace wskit::detail;

namespace {

std::vector<unsigned char> written(const FrameHeader& h) {
    unsigned char out[max_frame_header];
    auto n = write_frame_header(h, out);
    return {out, out + n};
}

}  // namespace

TEST_CASE("frame codec: RFC 6455 5.7's examples, byte for byte") {
    FrameHeader hello;
    hello.opcode = opcode::text;
    hello.length = 5;
    CHECK(written(hello) == std::vector<unsigned char>{0x81, 0x05});

    hello.masked = true;
    hello.mask_key = 0x37fa213d;
    CHECK(written(hello) == std::vector<unsigned char>{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d});
    std::string payload = "Hello";
    mask_payload(payload.data(), payload.size(), hello.mask_key);
    CHECK(payload == "\x7f\x9f\x4d\x51\x58");

    FrameHeader first_fragment;
    first_fragment.fin = false;
    first_fragment.opcode = opcode::text;
    first_fragment.length = 3;
    CHECK(written(first_fragment) == std::vector<unsigned char>{0x01, 0x03});

    FrameHeader binary;
    binary.opcode = opcode::binary;
    binary.length = 256;
    CHECK(written(binary) == std::vector<unsigned char>{0x82, 0x7e, 0x01, 0x00});
    binary.length = 65536;
    CHECK(written(binary) == std::vector<unsigned char>{0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0});
}

TEST_CASE("frame codec: what is written reads back, at every length boundary") {
    for (std::uint64_t length : {0ull, 125ull, 126ull, 65535ull, 65536ull, (1ull << 63) - 1}) {
        for (bool masked : {false, true}) {
            FrameHeader h;
            h.fin = length % 2 == 0;
            h.rsv1 = masked;
            h.rsv3 = !masked;
            h.opcode = masked ? opcode::ping : opcode::continuation;
            h.masked = masked;
            h.mask_key = masked ? 0xdeadbeef : 0;
            h.length = length;
            auto bytes = written(h);
            REQUIRE(bytes.size() == frame_header_size(bytes[1]));
            auto back = read_frame_header(bytes.data());
            CHECK(back.fin == h.fin);
            CHECK(back.rsv1 == h.rsv1);
            CHECK(back.rsv2 == h.rsv2);
            CHECK(back.rsv3 == h.rsv3);
            CHECK(back.opcode == h.opcode);
            CHECK(back.masked == h.masked);
            CHECK(back.mask_key == h.mask_key);
            CHECK(back.length == h.length);
        }
    }
}

TEST_CASE("frame codec: masking resumes mid-payload") {
    std::string whole = "a payload read in pieces";
    std::string pieces = whole;
    mask_payload(whole.data(), whole.size(), 0x01020304);
    mask_payload(pieces.data(), 5, 0x01020304);
    mask_payload(pieces.data() + 5, pieces.size() - 5, 0x01020304, 5);
    CHECK(pieces == whole);
}
