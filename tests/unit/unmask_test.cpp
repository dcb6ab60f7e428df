// Hook 38 (net/wspp/README.md): the processor unmasks eight bytes at a time,
// and must give what websocketpp's byte loop gives, the key carried from one
// read to the next included.
#include "support.hpp"

#include "net/wspp/wspp.hpp"

#include <string>

namespace {

std::string payload(std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>((i * 37 + 11) & 0xff));
    return s;
}

}  // namespace

TEST_CASE("unmask: the same bytes and the same carried key as websocketpp's byte loop", "[wspp]") {
    namespace frame = websocketpp::frame;
    frame::masking_key_type key;
    key.i = 0;
    key.c[0] = 0x12;
    key.c[1] = 0x9a;
    key.c[2] = 0x03;
    key.c[3] = 0xfe;
    const auto prepared = frame::prepare_masking_key(key);
    for (std::size_t size = 0; size <= 41; ++size) {
        for (std::size_t split = 0; split <= size; ++split) {
            auto ours = payload(size);
            auto theirs = ours;
            auto* a = reinterpret_cast<std::uint8_t*>(ours.data());
            auto* b = reinterpret_cast<std::uint8_t*>(theirs.data());
            // Two reads, as a frame's payload arrives in pieces.
            auto k1 = websocketpp::processor::wskit_strict::unmask(a, split, prepared);
            auto k2 = frame::byte_mask_circ(b, split, prepared);
            REQUIRE(k1 == k2);
            k1 = websocketpp::processor::wskit_strict::unmask(a + split, size - split, k1);
            k2 = frame::byte_mask_circ(b + split, size - split, k2);
            REQUIRE(k1 == k2);
            REQUIRE(ours == theirs);
        }
    }
}
