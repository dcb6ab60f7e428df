// Message types and managers of the client and the server: how
// websocketpp's frames are allocated, and when a close frame ends the
// connection.
// Part of the websocketpp layer: included through wspp.hpp only.
#pragma once

#include "net/mask_keys.hpp"
#include "net/wspp/handoff.hpp"

#include <wskit/compression.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>

namespace wskit::detail {

// True for a close frame with a code websocketpp fails a connection with
// (1002, 1007, 1008, 1009, 1011); websocketpp fills in the header and payload
// first. A client's frame is masked: the key follows the two-byte header (a
// close payload is at most 125 bytes).
inline bool is_error_close_frame(websocketpp::frame::opcode::value opcode, const std::string& header,
                                 const std::string& payload) {
    if (opcode != websocketpp::frame::opcode::close || payload.size() < 2 || header.size() < 2) return false;
    auto byte = [](const std::string& s, std::size_t i) { return static_cast<unsigned char>(s[i]); };
    bool masked = byte(header, 1) & 0x80;
    if (masked && header.size() < 6) return false;
    int high = byte(payload, 0) ^ (masked ? byte(header, 2) : 0);
    int low = byte(payload, 1) ^ (masked ? byte(header, 3) : 0);
    return websocketpp::close::status::terminal(static_cast<websocketpp::close::status::value>(high << 8 | low));
}

class ClientMessage;

// The client's message manager. It can refuse outgoing buffers after the
// client has sent its own close frame: websocketpp would otherwise answer the
// server's close with a second close frame, and it drops data frames that
// arrive while it is closing, which would lose the last messages of a
// pipeline. See Client's close().
template <class Message>
class ClientMessageManager : public std::enable_shared_from_this<ClientMessageManager<Message>>, public DeflateSetting {
public:
    using type = ClientMessageManager;
    using ptr = std::shared_ptr<ClientMessageManager>;
    using weak_ptr = std::weak_ptr<ClientMessageManager>;
    using message_ptr = std::shared_ptr<ClientMessage>;

    // The connection creates its manager in its constructor; the client
    // takes it right after get_connection() (hook 8 in net/wspp/README.md).
    ClientMessageManager() { handoff().give(this); }
    ~ClientMessageManager() { handoff().withdraw(this); }
    static Handoff<ClientMessageManager>& handoff() { return Handoff<ClientMessageManager>::on_this_thread("the client connection's message manager"); }

    // Outgoing messages (data, ping, pong, close) come from here.
    message_ptr get_message();
    // Incoming messages, and messages the client prepares itself.
    message_ptr get_message(websocketpp::frame::opcode::value op, size_t size);
    bool recycle(Message*) { return false; }

    bool outgoing_closed = false;  // hook 9 in net/wspp/README.md
    // Called when websocketpp prepares a close frame that fails the
    // connection (see ClientMessage), before it is queued.
    std::function<void()> on_error_close;
    // Called for every outgoing message websocketpp allocates, before it
    // fills it in. websocketpp sets the connection's local close code just
    // before it allocates a close frame: the client looks at it here to learn
    // whether its first close frame answers the server's (see Client; hook
    // 10 in net/wspp/README.md).
    std::function<void()> before_outgoing;
};

// The client's messages. Like the server's (see ServerMessage), a close frame
// that fails the connection is not "terminal": websocketpp would drop the
// TCP connection as soon as it is written, with the rest of an oversized
// message still unread, and the kernel's reset would keep the server from
// ever reading the 1009. The manager's on_error_close hook lets the client
// read and discard what still arrives until the server closes.
class ClientMessage : public websocketpp::message_buffer::message<ClientMessageManager> {
public:
    using message::message;
    using ptr = std::shared_ptr<ClientMessage>;
    // Hook 11 in net/wspp/README.md: websocketpp calls set_terminal by name on
    // its config's message type.
    static_assert(std::is_same_v<decltype(&message::set_terminal), void (message::*)(bool)>,
                  "websocketpp's message::set_terminal changed: see hook 11 in net/wspp/README.md");
    void set_terminal(bool value) {
        if (value && is_error_close_frame(get_opcode(), get_header(), get_payload())) {
            if (error_close_hook && *error_close_hook) (*error_close_hook)();
            return;
        }
        message::set_terminal(value);
    }

