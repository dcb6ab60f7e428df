// The masking keys of a client's frames (RFC 6455 5.3 wants them
// unpredictable), for websocketpp's connections and for WebSockets on
// HTTP/2 streams alike. Without websocketpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace wskit::detail {

// Masking keys from OpenSSL's CSPRNG, fetched 1 KiB at a time. std::random_device
// (websocketpp's default) runs RDSEED for every frame, which on virtual
// machines costs tens of microseconds: it made piping a million lines 15x slower.
// Hook 14 in net/wspp/README.md.
class MaskKeyGenerator {
public:
    using result_type = std::uint32_t;
    std::uint32_t operator()() {
        if (next_ == keys_.size()) refill();
        return keys_[next_++];
    }

private:
    void refill();
    std::array<std::uint32_t, 256> keys_{};
    std::size_t next_ = keys_.size();
};

}  // namespace wskit::detail
