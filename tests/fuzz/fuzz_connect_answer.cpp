// An HTTP proxy's answer to CONNECT, whatever it sends: the status line is
// read without crashing, and a refusal is one escaped line, empty only for
// a 2xx with nothing after its head.
#include "fuzz_support.hpp"

#include "proto/http_tunnel.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

using wskit::fuzz::has_no_controls;
using wskit::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    bool data_after_head = data[0] & 1;
    std::string_view head(reinterpret_cast<const char*>(data) + 1, size - 1);
    auto answer = wskit::detail::parse_connect_answer(head);
    auto refusal = wskit::detail::connect_refusal(answer, data_after_head);
    require(has_no_controls(refusal), "a CONNECT refusal is not one escaped line");
    bool opens = answer.status >= 200 && answer.status < 300 && !data_after_head;
    require(refusal.empty() == opens, "a CONNECT answer opens a tunnel it should not, or refuses one it should open");
    return 0;
}
