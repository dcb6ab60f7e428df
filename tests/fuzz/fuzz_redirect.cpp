// resolve_redirect (-L) on any Location against a few base URLs: no crash,
// and the result is a usable URL.
#include "fuzz_support.hpp"

// resolve_redirect moves from connect.hpp into a header of its own when it
// becomes an RFC 3986 resolver (issue #7, item 10): use whichever exists.
#if __has_include(<wskit/redirect.hpp>)
#include <wskit/redirect.hpp>
#define WSKIT_FUZZ_RFC3986_REDIRECTS 1
#else
#include <wskit/connect.hpp>
#endif
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
#ifdef WSKIT_FUZZ_RFC3986_REDIRECTS
        // The resource goes into the request line as it is: no space, no
        // control character, no fragment, nothing outside ASCII.
        for (unsigned char c : next.resource)
            require(c > 0x20 && c < 0x7f && c != '#', "the resource cannot go into a request line as it is");
#endif
    } catch (const wskit::Error& e) {
#ifdef WSKIT_FUZZ_RFC3986_REDIRECTS
        wskit::fuzz::require_one_line_error(e);
#else
        (void)e;
#endif
    }
    return 0;
}
