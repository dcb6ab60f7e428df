// The only header that includes websocketpp and Asio. Included by the few
// *_impl.cpp files; everything else in the library stays plain C++.
#pragma once

#include <websocketpp/client.hpp>
#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/config/asio.hpp>
#include <websocketpp/config/asio_client.hpp>
#include <websocketpp/server.hpp>

#include <asio/ssl.hpp>

#include <wskit/encoding.hpp>
#include <wskit/event.hpp>
#include <wskit/loop.hpp>
#include <wskit/message.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <iostream>
#include <map>
#include <type_traits>
#include <vector>

namespace wskit::detail {

// The client's message manager. It can refuse outgoing buffers after the
// client has sent its own close frame: websocketpp would otherwise answer the
// server's close with a second close frame, and it drops data frames that
// arrive while it is closing, which would lose the last messages of a
// pipeline. See Client's close().
template <class Message>
class ClientMessageManager : public std::enable_shared_from_this<ClientMessageManager<Message>> {
public:
    using type = ClientMessageManager;
    using ptr = std::shared_ptr<ClientMessageManager>;
    using weak_ptr = std::weak_ptr<ClientMessageManager>;
    using message_ptr = typename Message::ptr;

    // The connection creates its manager in its constructor; the client picks
    // it up right after get_connection() (one loop thread, so no race).
    ClientMessageManager() { latest() = this; }
    static ClientMessageManager*& latest() {
        static thread_local ClientMessageManager* last = nullptr;
        return last;
    }

    // Outgoing messages (data, ping, pong, close) come from here.
    message_ptr get_message() {
        if (outgoing_closed) return {};
        return std::make_shared<Message>(this->shared_from_this());
    }
    // Incoming messages, and messages the client prepares itself.
    message_ptr get_message(websocketpp::frame::opcode::value op, size_t size) {
        return std::make_shared<Message>(this->shared_from_this(), op, size);
    }
    bool recycle(Message*) { return false; }

    bool outgoing_closed = false;
};

// Masking keys from OpenSSL's CSPRNG, fetched 1 KiB at a time. std::random_device
// (websocketpp's default) runs RDSEED for every frame, which on virtual
// machines costs tens of microseconds: it made piping a million lines 15x slower.
class MaskKeyGenerator {
public:
    using result_type = std::uint32_t;
    std::uint32_t operator()() {
        if (next_ == keys_.size()) refill();
        return keys_[next_++];
    }

private:
    void refill();
    std::array<std::uint32_t, 256> keys_{};
    std::size_t next_ = keys_.size();
};

// The server's messages. websocketpp marks the close frame it sends for a
// protocol error (1002, 1007, 1008, 1009, 1011) "terminal" and drops the TCP
// connection as soon as it is written, with the peer's unread data still
// queued: the kernel then answers with a reset, and a peer that has not read
// the close frame yet (a large oversized message is still arriving) sees 1006
// instead of the code. For those codes the mark is ignored, which keeps the
// connection until the close handshake timeout and gives the peer time to
// read the close frame. Other terminal frames (the answer to a peer's normal
// close) still end the connection at once.
class ServerMessage;

template <class Message>
class ServerMessageManager : public std::enable_shared_from_this<ServerMessageManager<Message>> {
public:
    using type = ServerMessageManager;
    using ptr = std::shared_ptr<ServerMessageManager>;
    using weak_ptr = std::weak_ptr<ServerMessageManager>;
    using message_ptr = std::shared_ptr<ServerMessage>;

