#include "inspect/attempt.hpp"

#include <wskit/encoding.hpp>

#include <fmt/format.h>

#include <algorithm>

#include <arpa/inet.h>

namespace wskit::detail {
namespace {

constexpr std::size_t max_first_messages = 5;
constexpr std::size_t max_message_shown = 200;
// After the 101, what the server sends first is read (and checked) before
// the pings and the close: until it has been silent this long, or for
// settle_max at most.
constexpr std::chrono::milliseconds settle_quiet{200};
constexpr std::chrono::milliseconds settle_max{2000};

CheckResult check(std::string id, std::string name, Verdict verdict, std::string expected, std::string actual,
                  std::string rfc, ExitCode exit_class) {
    return {std::move(id), std::move(name), verdict, std::move(expected), std::move(actual), std::move(rfc), {},
            exit_class};
}

// Whether "host:port" (an IPv6 address in brackets) names an IP address
// rather than a host name.
bool names_an_address(std::string_view host_port) {
    std::string host;
    if (!host_port.empty() && host_port.front() == '[') {
        host = std::string(host_port.substr(1, host_port.find(']') - 1));
    } else {
        host = std::string(host_port.substr(0, host_port.rfind(':')));
    }
    unsigned char address[sizeof(in6_addr)];
    return ::inet_pton(AF_INET, host.c_str(), address) == 1 || ::inet_pton(AF_INET6, host.c_str(), address) == 1;
}

}  // namespace

Attempt::Attempt(const InspectOptions& options, ClientOptions client) : options_(options), client_options_(std::move(client)) {
    client_options_.inspection = inspection_;
}

InspectReport Attempt::run() {
    Client client(loop_, client_options_, [this](const Event& e) { on_event(e); });
    client_ = &client;
    client.connect();
    loop_.run();
    return report(client);
}

void Attempt::on_event(const Event& e) {
    switch (e.type) {
        case EventType::open:
            opened_ = true;
            opened_at_ = last_frame_at_ = Clock::now();
            settle();
            break;
        case EventType::message:
            last_frame_at_ = Clock::now();
            if (first_messages_.size() < max_first_messages) {
                auto shown = e.message.payload.substr(0, max_message_shown);
                if (e.message.opcode == Opcode::binary)
                    shown = fmt::format("[binary {} B] {}", e.message.payload.size(),
                                        hex_encode(e.message.payload.substr(0, 32)));
                first_messages_.push_back(shown);
            }
            break;
        case EventType::ping: last_frame_at_ = Clock::now(); break;
        case EventType::pong: on_pong(e); break;
        case EventType::close:
            close_ = CloseOutcome{e.code, e.reason, e.clean};
            // Closed from this side before we asked: the library failed
            // the connection for a frame that broke the protocol.
            failed_by_us_ = e.direction == Direction::out && !close_sent_;
            finish();
            break;
        case EventType::error: finish(); break;
        case EventType::finished: loop_.stop(); break;
        default: break;
    }
}

void Attempt::settle() {
    const auto now = Clock::now();
    if (!client_->is_open()) return;
    if (now - last_frame_at_ >= settle_quiet || now - opened_at_ >= settle_max) return next_ping();
    settle_timer_ = loop_.after(settle_quiet, [this] { settle(); });
}

void Attempt::close_now() {
    close_sent_ = client_->close(1000, "");
}

void Attempt::next_ping() {
    if (!client_->is_open()) return;
    if (static_cast<int>(ping_ms_.size()) >= options_.pings) return close_now();
    ping_payload_ = fmt::format("wskit-inspect-{}", ping_ms_.size() + 1);
    ping_sent_ = Clock::now();
    client_->send(Message{Opcode::ping, ping_payload_});
    ping_timer_ = loop_.after(client_options_.open_timeout, [this] {
        ping_timed_out_ = true;
        close_now();
    });
}

void Attempt::on_pong(const Event& e) {
    if (ping_payload_.empty() || e.message.payload != ping_payload_) return;  // unsolicited
    loop_.cancel(ping_timer_);
    ping_payload_.clear();
    ping_ms_.push_back(std::chrono::duration<double, std::milli>(Clock::now() - ping_sent_).count());
    next_ping();
}

void Attempt::finish() {
    loop_.cancel(ping_timer_);
    loop_.cancel(settle_timer_);
    loop_.after(std::chrono::seconds(5), [this] { loop_.stop(); });
}

InspectReport Attempt::report(const Client& client) {
    handshake_ = client.handshake();
    InspectReport r;
    r.url = client_options_.url.str();
    r.connection = *inspection_;
    // The resolver answers for an address without asking anyone, and a
    // Unix socket needs no name: no DNS step happened, and a time for it
    // would suggest one did.
    if (names_an_address(r.connection.resolved_host) || !client_options_.url.unix_socket.empty())
        r.connection.timings.dns = -1;
    const auto& hs = client.handshake();
    r.request = hs.request;
    r.response = hs.response;
    r.body = hs.body.substr(0, options_.max_body);
    r.body_truncated = hs.body.size() > options_.max_body;
    r.first_messages = first_messages_;
    r.ping_ms = ping_ms_;
    if (opened_) r.close = close_;
    r.error = client.error_message();
    add_checks(r, client);
    r.exit = exit_code_of(r.checks);
    if (r.exit == ExitCode::ok && client.exit_code() != ExitCode::ok) r.exit = client.exit_code();
    // A failed check says more than the library's error (which names
    // -v, or lumps the three header checks together); the steps before
    // the response have only the library's words.
    const auto* failed = first_failure(r.checks);
    static const std::vector<std::string> library_worded{"connect", "tls", "negotiated", "response", "frames"};
    if (failed && std::find(library_worded.begin(), library_worded.end(), failed->id) == library_worded.end())
        r.error = fmt::format("handshake check failed: {}: expected {}, got {} ({})", failed->name,
                              failed->expected, escape_controls(failed->actual), failed->rfc);
    if (failed && failed->id == "status" && !options_.follow_redirects &&
        parse_response_head(r.response).has_header("Location"))
        r.error += "; -L follows the redirect";
    if (r.exit != ExitCode::ok && r.error.empty()) r.error = "the inspection failed";
    return r;
}

void Attempt::add_checks(InspectReport& r, const Client& client) {
    const auto& conn = r.connection;
    const auto& hs = client.handshake();
    const ExitCode failed_as = client.exit_code();
    auto failed_class = [&](ExitCode otherwise) { return failed_as != ExitCode::ok ? failed_as : otherwise; };
    const bool connected = hs.connected;
    r.checks.push_back(check("connect", "TCP connection (and proxy tunnel)",
                             connected ? Verdict::pass : Verdict::fail, client_options_.url.authority(),
                             connected ? conn.connected_to : r.error, "RFC 6455 4.1",
                             failed_class(ExitCode::connect)));
    if (!connected) {
        r.request.clear();  // built, never sent
        return;
    }
    if (conn.secure) {
        const bool tls_failed = failed_as == ExitCode::tls || !conn.tls.handshake_done;
        Verdict v = tls_failed ? Verdict::fail : conn.tls.verification_skipped ? Verdict::warn : Verdict::pass;
        // RFC 6455 4.1 only says to run TLS (and send SNI) for wss; how
        // the server's certificate and name are verified is https's
        // rule, RFC 9110 4.3.4, which defers to RFC 6125 section 6 for
        // the name (RFC 9525 has since replaced 6125; 9110 cites 6125).
        r.checks.push_back(check("tls", "TLS handshake and certificate", v,
                                 "a valid chain for " + client_options_.url.host,
                                 !conn.tls.verify_result.empty() ? conn.tls.verify_result : r.error,
                                 "RFC 9110 4.3.4, RFC 6125 6", failed_class(ExitCode::tls)));
        if (tls_failed) {
            r.request.clear();
            return;
        }
    }
    if (client_options_.http2) return add_http2_checks(r, failed_class(ExitCode::handshake));
    // No head to check: none came, or it stopped half-way (the library
    // says which, and what came).
    if (r.response.empty() || !hs.response_complete) {
        r.checks.push_back(check("response", "answer to the upgrade request", Verdict::fail,
                                 "an HTTP response head", r.error.empty() ? "no response" : r.error,
                                 "RFC 6455 4.1", failed_class(ExitCode::handshake)));
        return;
    }
    auto results = check_exchange(r.request, r.response);
    r.checks.insert(r.checks.end(), results.begin(), results.end());
    if (!opened_) return;
    add_after_open_checks(r);
}

void Attempt::add_http2_checks(InspectReport& r, ExitCode failed_as) {
    const auto& settings = handshake_.http2_settings;
    // Neither HTTP/2 nor the setting is owed: without them browsers use
    // HTTP/1.1, so their absence is a warning, and the end of the probe.
    if (!handshake_.http2) {
        r.checks.push_back(check("negotiated", "HTTP/2 agreed", Verdict::warn,
                                 client_options_.url.secure ? "ALPN h2" : "a SETTINGS frame (h2c)", r.error,
                                 "RFC 9113 3", failed_as));
        return;
    }
    auto enabled = check_connect_protocol_setting(settings);
    const bool absent = enabled.verdict == Verdict::fail;
    if (enabled.actual == "(absent)" || enabled.actual == "0") enabled.verdict = Verdict::warn;  // not withdrawn, not > 1
    r.checks.push_back(enabled);
    if (absent) return;
    if (r.response.empty()) {
        r.checks.push_back(check("response", "answer to the extended CONNECT", Verdict::fail,
                                 "a HEADERS frame with :status 200", r.error.empty() ? "no answer" : r.error,
                                 "RFC 8441 5", failed_as));
        return;
    }
    auto results = check_connect_exchange(r.request, r.response);
    r.checks.insert(r.checks.end(), results.begin(), results.end());
    if (opened_) add_after_open_checks(r);
}

void Attempt::add_after_open_checks(InspectReport& r) {
    const bool frames_ok = !failed_by_us_;
    r.checks.push_back(check("frames", "frames from the server",
                             frames_ok ? Verdict::pass : Verdict::fail,
                             "well-formed frames (unmasked, no RSV bits unless negotiated)",
                             frames_ok ? "well formed" : r.error,
                             "RFC 6455 5.1, 5.2", ExitCode::abnormal_close));
    if (options_.pings > 0) {
        bool all = static_cast<int>(ping_ms_.size()) == options_.pings;
        r.checks.push_back(check("ping", "pongs for the pings", all ? Verdict::pass : Verdict::fail,
                                 fmt::format("{} pongs", options_.pings),
                                 fmt::format("{} pongs{}", ping_ms_.size(), ping_timed_out_ ? " (timed out)" : ""),
                                 "RFC 6455 5.5.2", ping_timed_out_ ? ExitCode::timeout : ExitCode::abnormal_close));
    }
    if (!frames_ok) return;
    const bool clean = close_ && close_->clean && exit_code_for_close(close_->code) == ExitCode::ok;
    r.checks.push_back(check("close", "close handshake", clean ? Verdict::pass : Verdict::fail,
                             "a close frame with 1000 in answer",
                             !close_ ? "no close"
                             : close_->clean
                                 ? fmt::format("{}{}{}", close_->code, close_->reason.empty() ? "" : " ", close_->reason)
                                 : fmt::format("{} (no close frame)", close_->code),
                             "RFC 6455 7.1.2", ExitCode::abnormal_close));
}

}  // namespace wskit::detail
