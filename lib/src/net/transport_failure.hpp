// A socket's error, reduced to the failure classifier's causes: what the
// client (websocketpp's codes aside) and bench both meet while opening.
#pragma once

#include <wskit/connect_failure.hpp>

#include <system_error>

namespace wskit::detail {

// Asio's and the system's codes: name resolution, refusals, routes, timeouts,
// a peer that closed or reset, TLS errors, a process out of descriptors.
// `other` for anything else.
FailureCause transport_failure_cause(const std::error_code& ec);

}  // namespace wskit::detail