    const std::function<void()>* error_close_hook = nullptr;  // the manager's, which outlives it
};

template <class Message>
typename ClientMessageManager<Message>::message_ptr ClientMessageManager<Message>::get_message() {
    if (before_outgoing) before_outgoing();
    if (outgoing_closed) return {};
    auto msg = std::make_shared<ClientMessage>(this->shared_from_this());
    msg->error_close_hook = &on_error_close;
    return msg;
}

template <class Message>
typename ClientMessageManager<Message>::message_ptr ClientMessageManager<Message>::get_message(
    websocketpp::frame::opcode::value op, size_t size) {
    return std::make_shared<ClientMessage>(this->shared_from_this(), op, size);
}

// The server's messages. websocketpp marks the close frame it sends for a
// protocol error (1002, 1007, 1008, 1009, 1011) "terminal" and drops the TCP
// connection as soon as it is written, with the peer's unread data still
// queued: the kernel then answers with a reset, and a peer that has not read
// the close frame yet (a large oversized message is still arriving) sees 1006
// instead of the code. For those codes the mark is ignored, which keeps the
// connection until the close handshake timeout and gives the peer time to
// read the close frame. Other terminal frames (the answer to a peer's normal
// close) still end the connection at once.
// The connection then ends on its close handshake timeout, which makes
// websocketpp report 1006 as the local close code: the code and reason that
// were sent are kept here (one per connection, in its message manager) for
// the server's close event.
struct ErrorCloseRecord {
    int code = 0;  // 0: no error close was sent
    std::string reason;
};

class ServerMessage;
class ServerMessagePool;

template <class Message>
class ServerMessageManager : public std::enable_shared_from_this<ServerMessageManager<Message>>,
                             public ErrorCloseRecord,
                             public DeflateSetting {
public:

    using type = ServerMessageManager;
    using ptr = std::shared_ptr<ServerMessageManager>;
    using weak_ptr = std::weak_ptr<ServerMessageManager>;
    using message_ptr = std::shared_ptr<ServerMessage>;

    // The connection creates its manager in its constructor; the server
    // takes it right after get_connection() (hook 12 in net/wspp/README.md),
    // and the transport takes its DeflateSetting (hook 15).
    ServerMessageManager() {
        handoff().give(this);
        DeflateSetting::handoff().give(this);
    }
    ~ServerMessageManager() {
        handoff().withdraw(this);
        DeflateSetting::handoff().withdraw(this);
    }
    static Handoff<ServerMessageManager>& handoff() { return Handoff<ServerMessageManager>::on_this_thread("the server connection's message manager"); }

    // Both from the endpoint's pool (message_pool.hpp, hook 40 in
    // net/wspp/README.md).
    message_ptr get_message();
    message_ptr get_message(websocketpp::frame::opcode::value op, size_t size);
    bool recycle(Message*) { return false; }

    ServerMessagePool* pool = nullptr;  // set by the transport (hook 15)
};

class ServerMessage : public websocketpp::message_buffer::message<ServerMessageManager> {
public:
    using message::message;
    using ptr = std::shared_ptr<ServerMessage>;
    // Hook 13 in net/wspp/README.md, as hook 11.
    static_assert(std::is_same_v<decltype(&message::set_terminal), void (message::*)(bool)>,
                  "websocketpp's message::set_terminal changed: see hook 13 in net/wspp/README.md");
    void set_terminal(bool value) {
        bool error_close = value && is_error_close_frame(get_opcode(), get_header(), get_payload());
        if (error_close && record) {
            const auto& p = get_payload();
            record->code = static_cast<unsigned char>(p[0]) << 8 | static_cast<unsigned char>(p[1]);
            record->reason = p.substr(2);
        }
        message::set_terminal(value && !error_close);
    }

    ErrorCloseRecord* record = nullptr;  // the connection's manager, which outlives it
    // A prepared frame's permessage-deflate forms, made the first time a
    // connection that agreed to compression is sent it: one per window size
    // (index: the client's server_max_window_bits less min_window_bits),
    // shared by every such receiver, so a broadcast is compressed once, not
    // once per receiver. Allocated then: a message nobody compresses carries
    // one null pointer, not sixteen to clear and free (13 % of an echo's
    // instructions at 32 B).
    using DeflatedForms = std::array<std::shared_ptr<ServerMessage>, max_window_bits - min_window_bits + 1>;
    std::unique_ptr<DeflatedForms> deflated;
};

}  // namespace wskit::detail
