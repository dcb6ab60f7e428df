// What the client's transport learnt while connecting: for the error
// message, -v and handshake-inspect. Plain values, without websocketpp.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace wskit::detail {

// How the connection phase ended, for the client's error message.
struct ConnectOutcome {
    using Clock = std::chrono::steady_clock;
    std::string tunnel_error;  // the proxy refused or broke the tunnel: the whole one-line message
    std::string remote;        // the address the TCP connection went to, "127.0.0.1:9000"
    // For inspection: what was resolved and tried, and when each step ended.
    std::string resolved_host;                  // "host:port" of the first hop
    std::vector<std::string> addresses;         // every address resolved, in order
    std::vector<std::pair<std::string, std::string>> attempts;  // address, error ("" when connected)
    std::optional<Clock::time_point> started, resolved, connected, tunneled;
};

}  // namespace wskit::detail
