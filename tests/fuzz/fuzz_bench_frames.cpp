// bench's frame reader on anything a server sends, cut anywhere, with and
// without compression: it consumes within the buffer, never reports a
// message larger than what arrived (uncompressed), and names what is wrong.
#include "fuzz_support.hpp"

#include "bench/wire.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

using wskit::fuzz::require;
using Reader = wskit::detail::FrameReader;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    Reader reader(fdp.ConsumeIntegralInRange<std::size_t>(0, 64));
    bool compressed = fdp.ConsumeBool();
    if (compressed) reader.inflate_with(fdp.ConsumeIntegralInRange<int>(8, 15), fdp.ConsumeBool(), 1 << 20);
    std::uint64_t fed = 0;
    while (fdp.remaining_bytes() > 0) {
        std::vector<unsigned char> chunk = fdp.ConsumeBytes<unsigned char>(fdp.ConsumeIntegralInRange<std::size_t>(1, 256));
        std::size_t pos = 0;
        while (pos < chunk.size()) {
            auto step = reader.feed(chunk.data() + pos, chunk.size() - pos);
            require(step.consumed <= chunk.size() - pos, "the reader consumed past the buffer");
            pos += step.consumed;
            fed += step.consumed;
            if (step.event == Reader::Event::bad) {
                require(std::strlen(reader.problem()) > 0, "a bad frame without a reason");
                return 0;
            }
            if (step.event == Reader::Event::message) {
                require(compressed || reader.message_size() <= fed, "a message larger than the bytes read");
                require(reader.head().size() <= reader.message_size(), "a message head larger than its message");
            }
            if (step.event == Reader::Event::close) {
                require(reader.close_reason().size() <= 123, "a close reason longer than a close frame holds");
                return 0;
            }
            if (step.consumed == 0) break;  // waits for more bytes
        }
    }
    return 0;
}