    message_ptr get_message() { return std::make_shared<ServerMessage>(this->shared_from_this()); }
    message_ptr get_message(websocketpp::frame::opcode::value op, size_t size) {
        return std::make_shared<ServerMessage>(this->shared_from_this(), op, size);
    }
    bool recycle(Message*) { return false; }
};

class ServerMessage : public websocketpp::message_buffer::message<ServerMessageManager> {
public:
    using message::message;
    using ptr = std::shared_ptr<ServerMessage>;
    void set_terminal(bool value) { message::set_terminal(value && !is_error_close()); }

private:
    // websocketpp fills in a close frame's payload before marking it.
    bool is_error_close() {
        if (get_opcode() != websocketpp::frame::opcode::close) return false;
        const auto& p = get_payload();
        if (p.size() < 2) return false;
        int code = static_cast<unsigned char>(p[0]) << 8 | static_cast<unsigned char>(p[1]);
        return websocketpp::close::status::terminal(static_cast<websocketpp::close::status::value>(code));
    }
};

// websocketpp picks its protocol processor from Sec-WebSocket-Version before
// any handler runs: it answers an unknown version with "0,7,8,13", and takes a
// request without the header as the 2010 draft (hybi00), failing it with a
// 500. A server here speaks RFC 6455 only, so this request type hands
// websocketpp version 13 and keeps what the client sent in another header,
// for the validate handler to answer 426 with "Sec-WebSocket-Version: 13".
class StrictVersionRequest : public websocketpp::http::parser::request {
public:
    static constexpr const char* received_version_header = "X-Wskit-Received-Version";

    size_t consume(char const* buf, size_t len) {
        size_t used = request::consume(buf, len);
        if (ready() && !checked_) {
            checked_ = true;
            const auto& version = get_header("Sec-WebSocket-Version");
            if (version != "13" && !get_header("Upgrade").empty()) {
                replace_header(received_version_header, version.empty() ? "none" : version);
                replace_header("Sec-WebSocket-Version", "13");
            }
        }
        return used;
    }

private:
    bool checked_ = false;
};

// websocketpp's client gives up on a non-101 response as soon as its headers
// are in, keeping only the part of the body that came in the same read. This
// response type reports the headers ready only once such a response's body
// (by Content-Length, at most max_body bytes) is complete, so that -v can
// show it whole.
class CompleteBodyResponse : public websocketpp::http::parser::response {
public:
    static constexpr std::size_t max_body = 64 * 1024;

    bool headers_ready() const {
        if (!response::headers_ready()) return false;
        if (get_status_code() == websocketpp::http::status_code::switching_protocols) return true;
        return ready() || get_body().size() >= max_body;
    }
};

// The server's transport connection: websocketpp's Asio connection, plus what
// backpressure needs and websocketpp does not offer. websocketpp calls
// transport_con_type::async_write and async_read_at_least by name, so these
// overrides see every batch of frames and every read:
// - Unsent bytes. websocketpp's get_buffered_amount() counts only the payloads
//   still queued: a batch handed to the socket leaves the count at once though
//   it stays in memory until the peer reads it, and empty frames count nothing.
//   The batch in flight is counted here, and its completion is the
//   write-complete signal websocketpp lacks (a polling timer would only guess
//   when to resume).
// - Holding reads. websocketpp's pause_reading() takes effect one posted
//   handler later (after the read loop has already asked for more), and its
//   resume_reading() starts a read even when one is still pending, which would
//   run two reads into one buffer. Here a held read is kept, not issued, and
//   issued when reads are released: never two at once.
template <class config>
class ServerTransportConnection : public websocketpp::transport::asio::connection<config> {
    using base = websocketpp::transport::asio::connection<config>;

public:
    using base::base;
    using base::async_write;

    void async_write(std::vector<websocketpp::transport::buffer> const& bufs,
                     websocketpp::transport::write_handler handler) {
        in_flight_frames = bufs.size() / 2;  // a header and a payload each
        queued_frames -= std::min(queued_frames, in_flight_frames);
        in_flight_bytes = 0;
        for (const auto& b : bufs) in_flight_bytes += b.len;
        // base binds the connection's shared_ptr into the completion, so
        // `this` outlives it.
        base::async_write(bufs, [this, handler = std::move(handler)](const std::error_code& ec) {
            in_flight_bytes = 0;
            in_flight_frames = 0;
            handler(ec);
            if (on_write_done) on_write_done();
        });
    }

    void async_read_at_least(size_t num_bytes, char* buf, size_t len, websocketpp::transport::read_handler handler) {
        if (reads_held_) {
            held_read_ = [this, num_bytes, buf, len, handler = std::move(handler)]() mutable {
                base::async_read_at_least(num_bytes, buf, len, std::move(handler));
            };
            return;
        }
        base::async_read_at_least(num_bytes, buf, len, std::move(handler));
    }

