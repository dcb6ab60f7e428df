// Input splitting and decoding (stdin of `connect`): the units do not depend
// on how the input was cut into reads, -0 and --whole give back every byte,
// and hex/base64 decoding round-trips what encoding produced.
#include "fuzz_support.hpp"

#include <wskit/encoding.hpp>
#include <wskit/tool/input.hpp>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

using wskit::fuzz::require;
using wskit::InputEncoding;
using wskit::InputFraming;

namespace {

std::vector<std::string> split_in_one_read(InputFraming framing, const std::string& input) {
    wskit::InputSplitter splitter(framing);
    std::vector<std::string> units;
    splitter.feed(input, units);
    splitter.finish(units);
    return units;
}

std::string join(const std::vector<std::string>& units, char separator) {
    std::string out;
    for (std::size_t i = 0; i < units.size(); ++i) {
        if (i > 0) out += separator;
        out += units[i];
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    const auto framing = fdp.PickValueInArray(
        {InputFraming::lines, InputFraming::null, InputFraming::paragraph, InputFraming::whole});
    const auto encoding = fdp.PickValueInArray(
        {InputEncoding::text, InputEncoding::binary, InputEncoding::hex, InputEncoding::base64});
    // Read sizes, then the input itself.
    std::vector<std::size_t> reads;
    for (int i = fdp.ConsumeIntegralInRange(0, 8); i > 0; --i) reads.push_back(fdp.ConsumeIntegralInRange<std::size_t>(0, 64));
    const std::string input = fdp.ConsumeRemainingBytesAsString();

    // The same bytes in reads of any size give the same units.
    const auto expected = split_in_one_read(framing, input);
    wskit::InputSplitter splitter(framing);
    std::vector<std::string> units;
    std::size_t at = 0;
    for (std::size_t i = 0; at < input.size(); ++i) {
        std::size_t n = reads.empty() ? 1 : reads[i % reads.size()];
        if (n == 0) {
            splitter.feed({}, units);  // an empty read changes nothing
            n = 1;
        }
        splitter.feed(std::string_view(input).substr(at, n), units);
        at += n;
    }
    splitter.finish(units);
    require(units == expected, "the units depend on how the input was cut into reads");

    // No message is ever split or altered: with -0 and --whole, the units are
    // the input's bytes exactly.
    if (framing == InputFraming::whole) {
        require(units.size() == 1 && units[0] == input, "--whole did not give back the input");
    } else if (framing == InputFraming::null) {
        const bool terminated = !input.empty() && input.back() == '\0';
        require(join(units, '\0') + std::string(terminated ? 1 : 0, '\0') == input, "-0 did not give back the input");
    }

    for (const auto& unit : units) {
        try {
            const wskit::Message m = wskit::decode_input(unit, encoding);
            if (encoding == InputEncoding::hex) {
                require(wskit::hex_decode(wskit::hex_encode(m.payload)) == m.payload, "hex does not round-trip");
            } else if (encoding == InputEncoding::base64) {
                require(wskit::base64_decode(wskit::base64_encode(m.payload)) == m.payload, "base64 does not round-trip");
            } else {
                require(m.payload == unit, "text or binary input was altered");
            }
        } catch (const wskit::Error& e) {
            require(encoding == InputEncoding::hex || encoding == InputEncoding::base64,
                    "text or binary input was refused");
            wskit::fuzz::require_one_line_error(e);
        }
    }
    // Encoding any bytes and decoding them gives them back.
    require(wskit::base64_decode(wskit::base64_encode(input)) == input, "base64 does not round-trip");
    require(wskit::hex_decode(wskit::hex_encode(input)) == input, "hex does not round-trip");
    (void)wskit::base64_decode(input);
    (void)wskit::hex_decode(input);
    return 0;
}
