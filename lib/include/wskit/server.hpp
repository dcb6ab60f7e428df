// A WebSocket server over websocketpp, behind a compilation firewall. It
// accepts many clients, each known by a ConnId, and serves plain HTTP GETs
// through a handler.
#pragma once

#include <wskit/backpressure.hpp>
#include <wskit/client.hpp>
#include <wskit/event.hpp>
#include <wskit/export.hpp>
#include <wskit/http.hpp>
#include <wskit/loop.hpp>
#include <wskit/tls.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wskit {

namespace detail {
class ServerMessage;  // websocketpp's message, kept out of sight (see Server::Frame)
}

struct CheckResult;

struct ServerOptions {
    std::string host = "127.0.0.1";  // loopback unless the user exposes it
    std::uint16_t port = 0;          // 0 picks a free port; see Server::port()
    // Set: listen on this Unix-domain socket instead of host:port. The file
    // is made with socket_mode and removed at shutdown; a stale one (its
    // server gone) is replaced, one in use is an error. Clients are named
    // by their credentials ("unix:uid=1000,pid=4242") where an address
    // would be (Event::peer, HttpRequest::remote).
    std::string unix_path;
    unsigned socket_mode = 0600;
    std::size_t max_message_size = 16u << 20;  // larger messages close with 1009
    std::size_t max_clients = 0;     // 0: no limit; over it, handshakes get 503
    // The subprotocol answered to a client's offers (see choose_subprotocol
    // in handshake_check.hpp): its first offer among these...
    std::vector<std::string> subprotocols;
    // ...else, when this is set, its first offer whatever it is: browsers and
    // Node's ws fail a connection whose answer names none of their offers.
    // When a client offered some and none is chosen, the server says so with
    // on_warning.
    bool answer_first_offer = true;
    // Added to every 101 the server answers (a recorded server's Set-Cookie
    // or custom headers, for listen --replay).
    std::vector<Header> upgrade_headers;
    TlsOptions tls;                  // serves wss when tls.cert_file is set
    int verbosity = 0;               // 2 and more: websocketpp's diagnostics on stderr
    std::chrono::milliseconds handshake_timeout{5000};  // a silent peer is dropped after this
    int listen_backlog = 1024;       // burst of connects a benchmark makes
    std::optional<DeflatePolicy> compress;  // accept permessage-deflate offers (--compress); none: ignore them
    // Each connection's unsent bytes are bounded: above the high mark the
    // server stops reading from it, past max_backlog for `grace` it closes it
    // with 1008. Defaults and their reasons in backpressure.hpp.
    BackpressureLimits backpressure;
    // Pings are answered with a pong at once. Off, they are only reported
    // (a proxy forwards them and lets the other side answer).
    bool answer_pings = true;
};

// The answer to an upgrade held for Handlers::on_upgrade.
struct UpgradeAnswer {
    // Set: sent instead of the 101, as it is (status, headers, body).
    std::optional<HttpResponse> refusal;
    std::string subprotocol;      // accepted: the one answered ("" for none); it must be among the offers
    std::vector<Header> headers;  // accepted: more headers for the 101 (Set-Cookie...)
};

struct ServerStats {
    std::uint64_t connections_total = 0;
    std::uint64_t handshakes_refused = 0;  // by the server's checks or on_handshake
    std::uint64_t messages_in = 0;
    std::uint64_t bytes_in = 0;
    std::uint64_t messages_out = 0;
    std::uint64_t bytes_out = 0;
};

class WSKIT_API Server {
public:
    struct Handlers {
        // open (with peer address), message, ping, pong, close; loop thread.
        // Flow events: drained when a connection's unsent bytes (see
        // buffered_amount) reach zero after a write; all_closed once after
        // shutdown(), when its last connection has closed.
        // The event is the handler's: it may move the payload out (to
        // re-send it with prepare() and send() without a copy, as echo does).
        std::function<void(Event&)> on_event;
        // Plain HTTP requests (no WebSocket upgrade). Unset: a 426 page.
        std::function<HttpResponse(const HttpRequest&)> on_http;
        // Extra checks before accepting a handshake; return a response to
        // reject it (its status, headers and body are sent), or nullopt.
        std::function<std::optional<HttpResponse>(const HttpRequest&)> on_handshake;
        // Set: an upgrade that passes the checks above is held (unanswered,
        // its client not read) until answer_upgrade(id, ...), so that the
        // answer can wait for something else (a proxy asks its upstream
        // first). `id` is the connection's once it opens. Answer within
        // handshake_timeout: the client is dropped then. A client that goes
        // away before its connection opens (while held, or before the 101
        // is written) is reported by an error event with its id.
        std::function<void(ConnId id, const HttpRequest&)> on_upgrade;
        // Every request, an opening handshake or not, with the RFC 6455 4.2.1
        // checks, and the head of the answer it got as written (a handshake's
        // 101 or refusal, a page), just before it goes out (inspection).
        std::function<void(const HttpRequest&, const std::vector<CheckResult>&, const ResponseHead&)> on_answer;
        // A one-line warning about the server itself (out of descriptors) or
        // a client's handshake (no subprotocol chosen among its offers),
        // without the "wskit: " prefix. Unset: given to the diagnostics sink
        // (<wskit/diagnostics.hpp>) as a warning.
        std::function<void(const std::string&)> on_warning;
    };