    // The peer's bytes then wait in the kernel, and TCP slows the sender.
    void hold_reads() { reads_held_ = true; }
    void release_reads() {
        reads_held_ = false;
        if (!held_read_) return;
        auto read = std::move(held_read_);
        held_read_ = nullptr;
        read();
    }

    // After the close handshake, a TLS connection's teardown waits for the
    // peer's close_notify, which asio's shutdown does not get while
    // websocketpp still has a read pending on the stream: it sat out the
    // whole 5 s shutdown timeout, and the connection (and a --max-clients
    // slot) stayed taken that long. Cancelling the pending read first lets
    // the shutdown read the peer's answer (or its EOF) itself.
    void async_shutdown(websocketpp::transport::shutdown_handler callback) {
        held_read_ = nullptr;
        if constexpr (std::is_same_v<typename config::socket_type, websocketpp::transport::asio::tls_socket::endpoint>) {
            std::error_code ignored;
            this->get_raw_socket().cancel(ignored);
        }
        base::async_shutdown(std::move(callback));
    }

    std::size_t queued_frames = 0;    // counted by the server as it queues them
    std::size_t in_flight_frames = 0;
    std::size_t in_flight_bytes = 0;  // headers and payloads
    std::function<void()> on_write_done;

private:
    bool reads_held_ = false;
    std::function<void()> held_read_;
};

template <class config>
struct ServerTransport : websocketpp::transport::asio::endpoint<config> {
    using transport_con_type = ServerTransportConnection<config>;
};

// Per-connection data kept in the connection object itself (websocketpp's
// config::connection_base), so that handlers set once on the endpoint know
// which connection they serve without a lookup.
struct ConnectionData {
    std::uint64_t wskit_id = 0;
};

using Concurrency = websocketpp::concurrency::none;
using AccessLog = websocketpp::log::basic<Concurrency, websocketpp::log::alevel>;

// websocketpp reports a proxy's refusal (status and reason) only in its error
// log; this log keeps it, so that the error message can say "407 Proxy
// Authentication Required" whatever the log channels.
class ErrorLog : public websocketpp::log::basic<Concurrency, websocketpp::log::elevel> {
public:
    using basic::basic;
    void write(websocketpp::log::level channel, std::string const& msg) {
        static const std::string proxy_prefix = "Proxy connection error: ";
        if (msg.compare(0, proxy_prefix.size(), proxy_prefix) == 0) proxy_answer = msg.substr(proxy_prefix.size());
        basic::write(channel, msg);
    }
    void write(websocketpp::log::level channel, char const* msg) { basic::write(channel, msg); }

    std::string proxy_answer;  // "407 (Proxy Authentication Required)"
};

// One config for every endpoint, varied only by role and socket (plain/TLS):
// one io thread per endpoint, so no locks (concurrency::none); a 64 KiB read
// buffer, which measured best for both small and large messages.
template <class Core, class SocketEndpoint, template <class> class MessageManager,
          class Message = websocketpp::message_buffer::message<MessageManager>,
          class Request = websocketpp::http::parser::request,
          class Response = websocketpp::http::parser::response,
          template <class> class Transport = websocketpp::transport::asio::endpoint>
struct Config : Core {
    using type = Config;
    using base = Core;
    using concurrency_type = Concurrency;
    using request_type = Request;
    using response_type = Response;
    using connection_base = ConnectionData;
    using message_type = Message;
    using con_msg_manager_type = MessageManager<websocketpp::message_buffer::message<MessageManager>>;
    using endpoint_msg_manager_type = websocketpp::message_buffer::alloc::endpoint_msg_manager<con_msg_manager_type>;
    using alog_type = AccessLog;
    using elog_type = ErrorLog;
    using rng_type = MaskKeyGenerator;
    static const bool enable_multithreading = false;
    static const size_t connection_read_buffer_size = 65536;

