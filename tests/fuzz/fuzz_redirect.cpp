// resolve_redirect (-L) on any Location against a few base URLs: no crash,
// and the result is a usable URL whose resource can go into a request line.
#include "fuzz_support.hpp"

#include <wskit/redirect.hpp>
#include <wskit/url.hpp>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

using wskit::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    const wskit::Url base = wskit::parse_url(fdp.PickValueInArray<const char*>({
        "ws://example.test/",
        "wss://example.test:8443/a/b/c?q=1",
        "ws://[::1]:9000/dir/file",
        "ws://user:pass@example.test/x?y=z://w",
    }));
    const std::string location = fdp.ConsumeRemainingBytesAsString();
    try {
        const wskit::Url next = wskit::resolve_redirect(base, location);
        require(!next.host.empty(), "a redirect resolved to an empty host");
        require(!next.resource.empty() && next.resource.front() == '/', "the resource does not start with '/'");
        // The resource goes into the request line as it is: no space, no
        // control character, no fragment, nothing outside ASCII.
        for (unsigned char c : next.resource)
            require(c > 0x20 && c < 0x7f && c != '#', "the resource cannot go into a request line as it is");
    } catch (const wskit::Error& e) {
        wskit::fuzz::require_one_line_error(e);
    }
    return 0;
}
