// A WebSocket client connection over websocketpp, behind a compilation
// firewall. One Client is one connection attempt and its life.
#pragma once

#include <wskit/error.hpp>
#include <wskit/event.hpp>
#include <wskit/compression.hpp>
#include <wskit/export.hpp>
#include <wskit/http.hpp>
#include <wskit/inspection.hpp>
#include <wskit/loop.hpp>
#include <wskit/tls.hpp>
#include <wskit/trace.hpp>
#include <wskit/url.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace wskit {

WSKIT_API std::string default_user_agent();

struct ClientOptions {
    Url url;
    std::vector<Header> headers;             // extra request headers (-H), sent as given
    std::vector<std::string> subprotocols;   // offered, in order of preference (-s)
    std::string origin;                      // Origin header (-o); none when empty
    std::string user_agent = default_user_agent();
    std::string host_header;                 // overrides Host (--host); derived from url when empty
    std::string auth;                        // "user:pass" for Basic auth; url's credentials otherwise
    std::size_t max_message_size = 16u << 20;  // larger incoming messages close with 1009
    std::chrono::milliseconds open_timeout{10000};  // TCP, TLS and upgrade together
    int verbosity = 0;                       // 1: connection steps traced; 2: frames too, and websocketpp's errors on stderr
    TraceHandler on_trace;                   // receives the traced steps; empty: printed on stderr (-v)
    TlsOptions tls;
    std::string proxy;                       // http://, socks5:// or socks5h://[user:pass@]host:port; "" = direct
    std::chrono::milliseconds ping_interval{0};  // send a ping this often while open; 0 = never
    std::chrono::milliseconds ping_timeout{0};   // no pong within this after a ping: fail (1006); 0 = no check
    // When set, filled in once the handshake is over (open or failed):
    // resolution, timings, TLS session and chain (handshake-inspect).
    std::shared_ptr<ConnectionInspection> inspection;
    std::optional<DeflateOffer> compress;        // offer permessage-deflate (--compress); none: no offer
    bool answer_pings = true;                    // off: pings are only reported (a proxy forwards them)
    // A WebSocket on an HTTP/2 stream (RFC 8441's extended CONNECT): over
    // TLS with ALPN h2 for wss, with prior knowledge (h2c) for ws.
    bool http2 = false;
};

// What was said during the opening handshake, for -v and for inspection.
struct HandshakeTrace {
    std::string request;     // request line and headers, exactly as sent
    std::string response;    // status line and headers, exactly as received
    std::string body;        // body of a non-101 response, as much as arrived with the headers
    int status = 0;          // 0 when no response was received
    bool response_complete = false;  // the response head reached its blank line (else it stopped half-way)
    std::string location;    // Location header of a redirect
    std::string remote;      // the address connected to
    bool connected = false;  // TCP (and TLS) succeeded and the request was sent
    bool timed_out = false;  // the opening did not finish within open_timeout
    std::optional<DeflateParams> compression;  // permessage-deflate as agreed, when it was
    // An extended CONNECT on HTTP/2 (ClientOptions::http2): request and
    // response are its header fields, one "name: value" line each, and the
    // server's SETTINGS as received (none: it did not speak HTTP/2).
    bool http2 = false;
    std::vector<Http2Setting> http2_settings;
};

// Why these options cannot make a connection (a proxy asked for a Unix
// socket, which no proxy reaches), in one line; "" when they can.
WSKIT_API std::string route_problem(const ClientOptions& options);

class WSKIT_API Client {
public:
    // The event is the handler's: it may move the payload out (a proxy
    // passes it on without a copy).
    using EventHandler = std::function<void(Event&)>;

    // Events arrive on the loop thread: open, then message/ping/pong, then one
    // close; or a single error when the connection could not be opened.
    // While open, drained says that backlog() reached zero after a write.
    Client(EventLoop& loop, ClientOptions options, EventHandler on_event);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Starts connecting. Loop thread (or before the loop runs).
    void connect();
    // Sends a text or binary message, or a ping/pong with that payload.
    // Before open, messages wait in order and go out right after the handshake.
    void send(Message message);
    // Starts the close handshake. Returns false when the connection is not open.
    bool close(int code, const std::string& reason);
    bool is_open() const;
    // Drops the TCP connection without a close frame (a fault injected on
    // purpose): the close event follows, with 1006.
    void abort();
    // What accepted but unwritten messages cost in memory: their bytes plus
    // an allowance per message for the library's bookkeeping (a queue of
    // small messages costs far more than their payloads). Input is paced by it.
    std::size_t backlog() const;
    // Backpressure from whoever consumes the events: stops reading from the
    // server (TCP then slows it down) until resume_reading(). It takes
    // effect after the current event, once what was already read (at most
    // one 64 KiB read) has been delivered. Loop thread; idempotent.
    void pause_reading();
    void resume_reading();
    // Messages accepted before the connection opened and never sent (after
    // a failed connection), so that a retry can send them.
    std::vector<Message> take_unsent();

    const HandshakeTrace& handshake() const;
    // After the close or error event: the exit status the outcome maps to, and
    // a one-line explanation when it is not ok.
    ExitCode exit_code() const;
    const std::string& error_message() const;
    // True once the connection is over for the library too (its close or
    // failure has been handled); the finished event says so from the loop.
    // The Client may then be destroyed, from another handler than its own.
    bool finished() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace wskit
