// handshake-inspect's client mode, one connection: a Client with its
// inspection record, what the server sends first, pings and a clean close,
// then the checks of all of it as a report. Over HTTP/1.1 (and each
// redirect) or, with ClientOptions::http2, over an HTTP/2 stream.
#pragma once

#include <wskit/client.hpp>
#include <wskit/loop.hpp>
#include <wskit/tool/inspect.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wskit::detail {

class Attempt {
    using Clock = std::chrono::steady_clock;

public:
    Attempt(const InspectOptions& options, ClientOptions client);
    InspectReport run();
    // After run(): the handshake as the Client saw it (HTTP/2's SETTINGS).
    const HandshakeTrace& handshake() const { return handshake_; }

private:
    void on_event(const Event& e);
    // Reads what the server sends first, until it falls silent.
    void settle();
    void close_now();
    // Pings one at a time, then the close.
    void next_ping();
    void on_pong(const Event& e);
    // After the close or error event. The loop stops at the finished event,
    // once the Client is done with the connection too (after a timeout it
    // still tears the socket down); 5 s at most: the report is due even if
    // the teardown hangs.
    void finish();
    InspectReport report(const Client& client);
    // The steps up to the answer: each fails with the class the failure
    // classifier gave the library's error, so that the same facts make the
    // same exit status here as in connect and bench.
    void add_checks(InspectReport& r, const Client& client);
    // Over HTTP/2: whether it was spoken, the setting, then the CONNECT's answer.
    void add_http2_checks(InspectReport& r, ExitCode failed_as);
    void add_after_open_checks(InspectReport& r);

    const InspectOptions& options_;
    ClientOptions client_options_;
    std::shared_ptr<ConnectionInspection> inspection_ = std::make_shared<ConnectionInspection>();
    EventLoop loop_;
    Client* client_ = nullptr;
    bool opened_ = false;
    bool failed_by_us_ = false;  // the library failed the connection: a frame broke the protocol
    std::optional<CloseOutcome> close_;
    std::vector<std::string> first_messages_;
    std::vector<double> ping_ms_;
    std::string ping_payload_;   // of the ping awaiting its pong; "" when none
    Clock::time_point ping_sent_;
    EventLoop::TimerId ping_timer_ = 0;
    bool ping_timed_out_ = false;
    bool close_sent_ = false;
    Clock::time_point opened_at_, last_frame_at_;
    EventLoop::TimerId settle_timer_ = 0;
    HandshakeTrace handshake_;
};

}  // namespace wskit::detail
