// wskit replay's reader of recordings (NDJSON and HAR, from wskit or a
// browser), on any file: it returns conversations or says, as a usage
// error, what it cannot read; nothing else escapes, and every step it keeps
// is a text or binary message.
#include "fuzz_support.hpp"

#include <wskit/error.hpp>
#include <wskit/tool/replay.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

using wskit::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        for (const auto& c : wskit::parse_recording(text, "fuzz")) {
            for (const auto& step : c.steps) {
                require(step.message.opcode == wskit::Opcode::text || step.message.opcode == wskit::Opcode::binary,
                        "a step that is not a message");
                require(step.at >= 0, "a step before its open");
            }
        }
    } catch (const wskit::Error& e) {
        require(e.code() == wskit::ExitCode::usage, "a failure that is not a usage error");
        wskit::fuzz::require_one_line_error(e);
    }
    return 0;
}
