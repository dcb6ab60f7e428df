// parse_url, parse_listen_address and percent_decode on any bytes: no crash,
// errors are one clean line, and a parsed URL reads back to itself.
#include "fuzz_support.hpp"

#include <wskit/url.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

using wskit::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    (void)wskit::percent_decode(text);

    try {
        const wskit::Url url = wskit::parse_url(text);
        require(!url.host.empty(), "parse_url accepted an empty host");
        require(url.port != 0, "parse_url accepted port 0");
        require(!url.resource.empty() && url.resource.front() == '/', "the resource does not start with '/'");
        require(url.resource.find('#') == std::string::npos, "the fragment was kept in the resource");
        // str() is what the client shows and what a redirect or a reconnect
        // parses again: it must name the same endpoint.
        const wskit::Url again = wskit::parse_url(url.str());
        require(again.secure == url.secure, "str() changed the scheme");
        require(again.host == url.host, "str() changed the host");
        require(again.port == url.port, "str() changed the port");
        require(again.resource == url.resource, "str() changed the resource");
    } catch (const wskit::Error& e) {
        wskit::fuzz::require_one_line_error(e);
    }

    try {
        const wskit::ListenAddress address = wskit::parse_listen_address(text);
        require(!address.host.empty(), "parse_listen_address returned an empty host");
    } catch (const wskit::Error& e) {
        wskit::fuzz::require_one_line_error(e);
    }
    return 0;
}
