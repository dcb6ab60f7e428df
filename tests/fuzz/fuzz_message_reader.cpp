// The WebSocket message reader (RFC 8441 streams) on anything a peer sends,
// cut anywhere, in either role, with and without compression: it consumes
// within the buffer, keeps messages within the limit, hands over only valid
// UTF-8 as text and sendable close codes, and says why when it fails.
#include "fuzz_support.hpp"

#include "proto/message_reader.hpp"

#include <wskit/encoding.hpp>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <vector>

using wskit::fuzz::require;
using Reader = wskit::detail::MessageReader;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    auto limit = fdp.ConsumeIntegralInRange<std::size_t>(0, 1 << 16);
    Reader reader(fdp.ConsumeBool(), limit);
    if (fdp.ConsumeBool()) reader.inflate_with(fdp.ConsumeIntegralInRange<int>(8, 15), fdp.ConsumeBool());
    while (fdp.remaining_bytes() > 0) {
        auto chunk = fdp.ConsumeBytes<char>(fdp.ConsumeIntegralInRange<std::size_t>(1, 256));
        std::size_t pos = 0;
        while (pos < chunk.size()) {
            auto step = reader.feed(chunk.data() + pos, chunk.size() - pos);
            require(step.consumed <= chunk.size() - pos, "the reader consumed past the buffer");
            pos += step.consumed;
            switch (step.kind) {
                case Reader::Kind::failed:
                    require(!reader.failure().empty(), "a failure without a reason");
                    require(reader.failure_code() == 1002 || reader.failure_code() == 1007 ||
                                reader.failure_code() == 1009,
                            "a failure with a code that is not 1002, 1007 or 1009");
                    return 0;
                case Reader::Kind::message: {
                    auto m = reader.take_message();
                    require(m.payload.size() <= limit, "a message past the limit");
                    require(m.opcode != wskit::Opcode::text || wskit::is_valid_utf8(m.payload),
                            "a text message that is not UTF-8");
                    break;
                }
                case Reader::Kind::ping:
                case Reader::Kind::pong:
                    require(reader.take_message().payload.size() <= 125, "a control frame past 125 bytes");
                    break;
                case Reader::Kind::close:
                    require(reader.close_reason().size() <= 123, "a close reason longer than a close frame holds");
                    require(wskit::is_valid_utf8(reader.close_reason()), "a close reason that is not UTF-8");
                    return 0;
                case Reader::Kind::none: break;
            }
            if (step.kind == Reader::Kind::none) break;  // all consumed, waits for more bytes
        }
    }
    return 0;
}
