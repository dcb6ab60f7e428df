// An HTTP/2 connection from a client (RFC 9113), on the event loop: TCP
// through the Connector (addresses, proxies), TLS with ALPN h2 for https, or
// prior knowledge (h2c) for http; libnghttp2 does the framing, HPACK and
// flow control, driven from here without a thread. Streams carry bytes both
// ways: a WebSocket opened by extended CONNECT (RFC 8441) is one of them.
// Plain interface: Asio and nghttp2 stay in the .cpp. Loop thread only.
#pragma once

#include <wskit/client.hpp>
#include <wskit/connect_failure.hpp>
#include <wskit/error.hpp>
#include <wskit/extended_connect.hpp>
#include <wskit/http.hpp>
#include <wskit/inspection.hpp>
#include <wskit/loop.hpp>
#include <wskit/tls.hpp>
#include <wskit/trace.hpp>
#include <wskit/url.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace asio {
class io_context;
}

namespace wskit::detail {

// RFC 9113 7: what a stream is reset with when we give up on it.
constexpr std::uint32_t http2_cancel = 0x8;

struct Http2Target {
    Url url;                         // wss: TLS with ALPN h2; ws: h2c with prior knowledge
    TlsOptions tls;
    std::string proxy;               // as ClientOptions::proxy
    std::string user_agent;          // for an HTTP proxy
    std::chrono::milliseconds timeout{10000};  // TCP, tunnel and TLS together
    TraceHandler trace;              // -v: each step, and each HTTP/2 frame as nghttp -v shows it
    std::shared_ptr<ConnectionInspection> inspection;  // filled in once TLS is up (or failed)
};

// Where a client's options say to connect, and how (its URL, TLS, proxy,
// timeout); no trace or inspection.
Http2Target http2_target_of(const ClientOptions& client);

// Why the connection could not be made or ended early, in one line, with
// its exit status and how far it had got.
struct Http2Failure {
    ExitCode code = ExitCode::runtime;
    ConnectPhase phase = ConnectPhase::connect;
    std::string message;
};

class Http2Connection {
public:
    struct Handlers {
        // The server's SETTINGS, each time a SETTINGS frame comes (the
        // first one is the connection's preface: the connection is ready).
        std::function<void(const std::vector<Http2Setting>& settings)> on_settings;
        // The connection could not be made, or broke (GOAWAY, reset,
        // protocol error): every stream is over too.
        std::function<void(const Http2Failure& failure)> on_failed;
    };
    struct StreamHandlers {
        std::function<void(std::vector<Header> fields)> on_headers;  // a header block, pseudo-headers included
        std::function<void(std::string_view bytes)> on_data;
        // The stream is over: 0 when both sides ended it, else the
        // RST_STREAM code (RFC 9113 7: 1 PROTOCOL_ERROR, 8 CANCEL...).
        std::function<void(std::uint32_t error_code)> on_closed;
        std::function<void()> on_drained;  // all that was written to it has gone to the socket
    };

    Http2Connection(EventLoop& loop, Http2Target target, Handlers handlers);
    // On an io_context of its own (a bench worker's thread).
    Http2Connection(asio::io_context& io, Http2Target target, Handlers handlers);
    // Closes at once: nothing more is called back.
    ~Http2Connection();
    Http2Connection(const Http2Connection&) = delete;
    Http2Connection& operator=(const Http2Connection&) = delete;

    void connect();

    // Opens a stream with these request fields (pseudo-headers first) and a
    // body that write() feeds; returns its id, or 0 when the connection
    // cannot take another stream now.
    std::int32_t open_stream(const std::vector<Header>& fields, StreamHandlers handlers);
    // Queued on the stream, sent as its flow-control window allows.
    void write(std::int32_t stream, std::string bytes);
    std::size_t unsent(std::int32_t stream) const;
    // Ends the stream's sending side (END_STREAM) after what is queued.
    void end_stream(std::int32_t stream);
    void reset_stream(std::int32_t stream, std::uint32_t error_code);
    // Backpressure: a paused stream's data is not acknowledged, so the
    // server can send no more than the stream's window.
    void pause_stream(std::int32_t stream);
    void resume_stream(std::int32_t stream);
    // GOAWAY, then the socket closes once it is written.
    void close();

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;  // shared with its pending operations
};

}  // namespace wskit::detail
