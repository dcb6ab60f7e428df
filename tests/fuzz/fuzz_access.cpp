// A server's handshake checks on any request head: check_request and the
// access gate (origin, token, throttle) never crash, refuse only with the
// statuses they document, say nothing unescaped on stderr, and a request
// that announces a body never passes.
#include "fuzz_support.hpp"

#include <wskit/access.hpp>
#include <wskit/handshake_check.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

using wskit::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto request = wskit::parse_request_head(text);
    request.remote_address = "192.0.2.1";
    request.remote = "192.0.2.1:5555";

    auto checks = wskit::check_request(request);
    const bool announces_body =
        !request.header("Transfer-Encoding").empty() ||
        (!request.header("Content-Length").empty() && request.header("Content-Length") != "0");
    if (announces_body) require(wskit::first_failure(checks) != nullptr, "a request with a body passed the checks");

    wskit::AccessPolicy policy;
    policy.token = "s3cret";
    policy.origins = {"https://app.test"};
    wskit::AccessGate gate(policy);
    auto now = std::chrono::steady_clock::time_point() + std::chrono::hours(1);
    for (int i = 0; i < 8; ++i) {
        auto refusal = gate.check_handshake(request, now);
        if (!refusal) {
            auto token = wskit::offered_token(request);
            require(token && *token == "s3cret", "let in without the token");
            continue;
        }
        const int status = refusal->response.status;
        require(status == 401 || status == 403 || status == 429, "refused with an undocumented status");
        require(wskit::fuzz::has_no_controls(refusal->log_line), "a refusal's stderr line holds a control character");
    }
    return 0;
}
