// parse_header (-H 'Name: value') on any bytes: no crash, errors are one
// clean line, and an accepted header cannot smuggle a line into the request.
#include "fuzz_support.hpp"

#include <wskit/client.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

using wskit::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const wskit::Header header = wskit::parse_header(text);
        require(!header.name.empty(), "an empty header name was accepted");
        require(wskit::fuzz::has_no_controls(header.name) && header.name.find_first_of(" :") == std::string::npos,
                "the header name holds a character not allowed in a token");
        require(header.value.find_first_of("\r\n") == std::string::npos, "the header value holds a line break");
        require(header.value.empty() || (header.value.front() != ' ' && header.value.back() != ' '),
                "the header value was not trimmed");
    } catch (const wskit::Error& e) {
        wskit::fuzz::require_one_line_error(e);
    }
    return 0;
}
