// The only header that includes websocketpp and Asio. Included by the few
// *_impl.cpp files; everything else in the library stays plain C++.
#pragma once

#include <websocketpp/client.hpp>
#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/config/asio.hpp>
#include <websocketpp/config/asio_client.hpp>
#include <websocketpp/server.hpp>

#include <asio/ssl.hpp>

#include "frame_trace.hpp"
#include "socks5.hpp"

#include <wskit/encoding.hpp>
#include <wskit/event.hpp>
#include <wskit/loop.hpp>
#include <wskit/message.hpp>
#include <wskit/proxy.hpp>
#include <wskit/trace.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstdint>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <type_traits>
#include <vector>

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
class ClientMessageManager : public std::enable_shared_from_this<ClientMessageManager<Message>> {
public:
    using type = ClientMessageManager;
    using ptr = std::shared_ptr<ClientMessageManager>;
    using weak_ptr = std::weak_ptr<ClientMessageManager>;
    using message_ptr = std::shared_ptr<ClientMessage>;

    // The connection creates its manager in its constructor; the client picks
    // it up right after get_connection() (one loop thread, so no race).
    ClientMessageManager() { latest() = this; }
    static ClientMessageManager*& latest() {
        static thread_local ClientMessageManager* last = nullptr;
        return last;
    }

    // Outgoing messages (data, ping, pong, close) come from here.
    message_ptr get_message();
    // Incoming messages, and messages the client prepares itself.
    message_ptr get_message(websocketpp::frame::opcode::value op, size_t size);
    bool recycle(Message*) { return false; }

    bool outgoing_closed = false;
    // Called when websocketpp prepares a close frame that fails the
    // connection (see ClientMessage), before it is queued.
    std::function<void()> on_error_close;
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

// websocketpp writes the Host header from the URL just before sending the
// request, over any Host set earlier: an explicit one (--host, -H 'Host: x')
// is set once before that, so the first Host written wins here.
class PinnedHostRequest : public websocketpp::http::parser::request {
public:
    void replace_header(std::string const& key, std::string const& value) {
        if (key == "Host" && !get_header("Host").empty()) return;
        request::replace_header(key, value);
    }
};

// websocketpp's client gives up on a non-101 response as soon as its headers
// are in, keeping only the part of the body that came in the same read; and
// with "Content-Length: 0", or no length at all, it waits for one more read
// before it calls the head complete, which a server that keeps the
// connection open never sends (the connect timeout then fires). This
// response type reads the body of a non-101 answer by its framing (RFC 9112
// 6.3), at most max_body bytes, and reports the headers ready once it has
// it: at once when there is none (1xx, 204, 304, a zero length), at the last
// chunk of a chunked body, at the length, or, for a body delimited by the
// end of the connection, at EOF (websocketpp fails the connection then, with
// the status known) or at the first read after close_delimited_wait.
class CompleteBodyResponse : public websocketpp::http::parser::response {
public:
    static constexpr std::size_t max_body = 64 * 1024;
    static constexpr std::chrono::milliseconds close_delimited_wait{200};

    using response::consume;  // the istream overload, for a proxy's answer
    size_t consume(char const* buf, size_t len) {
        if (framing_ == Framing::unknown) {
            size_t used = response::consume(buf, len);
            if (!response::headers_ready()) return used;
            start_body();
            if (framing_ == Framing::upgrade) return used;
            // websocketpp kept the body bytes that fit its Content-Length.
            if (framing_ == Framing::length) {
                remaining_ -= std::min<unsigned long long>(remaining_, m_body.size());
                complete_ = remaining_ == 0;
            }
            return used + consume_body(buf + used, len - used);
        }
        if (framing_ == Framing::upgrade) return response::consume(buf, len);
        return consume_body(buf, len);
    }

    bool headers_ready() const {
        if (!response::headers_ready()) return false;
        // A proxy's answer to CONNECT is parsed by websocketpp's own
        // consume(istream), which never reaches the consume() above.
        if (framing_ == Framing::unknown)
            return get_status_code() == websocketpp::http::status_code::switching_protocols || ready() ||
                   m_body.size() >= max_body;
        if (framing_ == Framing::upgrade || complete_ || m_body.size() >= max_body) return true;
        return framing_ == Framing::until_close &&
               std::chrono::steady_clock::now() - head_done_ >= close_delimited_wait;
    }

private:
    enum class Framing { unknown, upgrade, none, length, chunked, until_close };
    enum class Chunk { size_line, data, data_end };

