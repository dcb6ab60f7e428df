// ClientImpl: reading, its pauses (pause_reading(), pings owed), and the
// drain after websocketpp failed a connection.
#include "net/client_impl.hpp"

namespace wskit::detail {

template <class Endpoint>
void ClientImpl<Endpoint>::resume_if_free() {
    if (!reading_paused_ || pause_wanted_ || paused_for_pings_) return;
    if (in_read_handler_) {
        loop_.post([this, alive = std::weak_ptr<bool>(alive_)] {
            if (!alive.expired()) resume_if_free();
        });
        return;
    }
    resume_now();
}

template <class Endpoint>
void ClientImpl<Endpoint>::resume_now() {
    if (!reading_paused_) return;
    reading_paused_ = false;
    if (open_) con_->handle_resume_reading();
}

template <class Endpoint>
void ClientImpl<Endpoint>::on_message(const message_ptr& msg) {
    in_read_handler_ = true;  // a close from here: websocketpp goes on reading
    bool rejected = reject_truncated_text(*con_, msg);
    in_read_handler_ = false;
    if (rejected) {
        failed_here_ = true;
        return;
    }
    Event e;
    e.type = EventType::message;
    e.message.opcode =
        msg->get_opcode() == wpp::frame::opcode::binary ? Opcode::binary : Opcode::text;
    e.message.payload = std::move(msg->get_raw_payload());
    deliver_read(e);
}

template <class Endpoint>
void ClientImpl<Endpoint>::deliver_read(Event& e) {
    in_read_handler_ = true;
    on_event_(e);
    in_read_handler_ = false;
    apply_pause();
}

template <class Endpoint>
void ClientImpl<Endpoint>::apply_pause() {
    if (!(pause_wanted_ || paused_for_pings_) || reading_paused_ || !open_) return;
    con_->handle_pause_reading();
    reading_paused_ = true;
}

template <class Endpoint>
void ClientImpl<Endpoint>::on_error_close() {
    if (draining_ || closed_by_us_ || in_read_handler_) return;
    draining_ = true;
    // websocketpp's linger timeout overwrites the code with 1006: keep ours.
    failed_code_ = con_->get_local_close_code();
    failed_reason_ = con_->get_local_close_reason();
    con_->set_close_handshake_timeout(close_linger.count());  // bounds the linger
    loop_.post([this, con = con_] { drain(con); });
}

template <class Endpoint>
void ClientImpl<Endpoint>::drain(const connection_ptr& con) {
    con->get_socket().async_read_some(
        asio::buffer(drain_buffer_), [this, con](const asio::error_code& ec, std::size_t) {
            if (!ec) return drain(con);
            // The server closed (or websocketpp's linger timer did).
            if (con->get_state() != wpp::session::state::closed) con->terminate(wpp::lib::error_code());
        });
}

// This file's members, for both endpoints (see client_impl.hpp).
template void ClientImpl<PlainClient>::resume_if_free();
template void ClientImpl<PlainClient>::resume_now();
template void ClientImpl<PlainClient>::on_message(const message_ptr& msg);
template void ClientImpl<PlainClient>::deliver_read(Event& e);
template void ClientImpl<PlainClient>::apply_pause();
template void ClientImpl<PlainClient>::on_error_close();
template void ClientImpl<PlainClient>::drain(const connection_ptr& con);
template void ClientImpl<TlsClient>::resume_if_free();
template void ClientImpl<TlsClient>::resume_now();
template void ClientImpl<TlsClient>::on_message(const message_ptr& msg);
template void ClientImpl<TlsClient>::deliver_read(Event& e);
template void ClientImpl<TlsClient>::apply_pause();
template void ClientImpl<TlsClient>::on_error_close();
template void ClientImpl<TlsClient>::drain(const connection_ptr& con);

}  // namespace wskit::detail