    struct transport_config : Core::transport_config {
        using concurrency_type = Concurrency;
        using alog_type = AccessLog;
        using elog_type = ErrorLog;
        using request_type = Request;
        using response_type = Response;
        using socket_type = SocketEndpoint;
        static const bool enable_multithreading = false;
    };
    using transport_type = Transport<transport_config>;
};

template <class Socket>
using ClientConfig = Config<websocketpp::config::core_client, Socket, ClientMessageManager,
                            websocketpp::message_buffer::message<ClientMessageManager>,
                            websocketpp::http::parser::request, CompleteBodyResponse>;
template <class Socket>
using ServerConfig = Config<websocketpp::config::core, Socket, ServerMessageManager, ServerMessage,
                            StrictVersionRequest, websocketpp::http::parser::response, ServerTransport>;
using PlainClientConfig = ClientConfig<websocketpp::transport::asio::basic_socket::endpoint>;
using TlsClientConfig = ClientConfig<websocketpp::transport::asio::tls_socket::endpoint>;
using PlainServerConfig = ServerConfig<websocketpp::transport::asio::basic_socket::endpoint>;
using TlsServerConfig = ServerConfig<websocketpp::transport::asio::tls_socket::endpoint>;

}  // namespace wskit::detail

// Two close codes in which websocketpp's RFC 6455 processor differs from the
// RFC, in both roles:
// - a 64-bit payload length must have its most significant bit clear (5.2);
//   websocketpp only sees a length over the message size limit, and closes with
//   1009 (message too big) where the frame is malformed: 1002.
// - a close frame's reason must be UTF-8 (5.5.1); websocketpp closes with 1002
//   where non-UTF-8 data is 1007 (7.4.1), as for text messages.
// Explicit specializations of two members of websocketpp's processor for
// wskit's own configs (the rest of it stays websocketpp's); each repeats
// websocketpp's checks and adds its own. They must be seen before anything
// instantiates a connection, which is why they live here.
namespace websocketpp::processor {
namespace wskit_strict {

inline lib::error_code check_extended_header(frame::basic_header h, frame::extended_header e) {
    std::uint8_t basic_size = frame::get_basic_size(h);
    std::uint64_t payload_size = frame::get_payload_size(h, e);
    if (basic_size == frame::payload_size_code_64bit && (payload_size >> 63))
        return make_error_code(error::protocol_violation);
    // websocketpp's checks
    if (basic_size == frame::payload_size_code_16bit && payload_size <= frame::limits::payload_size_basic)
        return make_error_code(error::non_minimal_encoding);
    if (basic_size == frame::payload_size_code_64bit && payload_size <= frame::limits::payload_size_extended)
        return make_error_code(error::non_minimal_encoding);
    if (sizeof(size_t) == 4 && (payload_size >> 32)) return make_error_code(error::requires_64bit);
    return {};
}

// A bad code is left to websocketpp, which answers it with 1002.
inline lib::error_code check_close_reason(const std::string& payload) {
    if (payload.size() <= 2) return {};
    lib::error_code ec;
    close::extract_code(payload, ec);
    if (ec) return {};
    if (!utf8_validator::validate(payload.substr(2))) return make_error_code(error::invalid_utf8);
    return {};
}

}  // namespace wskit_strict

#define WSKIT_STRICT_HYBI13(CONFIG)                                                                        \
    template <>                                                                                            \
    inline lib::error_code hybi13<CONFIG>::validate_incoming_extended_header(frame::basic_header h,       \
                                                                             frame::extended_header e)    \
        const {                                                                                            \
        return wskit_strict::check_extended_header(h, e);                                                  \
    }                                                                                                      \
    template <>                                                                                            \
    inline lib::error_code hybi13<CONFIG>::finalize_message() {                                            \
        std::string& out = m_current_msg->msg_ptr->get_raw_payload();                                      \
        if (m_permessage_deflate.is_enabled() && m_current_msg->msg_ptr->get_compressed()) {              \
            std::uint8_t trailer[4] = {0x00, 0x00, 0xff, 0xff};                                            \
            lib::error_code ec = m_permessage_deflate.decompress(trailer, 4, out);                         \
            if (ec) return ec;                                                                             \
        }                                                                                                  \
        auto op = frame::get_opcode(m_basic_header);                                                       \
        if (op == frame::opcode::TEXT && !m_current_msg->validator.complete())                             \
            return make_error_code(error::invalid_utf8);                                                   \
        if (op == frame::opcode::CLOSE) {                                                                  \
            if (auto ec = wskit_strict::check_close_reason(out)) return ec;                                \
        }                                                                                                  \
        m_state = READY;                                                                                   \
        return lib::error_code();                                                                          \
    }

WSKIT_STRICT_HYBI13(wskit::detail::PlainClientConfig)
WSKIT_STRICT_HYBI13(wskit::detail::TlsClientConfig)
WSKIT_STRICT_HYBI13(wskit::detail::PlainServerConfig)
WSKIT_STRICT_HYBI13(wskit::detail::TlsServerConfig)
#undef WSKIT_STRICT_HYBI13

}  // namespace websocketpp::processor