    static bool has_token(std::string value, std::string_view token) {
        for (auto& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return value.find(token) != std::string::npos;
    }

    void start_body() {
        head_done_ = std::chrono::steady_clock::now();
        int status = get_status_code();
        const auto& length = get_header("Content-Length");
        if (status == websocketpp::http::status_code::switching_protocols) {
            framing_ = Framing::upgrade;
        } else if ((status >= 100 && status < 200) || status == 204 || status == 304) {
            framing_ = Framing::none;
        } else if (has_token(get_header("Transfer-Encoding"), "chunked")) {
            framing_ = Framing::chunked;
        } else if (!length.empty()) {
            framing_ = Framing::length;
            remaining_ = std::strtoull(length.c_str(), nullptr, 10);  // websocketpp has parsed it already
        } else {
            framing_ = Framing::until_close;
        }
        complete_ = framing_ == Framing::none || (framing_ == Framing::length && remaining_ == 0);
    }

    // Takes every byte offered, so that websocketpp reads on; keeps at most
    // max_body of body.
    size_t consume_body(char const* buf, size_t len) {
        std::string_view in(buf, len);
        auto keep = [this](std::string_view bytes) {
            m_body.append(bytes.substr(0, max_body - std::min(max_body, m_body.size())));
        };
        while (!in.empty() && !complete_) {
            switch (framing_) {
                case Framing::length: {
                    auto n = static_cast<size_t>(std::min<unsigned long long>(remaining_, in.size()));
                    keep(in.substr(0, n));
                    remaining_ -= n;
                    in.remove_prefix(n);
                    complete_ = remaining_ == 0;
                    break;
                }
                case Framing::until_close:
                    keep(in);
                    in = {};
                    break;
                case Framing::chunked:
                    consume_chunked(in, keep);
                    break;
                default:
                    in = {};
                    break;
            }
        }
        return len;
    }

    template <class Keep>
    void consume_chunked(std::string_view& in, Keep& keep) {
        switch (chunk_) {
            case Chunk::size_line: {
                auto eol = in.find('\n');
                line_.append(in.substr(0, eol));
                if (line_.size() > 1024) {  // not a chunk size line
                    complete_ = true;
                    return;
                }
                if (eol == std::string_view::npos) {
                    in = {};
                    return;
                }
                in.remove_prefix(eol + 1);
                char* end = nullptr;
                remaining_ = std::strtoull(line_.c_str(), &end, 16);
                bool valid = end != line_.c_str();
                line_.clear();
                // The last chunk (size 0) ends the body; its trailer is not waited for.
                if (!valid || remaining_ == 0) complete_ = true;
                chunk_ = Chunk::data;
                return;
            }
            case Chunk::data: {
                auto n = static_cast<size_t>(std::min<unsigned long long>(remaining_, in.size()));
                keep(in.substr(0, n));
                remaining_ -= n;
                in.remove_prefix(n);
                if (remaining_ == 0) chunk_ = Chunk::data_end;
                return;
            }
            case Chunk::data_end: {  // the CRLF after a chunk's data
                auto eol = in.find('\n');
                if (eol == std::string_view::npos) {
                    in = {};
                    return;
                }
                in.remove_prefix(eol + 1);
                chunk_ = Chunk::size_line;
                return;
            }
        }
    }

    Framing framing_ = Framing::unknown;
    Chunk chunk_ = Chunk::size_line;
    bool complete_ = false;
    unsigned long long remaining_ = 0;  // body or chunk bytes still to come
    std::string line_;                  // a chunk size line being read
    std::chrono::steady_clock::time_point head_done_;
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

// websocketpp's error log. Kept as its own type so that a client can drop
// what is not an error: after a close handshake that wskit runs itself (see
// Client's close()), websocketpp still logs the server's end of the TCP
// connection as "End of File".
class ErrorLog : public websocketpp::log::basic<Concurrency, websocketpp::log::elevel> {
public:
    using basic::basic;
    void write(websocketpp::log::level channel, std::string const& msg) {
        if (expect_eof && msg.find("End of File") != std::string::npos) return;
        basic::write(channel, msg);
    }
    void write(websocketpp::log::level channel, char const* msg) { write(channel, std::string(msg)); }

    bool expect_eof = false;  // set once the close handshake has been completed
};

// Where a client's TCP connection goes and how: straight to the target, or
// to a proxy that opens a tunnel to it (HTTP CONNECT or SOCKS5).
struct Route {
    std::string host;                // the target, as in the URL
    std::uint16_t port = 0;
    std::optional<ProxySpec> proxy;  // none: direct
    std::string user_agent;          // sent to an HTTP proxy too
    std::chrono::milliseconds timeout{10000};  // resolution, TCP connect and tunnel together
};

// How the connection phase ended, for the client's error message.
struct ConnectOutcome {
    std::string tunnel_error;  // the proxy refused or broke the tunnel: the whole one-line message
    std::string remote;        // the address the TCP connection went to, "127.0.0.1:9000"
};

// Resolves, tries every address in turn, then opens the tunnel when there is
// a proxy, on the socket websocketpp will use; reports each step to `trace`.
// websocketpp's own connect tries the addresses silently and knows only HTTP
// CONNECT proxies, which it opens after its pre_init; doing all of it before
// websocketpp gets the socket keeps websocketpp's uri naming the target, so
// that the Host header, the TLS SNI and host verification name the target
// whatever the proxy. Defined in connector_impl.cpp.
class Connector : public std::enable_shared_from_this<Connector> {
public:
    using Done = std::function<void(std::error_code)>;
    Connector(asio::io_context& io, asio::ip::tcp::socket& socket, std::shared_ptr<void> keep_alive, Route route,
              TraceHandler trace, std::shared_ptr<ConnectOutcome> outcome, Done done);
    void start();

private:
    void on_resolved(std::error_code ec, asio::ip::tcp::resolver::results_type results);
    void try_next();
    void on_connected(std::error_code ec);
    void start_tunnel();
    void do_http_connect();
    void do_socks5(std::string address);
    void socks5_step(Socks5Handshake::Step step);
    void on_tunnel_broken(std::error_code ec);
    void finish(std::error_code ec, std::string tunnel_error = {});
    void note(std::string text, TraceLine::Kind kind = TraceLine::Kind::info);
    std::string target_authority() const;

    asio::io_context& io_;
    asio::ip::tcp::socket& socket_;
    std::shared_ptr<void> keep_alive_;  // the connection that owns socket_
    Route route_;
    TraceHandler trace_;
    std::shared_ptr<ConnectOutcome> outcome_;
    Done done_;
    asio::ip::tcp::resolver resolver_;
    asio::steady_timer deadline_;
    std::vector<asio::ip::tcp::endpoint> addresses_;
    std::size_t next_ = 0;
    std::error_code last_error_;
    std::string buffer_;
    std::unique_ptr<Socks5Handshake> socks_;
    bool timed_out_ = false;
    bool finished_ = false;
};

// The client's transport connection: websocketpp's, with a tap on every read
// and write that decodes the frames for -vv. websocketpp logs only the hex
// of the frame headers it writes, and nothing per frame it reads; every byte
// of both directions passes through these two calls, after TLS.
template <class config>
class TracedConnection : public websocketpp::transport::asio::connection<config> {
    using base = websocketpp::transport::asio::connection<config>;

public:
    using base::base;
    using read_handler = websocketpp::transport::read_handler;
    using write_handler = websocketpp::transport::write_handler;

    // Frames are traced from now on (the loop thread, before connecting).
    void set_frame_trace(TraceHandler trace) { frame_trace_ = std::move(trace); }

protected:
    void async_read_at_least(size_t num_bytes, char* buf, size_t len, read_handler handler) {
        if (!frame_trace_) return base::async_read_at_least(num_bytes, buf, len, std::move(handler));
        // The handler holds the connection, so `this` outlives the read.
        base::async_read_at_least(num_bytes, buf, len,
                                  [this, buf, handler = std::move(handler)](std::error_code const& ec, size_t n) {
                                      if (!ec) report(received_, TraceLine::Kind::received, {buf, n});
                                      handler(ec, n);
                                  });
    }
    void async_write(const char* buf, size_t len, write_handler handler) {
        if (frame_trace_) report(sent_, TraceLine::Kind::sent, {buf, len});
        base::async_write(buf, len, std::move(handler));
    }
    void async_write(std::vector<websocketpp::transport::buffer> const& bufs, write_handler handler) {
        if (frame_trace_)
            for (const auto& b : bufs) report(sent_, TraceLine::Kind::sent, {b.buf, b.len});
        base::async_write(bufs, std::move(handler));
    }

private:
    void report(FrameTracer& tracer, TraceLine::Kind kind, std::string_view bytes) {
        for (auto& line : tracer.feed(bytes)) frame_trace_(TraceLine{kind, std::move(line)});
    }

    TraceHandler frame_trace_;
    FrameTracer sent_;
    FrameTracer received_;
};

// The client's transport endpoint: websocketpp's, with its own connect (see
// Connector) and TracedConnection. websocketpp's client calls
// transport_type::async_connect, which resolves to this one.
template <class config>
class ClientTransport : public websocketpp::transport::asio::endpoint<config> {
    using base = websocketpp::transport::asio::endpoint<config>;

public:
    using transport_con_type = TracedConnection<config>;
    using transport_con_ptr = typename base::transport_con_ptr;
    using connect_handler = websocketpp::transport::connect_handler;

    // Set before connect(): where to go, and who hears about each step.
    void set_route(Route route, TraceHandler trace) {
        route_ = std::move(route);
        trace_ = std::move(trace);
    }
    const ConnectOutcome& connect_outcome() const { return *outcome_; }

protected:
    void async_connect(transport_con_ptr tcon, websocketpp::uri_ptr u, connect_handler cb) {
        tcon->set_uri(u);  // the target: websocketpp's Host header and TLS SNI come from it
        // get_raw_socket() is typed as the lowest layer, but for both socket
        // policies it is the tcp::socket the connection reads and writes.
        auto& socket = static_cast<asio::ip::tcp::socket&>(tcon->get_raw_socket());
        auto connector = std::make_shared<Connector>(this->get_io_service(), socket, tcon, route_, trace_, outcome_,
                                                     std::move(cb));
        connector->start();
    }

private:
    Route route_;
    TraceHandler trace_;
    std::shared_ptr<ConnectOutcome> outcome_ = std::make_shared<ConnectOutcome>();
};

// One config for every endpoint, varied only by role, socket (plain/TLS) and
// transport (the client's connects through Connector): one io thread per
// endpoint, so no locks (concurrency::none); a 64 KiB read buffer, which
// measured best for both small and large messages.
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
        // A client's whole opening is bounded by --connect-timeout, with a
        // timer of its own (websocketpp's are fixed at compile time, 5 s):
        // these only keep a forgotten operation from living forever.
        static constexpr bool is_client = std::is_same_v<Core, websocketpp::config::core_client>;
        static const long client_backstop = 24L * 3600 * 1000;
        static const long timeout_dns_resolve = is_client ? client_backstop : Core::transport_config::timeout_dns_resolve;
        static const long timeout_connect = is_client ? client_backstop : Core::transport_config::timeout_connect;
        static const long timeout_proxy = is_client ? client_backstop : Core::transport_config::timeout_proxy;
        static const long timeout_socket_post_init =
            is_client ? client_backstop : Core::transport_config::timeout_socket_post_init;
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
using ClientConfig = Config<websocketpp::config::core_client, Socket, ClientMessageManager, ClientMessage,
                            PinnedHostRequest, CompleteBodyResponse, ClientTransport>;
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
// -vv, which sends connection, frame and error diagnostics to stderr. A
// client that traces frames itself (frames_traced) keeps only the error log.
template <class Endpoint>
void configure_logging(Endpoint& endpoint, int verbosity, bool frames_traced = false) {
    namespace log = websocketpp::log;
    endpoint.clear_access_channels(log::alevel::all);
    endpoint.clear_error_channels(log::elevel::all);
    endpoint.get_alog().set_ostream(&std::cerr);
    endpoint.get_elog().set_ostream(&std::cerr);
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
