// ClientImpl: our pings (--ping-interval, --ping-timeout) and the answers to
// the server's, one pong at a time (see PingAnswers).
#include "net/client_impl.hpp"

namespace wskit::detail {

template <class Endpoint>
void ClientImpl<Endpoint>::schedule_ping() {
    if (options_.ping_interval.count() <= 0) return;
    ping_timer_ = loop_.after(options_.ping_interval, [this] {
        if (!open_ || closing_) return;
        if (!awaiting_pong_) {
            wpp::lib::error_code ec;
            con_->ping("", ec);
            awaiting_pong_ = !ec;
        }
        schedule_ping();
    });
}

template <class Endpoint>
void ClientImpl<Endpoint>::on_pong_timeout() {
    if (!open_) return;
    if (!record_failure(ExitCode::abnormal_close,
                        fmt::format("no pong from the server within {} s (--ping-timeout); dropping the connection",
                                    static_cast<double>(options_.ping_timeout.count()) / 1000)))
        return;
    asio::error_code ignored;
    con_->get_raw_socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
}

template <class Endpoint>
void ClientImpl<Endpoint>::send_pong(const std::string& payload) {
    if (!open_ || closing_) return;  // nothing follows our close frame
    auto frame = masked_control_frame(pong_opcode, payload, mask_keys_());
    auto msg = con_->get_message(wpp::frame::opcode::pong, frame.payload.size());
    msg->set_header(frame.header);
    msg->set_payload(frame.payload);
    msg->set_prepared(true);
    if (!con_->send(msg)) pong_in_flight_ = msg;
}

template <class Endpoint>
void ClientImpl<Endpoint>::on_write_done() {
    if (pings_.pong_unwritten() && pong_in_flight_.expired()) {
        if (auto answer = pings_.on_pong_written()) send_pong(*answer);
        act_on_pings();
    }
    // The owner waiting for the backlog to go (input paced by it) hears
    // when it has.
    if (open_ && backlog() == 0) {
        Event e;
        e.type = EventType::drained;
        on_event_(e);
    }
}

template <class Endpoint>
void ClientImpl<Endpoint>::act_on_pings() {
    auto now = std::chrono::steady_clock::now();
    switch (pings_.check(now)) {
        case BackpressureAction::pause_reading: paused_for_pings_ = true; break;  // applied after this read
        case BackpressureAction::resume_reading:
            paused_for_pings_ = false;
            resume_if_free();
            break;
        case BackpressureAction::close: return close_for_pings();
        case BackpressureAction::none: break;
    }
    if (auto since = pings_.over_since(); since && !pings_timer_) {
        auto due = std::chrono::ceil<std::chrono::milliseconds>(*since + pings_.limits().grace - now);
        pings_timer_ = loop_.after(std::max(due, std::chrono::milliseconds(1)), [this] {
            pings_timer_ = 0;
            act_on_pings();
        });
    }
}

template <class Endpoint>
void ClientImpl<Endpoint>::close_for_pings() {
    if (!open_ || closing_) return;
    const auto& limits = pings_.limits();
    record_failure(ExitCode::abnormal_close,
                   pings_.over_hard_cap()
                       ? fmt::format("the server sent pings faster than its answers could be written (over {} "
                                     "unanswered); closed with 1008",
                                     limits.hard_cap / frame_overhead)
                       : fmt::format("the server kept sending pings but read none of the answers for {:g} s; "
                                     "closed with 1008",
                                     std::chrono::duration<double>(limits.grace).count()));
    failed_here_ = true;
    closed_by_us_ = true;
    closing_ = true;
    paused_for_pings_ = true;
    // The handshake timeout makes websocketpp's local code 1006: keep ours.
    failed_code_ = wpp::close::status::policy_violation;
    failed_reason_ = "too many pings left unanswered";
    con_->set_close_handshake_timeout(close_linger.count());
    wpp::lib::error_code ec;
    con_->close(wpp::close::status::policy_violation, failed_reason_, ec);
}

template <class Endpoint>
void ClientImpl<Endpoint>::emit_control(EventType type, std::string data) {
    Event e;
    e.type = type;
    e.message.opcode = type == EventType::ping ? Opcode::ping : Opcode::pong;
    e.message.payload = std::move(data);
    deliver_read(e);
}

// This file's members, for both endpoints (see client_impl.hpp).
template void ClientImpl<PlainClient>::schedule_ping();
template void ClientImpl<PlainClient>::on_pong_timeout();
template void ClientImpl<PlainClient>::send_pong(const std::string& payload);
template void ClientImpl<PlainClient>::on_write_done();
template void ClientImpl<PlainClient>::act_on_pings();
template void ClientImpl<PlainClient>::close_for_pings();
template void ClientImpl<PlainClient>::emit_control(EventType type, std::string data);
template void ClientImpl<TlsClient>::schedule_ping();
template void ClientImpl<TlsClient>::on_pong_timeout();
template void ClientImpl<TlsClient>::send_pong(const std::string& payload);
template void ClientImpl<TlsClient>::on_write_done();
template void ClientImpl<TlsClient>::act_on_pings();
template void ClientImpl<TlsClient>::close_for_pings();
template void ClientImpl<TlsClient>::emit_control(EventType type, std::string data);

}  // namespace wskit::detail