    Server(EventLoop& loop, ServerOptions options, Handlers handlers);
    // Destroy a Server once its loop will run no more of its handlers: after
    // the loop has stopped for good, or after shutdown() and all_closed.
    // websocketpp's pending accept still refers to the endpoint otherwise.
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Raises the soft descriptor limit to the hard one, binds and starts
    // accepting. Out of descriptors, accepting pauses briefly (with one
    // warning) instead of spinning. Throws Error(ExitCode::runtime) naming the
    // address when it cannot bind, or Error(ExitCode::tls) for bad key files.
    void listen();
    std::uint16_t port() const;
    // "ws://127.0.0.1:40311/" (or wss), with the real port;
    // "ws+unix:///run/app.sock:/" on a Unix socket.
    std::string url() const;

    // A text or binary message framed once: the frame's bytes are made one
    // time and shared, as they are, by the send queue of every connection it
    // is sent to (websocketpp queues a prepared message without copying it).
    // Cheap to copy; immutable once made. Copied and released on the loop's
    // thread only (its memory goes back to the server's pool), though it may
    // outlive the server.
    class WSKIT_API Frame {
    public:
        Frame() = default;
        bool empty() const { return !data_; }
        std::size_t payload_size() const;

    private:
        friend class Server;
        std::shared_ptr<detail::ServerMessage> data_;
    };

    // Frames `message` (text or binary; anything else throws
    // std::invalid_argument), taking its payload without copying it. Text
    // must be valid UTF-8: it is not checked again here. Called from a
    // message event's handler, it reuses that message's buffer: echoing a
    // message allocates nothing.
    Frame prepare(Message message) const;

    // Loop thread only. Unknown ids are ignored. Every message counts towards
    // the connection's backpressure (see ServerOptions::backpressure).
    void send(ConnId id, Message message);
    void send(ConnId id, const Frame& frame);
    // The same frame to each of `ids`: no copy and no new frame per receiver.
    void broadcast(const std::vector<ConnId>& ids, const Frame& frame);
    void close(ConnId id, int code, const std::string& reason);
    // Drops the connection's TCP without a close frame (a fault injected on
    // purpose): its close event follows, with 1006.
    void abort(ConnId id);
    // Answers an upgrade held for on_upgrade. Loop thread; unknown ids (a
    // client already gone) are ignored.
    void answer_upgrade(ConnId id, UpgradeAnswer answer);
    // Stops accepting and starts closing every connection with code/reason;
    // the all_closed event follows the last close event (or comes from the
    // loop at once when there is no connection).
    void shutdown(int code, const std::string& reason);
    std::size_t connection_count() const;
    // Bytes queued for the connection and not yet written to its socket,
    // headers included, each frame counted with frame_overhead more for its
    // bookkeeping (like uWS's getBufferedAmount); 0 for unknown ids.
    std::size_t buffered_amount(ConnId id) const;
    // The opening handshake's request of an open connection (path, query,
    // headers, remote address and port), kept from its open event until it
    // closes (so no longer during its close event); nullopt otherwise.
    std::optional<HttpRequest> request(ConnId id) const;
    // Stops reading from the connection until resume_reading, so that its
    // client is slowed down by TCP (a consumer of its messages that cannot
    // keep up, like --exec's process). Independent of the backpressure's own
    // pause: reading resumes only when neither holds it. A message already
    // read may still arrive after the pause. close() and shutdown() end the
    // pause, so that the peer's close frame is read. Loop thread only;
    // unknown ids are ignored.
    void pause_reading(ConnId id);
    void resume_reading(ConnId id);
    ServerStats stats() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

// The page a plain GET gets from a WebSocket-only endpoint: 426 with
// "Upgrade: websocket" and a short explanation.
WSKIT_API HttpResponse upgrade_required_page(const std::string& url);

}  // namespace wskit
