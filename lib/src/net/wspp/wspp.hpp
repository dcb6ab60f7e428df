// The only header that includes websocketpp and Asio (with its parts in
// wspp/, which need these includes first). Included by the few *_impl.cpp
// files; everything else in the library stays plain C++.
// Every place where wskit changes websocketpp's behaviour is a hook listed in
// net/wspp/README.md.
#pragma once

#include <websocketpp/client.hpp>
#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/config/asio.hpp>
#include <websocketpp/config/asio_client.hpp>
#include <websocketpp/server.hpp>
#include <websocketpp/version.hpp>

// Each hook relies on what 0.8.2 does; another version may do it otherwise.
// Checked before the parts below, whose own checks would fail less clearly.
static_assert(websocketpp::major_version == 0 && websocketpp::minor_version == 8 && websocketpp::patch_version == 2,
              "wskit's hooks into websocketpp are written for 0.8.2: go through lib/src/net/wspp/README.md, hook by "
              "hook, before changing this");

#include <asio/ssl.hpp>

#include "net/diagnostic_stream.hpp"
#include "net/wspp/client_transport.hpp"
#include "net/wspp/deflate_extension.hpp"
#include "net/wspp/http.hpp"
#include "net/wspp/messages.hpp"
#include "net/wspp/message_pool.hpp"
#include "net/wspp/server_transport.hpp"
#include "net/loop_impl.hpp"

#include <wskit/encoding.hpp>
#include <wskit/event.hpp>
#include <wskit/loop.hpp>
#include <wskit/message.hpp>

#include <cstdint>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <type_traits>

namespace wskit::detail {

// Per-connection data kept in the connection object itself (websocketpp's
// config::connection_base), so that handlers set once on the endpoint know
// which connection they serve without a lookup.
struct ConnectionData {
    std::uint64_t wskit_id = 0;
    ErrorCloseRecord* error_close = nullptr;  // a server connection's (see ServerMessage)
    bool compressed = false;  // permessage-deflate was agreed: messages go through the compressor
};

using Concurrency = websocketpp::concurrency::none;
using AccessLog = websocketpp::log::basic<Concurrency, websocketpp::log::alevel>;

// websocketpp's error log. Kept as its own type so that a client can drop
// what is not an error: after a close handshake that wskit runs itself (see
// Client's close()), websocketpp still logs the server's end of the TCP
// connection as "End of File". Hook 28 in net/wspp/README.md.
class ErrorLog : public websocketpp::log::basic<Concurrency, websocketpp::log::elevel> {
    using WriteString = void (basic::*)(websocketpp::log::level, std::string const&);
    using WriteChars = void (basic::*)(websocketpp::log::level, char const*);
    // write is overloaded: a cast that finds no such overload fails to compile.
    static_assert(std::is_same_v<decltype(static_cast<WriteString>(&basic::write)), WriteString> &&
                  std::is_same_v<decltype(static_cast<WriteChars>(&basic::write)), WriteChars>);

public:
    using basic::basic;
    void write(websocketpp::log::level channel, std::string const& msg) {
        if (expect_eof && msg.find("End of File") != std::string::npos) return;
        basic::write(channel, msg);
    }
    void write(websocketpp::log::level channel, char const* msg) { write(channel, std::string(msg)); }

    bool expect_eof = false;  // set once the close handshake has been completed
};

// One config for every endpoint, varied only by role, socket (plain/TLS) and
// transport (the client's connects through Connector): one io thread per
// endpoint, so no locks (concurrency::none). The read buffer lives inside
// websocketpp's connection object: 64 KiB measured best for both small and
// large messages, and a plain server reads into a buffer of its endpoint
// instead (ServerReads, hook 39 in net/wspp/README.md), so that its
// connections hold 1 KiB each.
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
    // Present in every endpoint, negotiated only with --compress (see
    // DeflateExtension): one endpoint type whether compression is on or off.
    using permessage_deflate_type = DeflateExtension;
    static const bool enable_multithreading = false;
    static constexpr bool staged_reads = std::is_same_v<Core, websocketpp::config::core> &&
                                         std::is_same_v<SocketEndpoint, websocketpp::transport::asio::basic_socket::endpoint>;
    // 1 KiB: a 64 KiB binary echo took as many instructions as with 64 KiB
    // and no staging (fewer, larger reads make up for the pieces); 256
    // bytes took twice as many.
    static const size_t connection_read_buffer_size = staged_reads ? 1024 : 65536;

