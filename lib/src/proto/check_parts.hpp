// The checks that an answer to an opening handshake gets whether it came
// over HTTP/1.1 (handshake_check.cpp) or on an HTTP/2 stream
// (extended_connect.cpp): a refusal's, the subprotocol's, the extensions'.
#pragma once

#include <wskit/handshake_check.hpp>
#include <wskit/http.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace wskit::detail {

CheckResult check_result(std::string id, std::string name, bool ok, std::string expected, std::string actual,
                         const char* rfc, ExitCode exit_class = ExitCode::handshake);

// A header's value as a check shows it: "(absent)" when there is none.
std::string shown(const std::string& value, bool present);

// What a client needs to go on after a refusal (where to, which version,
// which credentials), appended to `out`.
void check_refusal(const ResponseHead& res, std::vector<CheckResult>& out);

// The subprotocol chosen, among `offered` (a warning when none was chosen
// though some were offered), and the extensions, a subset of those offered
// in `offered_value` (a Sec-WebSocket-Extensions value).
CheckResult check_subprotocol(const ResponseHead& res, const std::vector<std::string>& offered, const char* rfc);
CheckResult check_extensions(const ResponseHead& res, std::string_view offered_value, const char* rfc);

}  // namespace wskit::detail
