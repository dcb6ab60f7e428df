// A SOCKS5 proxy's answers, whatever it sends: the handshake asks for at
// most a SOCKS5 reply's worth of bytes at a time, ends (open or failed)
// within the exchanges RFC 1928/1929 allow, and fails with one line.
#include "fuzz_support.hpp"

#include "proto/socks5.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

using wskit::fuzz::has_no_controls;
using wskit::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    wskit::detail::Socks5Target target;
    target.name = "example.test";
    if (fdp.ConsumeBool()) target.address = fdp.ConsumeBool() ? std::string(4, '\x7f') : std::string(16, '\x01');
    target.port = fdp.ConsumeIntegral<std::uint16_t>();
    std::string user = fdp.ConsumeBool() ? "user" : "";
    wskit::detail::Socks5Handshake handshake("127.0.0.1:1080", "example.test:443", target, user, user.empty() ? "" : "pw");

    auto step = handshake.start();
    // Greeting, authentication, reply head, reply rest: a fifth answer is
    // never asked for.
    for (int exchanges = 0; !step.done && step.error.empty(); ++exchanges) {
        require(exchanges < 4, "the handshake asked for a fifth answer");
        // The longest read is a reply's rest: a 255-byte domain name, its
        // length byte and the port.
        require(step.read > 0 && step.read <= 258, "the handshake asked for no bytes or for more than a reply holds");
        // The proxy may send fewer bytes than asked (a truncated answer).
        std::string answer = fdp.ConsumeBytesAsString(fdp.ConsumeIntegralInRange<std::size_t>(0, step.read));
        step = handshake.feed(answer);
    }
    require(has_no_controls(step.error), "a SOCKS5 error is not one escaped line");
    for (const auto& note : step.notes) require(has_no_controls(note), "a SOCKS5 note is not one escaped line");
    return 0;
}