    struct transport_config : Core::transport_config {
        // A client's whole opening is bounded by --connect-timeout, with a
        // timer of its own (websocketpp's are fixed at compile time, 5 s):
        // these only keep a forgotten operation from living forever (hook
        // 34 in net/wspp/README.md).
        static constexpr bool is_client = std::is_same_v<Core, websocketpp::config::core_client>;
        static const long client_backstop = 24L * 3600 * 1000;
        static const long timeout_dns_resolve = is_client ? client_backstop : Core::transport_config::timeout_dns_resolve;
        static const long timeout_connect = is_client ? client_backstop : Core::transport_config::timeout_connect;
        static const long timeout_proxy = is_client ? client_backstop : Core::transport_config::timeout_proxy;
        static const long timeout_socket_post_init =
            is_client ? client_backstop : Core::transport_config::timeout_socket_post_init;
        using concurrency_type = Concurrency;
        using message_manager_type = con_msg_manager_type;  // the server's transport reaches it (hook 15)
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
using ClientConfig = Config<websocketpp::config::core_client, Socket, ClientMessageManager, ClientMessage,
                            PinnedRequest, CompleteBodyResponse, ClientTransport>;
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
// And permessage-deflate (RFC 7692): RSV1 on a continuation frame is 1002,
// what the end of a compressed message inflates to is UTF-8 checked too, and
// extension negotiation is wskit's (compression.hpp) in both roles.
// Explicit specializations of four members of websocketpp's processor for
// wskit's own configs (the rest of it stays websocketpp's); each repeats
// websocketpp's checks and adds its own (hooks 17 to 20 in
// net/wspp/README.md, which says where in websocketpp each copy comes from).
// They must be seen before anything instantiates a connection, which is why
// they live here.
namespace websocketpp::processor {
namespace wskit_strict {

inline lib::error_code check_extended_header(frame::basic_header h, frame::extended_header e) {
    std::uint8_t basic_size = frame::get_basic_size(h);
    std::uint64_t payload_size = frame::get_payload_size(h, e);
    // RFC 7692 6.1: RSV1 marks a message's first frame only. websocketpp
    // lets it through on a continuation frame once compression is on.
    if (frame::get_rsv1(h) && frame::get_opcode(h) == frame::opcode::continuation)
        return make_error_code(error::invalid_rsv_bit);
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

using NegotiationResult = std::pair<lib::error_code, std::string>;

// The server's side: with --compress, the first offer it can meet (RFC 7692
// 7.1); without, offers are not even parsed.
template <class Extension>
NegotiationResult negotiate_as_server(const wskit::detail::DeflateSetting& setting, const std::string& offers,
                                      Extension& extension, std::size_t max_message_size) {
    if (!setting.policy || offers.empty()) return {};
    auto params = wskit::choose_deflate(offers, *setting.policy);
    if (!params) return {};
    extension.enable(*params, true, max_message_size);
    return {lib::error_code(), wskit::format_response(*params)};
}

// The client's side: compression starts only on an answer that fits the
// offer; the client's open handler fails the connection (exit 5) on any
// other, with the reason.
template <class Extension>
NegotiationResult negotiate_as_client(const wskit::detail::DeflateSetting& setting, const std::string& answer,
                                      Extension& extension, std::size_t max_message_size) {
    if (!setting.offer || answer.empty()) return {};
    auto checked = wskit::check_deflate_answer(*setting.offer, answer);
    if (checked.params) extension.enable(*checked.params, false, max_message_size);
    return {};
}

// Unmasks `len` bytes in place, eight at a time, and returns the key as
// websocketpp's byte_mask_circ does (its loop goes byte by byte, and its
// comment leaves vector masking for later). prepared_key holds the 4-byte key twice (prepare_masking_key),
// so a word read from memory is masked by it as it is; memcpy keeps the
// loads and stores aligned for the language (hook 38 in net/wspp/README.md).
inline size_t unmask(uint8_t* buf, size_t len, size_t prepared_key) {
    static_assert(sizeof(size_t) == 8, "the prepared key holds the mask twice on 64-bit targets");
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, buf + i, 8);
        word ^= prepared_key;
        std::memcpy(buf + i, &word, 8);
    }
    unsigned char key[8];
    std::memcpy(key, &prepared_key, 8);
    for (size_t k = 0; i < len; ++i, ++k) buf[i] ^= key[k];
    return frame::circshift_prepared_key(prepared_key, len % 4);
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
    inline size_t hybi13<CONFIG>::process_payload_bytes(uint8_t* buf, size_t len, lib::error_code& ec) {  \
        if (frame::get_masked(m_basic_header))                                                             \
            m_current_msg->prepared_key = wskit_strict::unmask(buf, len, m_current_msg->prepared_key);     \
        std::string& out = m_current_msg->msg_ptr->get_raw_payload();                                      \
        size_t offset = out.size();                                                                        \
        if (m_permessage_deflate.is_enabled() && m_current_msg->msg_ptr->get_compressed()) {              \
            ec = m_permessage_deflate.decompress(buf, len, out);                                           \
            if (ec) return 0;                                                                              \
        } else {                                                                                           \
            out.append(reinterpret_cast<char*>(buf), len);                                                 \
        }                                                                                                  \
        if (m_current_msg->msg_ptr->get_opcode() == frame::opcode::TEXT &&                                 \
            !m_current_msg->validator.decode(out.begin() + offset, out.end())) {                           \
            ec = make_error_code(error::invalid_utf8);                                                     \
            return 0;                                                                                      \
        }                                                                                                  \
        m_bytes_needed -= len;                                                                             \
        return len;                                                                                        \
    }                                                                                                      \
    template <>                                                                                            \
    inline lib::error_code hybi13<CONFIG>::finalize_message() {                                            \
        std::string& out = m_current_msg->msg_ptr->get_raw_payload();                                      \
        if (m_permessage_deflate.is_enabled() && m_current_msg->msg_ptr->get_compressed()) {              \
            /* what the end of the stream inflates to is UTF-8 checked too */                              \
            auto offset = out.size();                                                                      \
            lib::error_code ec = m_permessage_deflate.finish_message(out);                                 \
            if (ec) return ec;                                                                             \
            if (m_current_msg->msg_ptr->get_opcode() == frame::opcode::TEXT &&                             \
                !m_current_msg->validator.decode(out.begin() + offset, out.end()))                         \
                return make_error_code(error::invalid_utf8);                                               \
        }                                                                                                  \
        auto op = frame::get_opcode(m_basic_header);                                                       \
        if (op == frame::opcode::TEXT && !m_current_msg->validator.complete())                             \
            return make_error_code(error::invalid_utf8);                                                   \
        if (op == frame::opcode::CLOSE) {                                                                  \
            if (auto ec = wskit_strict::check_close_reason(out)) return ec;                                \
        }                                                                                                  \
        m_state = READY;                                                                                   \
        return lib::error_code();                                                                          \
    }                                                                                                      \
    template <>                                                                                            \
    inline wskit_strict::NegotiationResult hybi13<CONFIG>::negotiate_extensions(request_type const& r) {  \
        return wskit_strict::negotiate_as_server(*m_msg_manager, r.get_header("Sec-WebSocket-Extensions"), \
                                                 m_permessage_deflate, base::m_max_message_size);          \
    }                                                                                                      \
    template <>                                                                                            \
    inline wskit_strict::NegotiationResult hybi13<CONFIG>::negotiate_extensions(response_type const& r) { \
        return wskit_strict::negotiate_as_client(*m_msg_manager, r.get_header("Sec-WebSocket-Extensions"), \
                                                 m_permessage_deflate, base::m_max_message_size);          \
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

// websocketpp takes every hook type from its config by name; a config member
// it no longer read would be ignored, silently, and its own default used. So:
// the types its endpoint, connection, transport and processor run on are
// wskit's (see net/wspp/README.md).
template <class Config, class Request, class Response, class Message, class Transport>
constexpr bool runs_on_hooks() {
    using Connection = websocketpp::connection<Config>;
    using Endpoint = websocketpp::endpoint<Connection, Config>;
    using TransportConnection = typename Transport::transport_con_type;
    using Processor = websocketpp::processor::hybi13<Config>;
    using Manager = typename Config::con_msg_manager_type;
    return std::is_base_of_v<Transport, Endpoint> && std::is_base_of_v<TransportConnection, Connection> &&
           std::is_same_v<typename Connection::request_type, Request> &&
           std::is_same_v<typename Connection::response_type, Response> &&
           std::is_same_v<typename Connection::message_type, Message> &&
           std::is_same_v<typename Connection::con_msg_manager_type, Manager> &&
           std::is_same_v<typename Manager::message_ptr, std::shared_ptr<Message>> &&
           std::is_same_v<typename Connection::elog_type, ErrorLog> &&
           std::is_same_v<typename TransportConnection::elog_type, ErrorLog> &&
           std::is_same_v<typename Connection::rng_type, MaskKeyGenerator> &&
           std::is_same_v<typename Processor::rng_type, MaskKeyGenerator> &&
           std::is_same_v<typename Processor::permessage_deflate_type, DeflateExtension>;
}
static_assert(runs_on_hooks<PlainClientConfig, PinnedRequest, CompleteBodyResponse, ClientMessage,
                            ClientTransport<PlainClientConfig::transport_config>>());
static_assert(runs_on_hooks<TlsClientConfig, PinnedRequest, CompleteBodyResponse, ClientMessage,
                            ClientTransport<TlsClientConfig::transport_config>>());
static_assert(runs_on_hooks<PlainServerConfig, StrictVersionRequest, websocketpp::http::parser::response,
                            ServerMessage, ServerTransport<PlainServerConfig::transport_config>>());
static_assert(runs_on_hooks<TlsServerConfig, StrictVersionRequest, websocketpp::http::parser::response,
                            ServerMessage, ServerTransport<TlsServerConfig::transport_config>>());
// Most of an idle connection's memory is this object. It was 5.2 KiB on
// websocketpp's Asio transport connection and is 3.0 KiB on wskit's (hook 41
// in net/wspp/README.md): a plain server back on websocketpp's fails here.
// (runs_on_hooks has instantiated the class already: no extra compile time.)
static_assert(sizeof(PlainServer::connection_type) <= 3584,
              "a plain server's connection object grew: see hook 41 in net/wspp/README.md");

using SslContextPtr = std::shared_ptr<asio::ssl::context>;

// websocketpp's logs are silent (its access log would write to stdout) unless
// -vv, which sends connection, frame and error diagnostics to the diagnostics
// sink (stderr) as traces. A
// client that traces frames itself (frames_traced) keeps only the error log.
template <class Endpoint>
void configure_logging(Endpoint& endpoint, int verbosity, bool frames_traced = false) {
    namespace log = websocketpp::log;
    endpoint.clear_access_channels(log::alevel::all);
    endpoint.clear_error_channels(log::elevel::all);
    endpoint.get_alog().set_ostream(&diagnostic_stream());
    endpoint.get_elog().set_ostream(&diagnostic_stream());
    if (verbosity >= 2) {
        if (!frames_traced)
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
// completes its character; this fails such a message with 1007 (hook 30 in
// net/wspp/README.md). Returns true when the message was rejected.
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
