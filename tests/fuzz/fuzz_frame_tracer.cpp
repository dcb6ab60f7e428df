// -vv's frame tracer on any byte stream, cut anywhere: no crash, and every
// line it prints is one escaped line.
#include "fuzz_support.hpp"

#include "proto/frame_trace.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

using wskit::fuzz::has_no_controls;
using wskit::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    wskit::detail::FrameTracer tracer;
    // Most inputs skip the HTTP head at once, so that frames are reached.
    if (fdp.ConsumeBool()) tracer.feed("HTTP/1.1 101 Switching Protocols\r\n\r\n");
    while (fdp.remaining_bytes() > 0) {
        std::string chunk = fdp.ConsumeRandomLengthString(64);
        if (chunk.empty()) chunk = fdp.ConsumeRemainingBytesAsString();
        for (const auto& line : tracer.feed(chunk)) require(has_no_controls(line), "a traced frame is not one escaped line");
    }
    return 0;
}