namespace wskit::detail {

using PlainClient = websocketpp::client<PlainClientConfig>;
using TlsClient = websocketpp::client<TlsClientConfig>;
using PlainServer = websocketpp::server<PlainServerConfig>;
using TlsServer = websocketpp::server<TlsServerConfig>;

using SslContextPtr = std::shared_ptr<asio::ssl::context>;

// websocketpp's logs are silent (its access log would write to stdout) unless
// -vv, which sends connection, frame and error diagnostics to stderr.
template <class Endpoint>
void configure_logging(Endpoint& endpoint, int verbosity) {
    namespace log = websocketpp::log;
    endpoint.clear_access_channels(log::alevel::all);
    endpoint.clear_error_channels(log::elevel::all);
    endpoint.get_alog().set_ostream(&std::cerr);
    endpoint.get_elog().set_ostream(&std::cerr);
    if (verbosity >= 2) {
        endpoint.set_access_channels(log::alevel::connect | log::alevel::disconnect | log::alevel::frame_header |
                                     log::alevel::control | log::alevel::fail);
        endpoint.set_error_channels(log::elevel::all);
    }
}

// websocketpp fails a connection itself, with one of these codes, when the
// peer breaks the protocol or sends too much.
inline bool failed_by_library(int local_close_code) {
    namespace status = websocketpp::close::status;
    return local_close_code == status::protocol_error || local_close_code == status::invalid_payload ||
           local_close_code == status::message_too_big || local_close_code == status::internal_endpoint_error;
}

// The close event of a connection that has closed: the code and reason we
// failed it with when `failed_here`, the peer's otherwise.
template <class Connection>
Event close_event(const Connection& con, bool failed_here) {
    Event e;
    e.type = EventType::close;
    e.code = failed_here ? con.get_local_close_code() : con.get_remote_close_code();
    e.reason = failed_here ? con.get_local_close_reason() : con.get_remote_close_reason();
    e.clean = con.get_remote_close_code() != websocketpp::close::status::abnormal_close;
    return e;
}

// RFC 6455 8.1: a text message must end on a whole character. websocketpp
// checks every fragment but, for a fragmented message, not that the last one
// completes its character; this fails such a message with 1007. Returns true
// when the message was rejected.
template <class Connection, class MessagePtr>
bool reject_truncated_text(Connection& con, const MessagePtr& msg) {
    if (msg->get_opcode() != websocketpp::frame::opcode::text || !ends_mid_character(msg->get_payload()))
        return false;
    std::error_code ec;
    con.close(websocketpp::close::status::invalid_payload, "Invalid UTF-8", ec);
    return true;
}

// Sends a message of any opcode on a connection; a close sends 1000 with the
// payload as its reason.
template <class Connection>
std::error_code send_message(Connection& con, const Message& m) {
    namespace op = websocketpp::frame::opcode;
    std::error_code ec;
    switch (m.opcode) {
        case Opcode::text: return con.send(m.payload, op::text);
        case Opcode::binary: return con.send(m.payload, op::binary);
        case Opcode::ping: con.ping(m.payload, ec); return ec;
        case Opcode::pong: con.pong(m.payload, ec); return ec;
        case Opcode::close: con.close(websocketpp::close::status::normal, m.payload, ec); return ec;
    }
    return ec;
}

}  // namespace wskit::detail

namespace wskit {

struct EventLoop::Impl {
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    std::map<TimerId, std::unique_ptr<asio::steady_timer>> timers;
    TimerId next_timer = 1;
    std::unique_ptr<asio::signal_set> signals;
    std::function<void(int)> on_signal;
    void wait_signal();
};

}  // namespace wskit
