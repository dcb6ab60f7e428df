// The client's transport: its own connect (every address, proxies and
// tunnels) and a tap on the frames for -vv.
// Part of the websocketpp layer: included through wspp.hpp only.
#pragma once

#include "net/connect_outcome.hpp"
#include "net/wspp/transport_members.hpp"
#include "proto/frame_trace.hpp"
#include "proto/socks5.hpp"

#include <wskit/proxy.hpp>
#include <wskit/trace.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wskit::detail {

// Where a client's TCP connection goes and how: straight to the target, or
// to a proxy that opens a tunnel to it (HTTP CONNECT or SOCKS5).
struct Route {
    std::string host;                // the target, as in the URL
    std::uint16_t port = 0;
    std::optional<ProxySpec> proxy;  // none: direct
    std::string unix_path;           // set: a Unix-domain socket instead of host:port (no proxy)
    std::string user_agent;          // sent to an HTTP proxy too
    std::chrono::milliseconds timeout{10000};  // resolution, TCP connect and tunnel together
};

// Resolves, tries every address in turn, then opens the tunnel when there is
// a proxy, on the socket websocketpp will use; reports each step to `trace`.
// websocketpp's own connect tries the addresses silently and knows only HTTP
// CONNECT proxies, which it opens after its pre_init; doing all of it before
// websocketpp gets the socket keeps websocketpp's uri naming the target, so
// that the Host header, the TLS SNI and host verification name the target
// whatever the proxy. Defined in connector.cpp; hook 27 in
// net/wspp/README.md.
class Connector : public std::enable_shared_from_this<Connector> {
public:
    using Done = std::function<void(std::error_code)>;
    Connector(asio::io_context& io, asio::ip::tcp::socket& socket, std::shared_ptr<void> keep_alive, Route route,
              TraceHandler trace, std::shared_ptr<ConnectOutcome> outcome, Done done);
    void start();

private:
    void connect_unix();
    void on_resolved(std::error_code ec, asio::ip::tcp::resolver::results_type results);
    void try_next();
    void on_connected(std::error_code ec);
    void start_tunnel();
    void do_http_connect();
    void do_socks5(std::string address);
    void socks5_step(Socks5Handshake::Step step);
    void on_tunnel_broken(std::error_code ec);
    void finish(std::error_code ec, std::string tunnel_error = {});
    void finish_timed_out();              // the deadline closed the socket
    void fail_tunnel(std::string why);    // the proxy refused or broke the tunnel: why, in one line
    void note(std::string text, TraceLine::Kind kind = TraceLine::Kind::info);
    std::string target_authority() const;
    const std::string& first_hop_host() const;
    std::uint16_t first_hop_port() const;

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
// of both directions passes through these two calls, after TLS. Each
// completed write is reported too (on_write_done), the write-complete
// signal websocketpp lacks: the client learns there when its pong has gone.
// Hooks 25 and 26 in net/wspp/README.md.
template <class config>
class TracedConnection : public websocketpp::transport::asio::connection<config> {
    using base = websocketpp::transport::asio::connection<config>;
    using Upstream = TransportConnectionMembers<config>;
    static_assert(Upstream::same_read_at_least && Upstream::same_write_bytes && Upstream::same_write_buffers,
                  "websocketpp's transport reads and writes changed: see hooks 25 and 26 in net/wspp/README.md");

public:
    using base::base;
    using read_handler = websocketpp::transport::read_handler;
    using write_handler = websocketpp::transport::write_handler;

    // Frames are traced from now on (the loop thread, before connecting).
    void set_frame_trace(TraceHandler trace) { frame_trace_ = std::move(trace); }

    // Called after websocketpp has handled each completed write.
    std::function<void()> on_write_done;

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
        base::async_write(buf, len, reporting_done(std::move(handler)));
    }
    void async_write(std::vector<websocketpp::transport::buffer> const& bufs, write_handler handler) {
        if (frame_trace_)
            for (const auto& b : bufs) report(sent_, TraceLine::Kind::sent, {b.buf, b.len});
        base::async_write(bufs, reporting_done(std::move(handler)));
    }

private:
    // base binds the connection's shared_ptr into the completion, so `this`
    // outlives it.
    write_handler reporting_done(write_handler handler) {
        return [this, handler = std::move(handler)](std::error_code const& ec) {
            handler(ec);
            if (on_write_done) on_write_done();
        };
    }

    void report(FrameTracer& tracer, TraceLine::Kind kind, std::string_view bytes) {
        for (auto& line : tracer.feed(bytes)) frame_trace_(TraceLine{kind, std::move(line)});
    }

    TraceHandler frame_trace_;
    FrameTracer sent_;
    FrameTracer received_;
};

// The client's transport endpoint: websocketpp's, with its own connect (see
// Connector) and TracedConnection. websocketpp's client calls
// transport_type::async_connect, which resolves to this one (hook 27 in
// net/wspp/README.md).
template <class config>
class ClientTransport : public websocketpp::transport::asio::endpoint<config> {
    using base = websocketpp::transport::asio::endpoint<config>;
    static_assert(TransportEndpointMembers<config>::same_async_connect,
                  "websocketpp's async_connect changed: see hook 27 in net/wspp/README.md");

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

}  // namespace wskit::detail
