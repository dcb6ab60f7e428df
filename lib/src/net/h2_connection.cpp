// Http2Connection: the transport (Connector, TLS with ALPN, reads and
// writes) and nghttp2's session fed from it. nghttp2 runs in its
// memory-buffer mode (mem_recv, mem_send): this file owns every byte of I/O,
// so the session lives on the loop like any other socket. nghttp2's HTTP
// messaging checks are off: a diagnostic tool sees what the server really
// sent (a 101, a forbidden header) and judges it with its own check lists
// (extended_connect.hpp).
#include "net/h2_connection.hpp"

#include "net/client_inspection.hpp"
#include "net/h2_session.hpp"
#include "net/tls_context.hpp"
#include "net/transport_failure.hpp"
#include "net/wspp/wspp.hpp"
#include "proto/client_failure.hpp"

#include <wskit/proxy.hpp>

#include <asio/write.hpp>
#include <fmt/format.h>

#include <optional>

namespace wskit::detail {
namespace {

// ALPN's offer, as browsers make it: HTTP/2 first, HTTP/1.1 as well, so that
// a server without HTTP/2 says so by its choice rather than by an alert.
constexpr unsigned char alpn_offer[] = "\x02h2\x08http/1.1";

}  // namespace

struct Http2Connection::Impl final : std::enable_shared_from_this<Impl>, Http2Session::Owner {
    Impl(asio::io_context& context, Http2Target t, Handlers h)
        : io(context), target(std::move(t)), handlers(std::move(h)), socket(io), session(*this, target.trace) {}

    asio::io_context& io;
    Http2Target target;
    Handlers handlers;
    asio::ip::tcp::socket socket;
    std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls;
    SslContextPtr tls_context;
    std::shared_ptr<VerifyOutcome> verify = std::make_shared<VerifyOutcome>();
    std::shared_ptr<ConnectOutcome> outcome = std::make_shared<ConnectOutcome>();
    std::optional<std::chrono::steady_clock::time_point> secured_at;
    Http2Session session;
    std::string alpn;
    std::string proxy_authority;
    ConnectPhase phase = ConnectPhase::connect;
    std::array<char, 16384> in{};
    std::string writing;  // what the write in flight holds
    bool write_pending = false;
    bool failed = false;
    bool closing = false;
    bool received_any = false;

    void start() {
        Route route;
        route.host = target.url.host;
        route.port = target.url.port;
        route.unix_path = target.url.unix_socket;
        route.user_agent = target.user_agent;
        route.timeout = target.timeout;
        if (!target.proxy.empty()) {
            try {
                route.proxy = parse_proxy_url(target.proxy);
            } catch (const Error& e) {
                return fail_later({ExitCode::usage, ConnectPhase::connect, e.what()});
            }
            proxy_authority = route.proxy->authority();
        }
        auto connector = std::make_shared<Connector>(io, socket, shared_from_this(), std::move(route), target.trace, outcome,
                                                     [self = shared_from_this()](std::error_code ec) { self->connected(ec); });
        connector->start();
    }

    void connected(std::error_code ec) {
        if (failed) return;
        if (ec) return fail_transport(ec);
        // HTTP/2 interleaves small frames (HEADERS, WINDOW_UPDATE, RST_STREAM)
        // with data: Nagle would hold each behind the last one's ACK, 40 ms
        // with a delayed ACK (bench --mode handshake: 42 handshakes/s).
        if (target.url.unix_socket.empty()) {
            std::error_code ignored;
            socket.set_option(asio::ip::tcp::no_delay(true), ignored);
        }
        if (target.url.secure) return handshake_tls();
        trace("Using HTTP/2 with prior knowledge (h2c)");
        begin();
    }

    void handshake_tls() {
        phase = ConnectPhase::tls;
        try {
            tls_context = make_client_tls_context(target.tls, verify);
        } catch (const Error& e) {
            return fail({e.code(), phase, e.what()});
        }
        tls = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket, *tls_context);
        SSL* ssl = tls->native_handle();
        SSL_set_alpn_protos(ssl, alpn_offer, sizeof alpn_offer - 1);
        const auto& host = target.url.host;
        std::error_code not_ip;
        asio::ip::make_address(host, not_ip);
        if (not_ip)  // SNI names a host, never an address (RFC 6066 3)
            SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str()));
        if (!target.tls.insecure) set_expected_host(ssl, host);
        trace("ALPN: offering h2, http/1.1");
        tls->async_handshake(asio::ssl::stream_base::client, [self = shared_from_this()](std::error_code ec) {
            self->secured(ec);
        });
    }

    void secured(std::error_code ec) {
        if (failed) return;
        secured_at = std::chrono::steady_clock::now();
        inspect();
        if (ec) return fail_transport(ec);
        const unsigned char* chosen = nullptr;
        unsigned int length = 0;
        SSL_get0_alpn_selected(tls->native_handle(), &chosen, &length);
        alpn.assign(reinterpret_cast<const char*>(chosen), length);
        if (target.trace) trace_tls(tls->native_handle(), target.trace);
        phase = ConnectPhase::upgrade;  // TLS is up: what follows is HTTP/2's to agree on
        if (alpn != "h2") {
            auto chose = alpn.empty() ? std::string("no protocol") : alpn;
            return fail({ExitCode::handshake, phase,
                         fmt::format("{} does not speak HTTP/2: TLS's ALPN chose {}, not h2",
                                     target.url.connection_target(), chose)});
        }
        begin();  // trace_tls has said which protocol ALPN chose
    }

    void inspect() {
        if (!target.inspection) return;
        InspectionFacts facts;
        facts.post_init_at = secured_at;
        facts.ssl = tls ? tls->native_handle() : nullptr;
        facts.insecure = target.tls.insecure;
        facts.verify_failure = verify->reason;
        fill_inspection(*target.inspection, *outcome, facts);
    }

    void begin() {
        phase = ConnectPhase::upgrade;
        if (!tls) inspect();
        session.start();
        flush();
        read();
    }

    void read() {
        auto done = [self = shared_from_this()](std::error_code ec, std::size_t n) { self->on_read(ec, n); };
        if (tls) tls->async_read_some(asio::buffer(in), done);
        else socket.async_read_some(asio::buffer(in), done);
    }

    void on_read(std::error_code ec, std::size_t n) {
        if (failed) return;
        if (ec) {
            if (closing) return;
            return fail({ExitCode::abnormal_close, phase,
                         fmt::format("the connection to {} ended: {}", target.url.connection_target(),
                                     ec == asio::error::eof ? std::string("the server closed it") : ec.message())});
        }
        std::string_view bytes(in.data(), n);
        if (!received_any && bytes.substr(0, 5) == "HTTP/") {
            return fail({ExitCode::handshake, phase,
                         fmt::format("{} answered in HTTP/1.1: it does not speak HTTP/2 with prior knowledge (h2c)",
                                     target.url.connection_target())});
        }
        received_any = true;
        if (auto problem = session.receive(bytes); !problem.empty())
            return fail({ExitCode::handshake, phase, fmt::format("HTTP/2 error from {}: {}",
                                                                 target.url.connection_target(), problem)});
        flush();
        if (!failed) read();
    }

    // Everything nghttp2 has to send goes out, one write at a time. From
    // inside nghttp2 (a stream handler that writes), the caller's flush
    // after receive() or the take_output() loop in progress picks it up.
    void flush() {
        if (write_pending || failed || session.busy()) return;
        session.take_output(writing);
        if (writing.empty()) {
            session.written();
            if (closing && !session.wants_io()) shutdown();
            return;
        }
        write_pending = true;
        auto done = [self = shared_from_this()](std::error_code ec, std::size_t) {
            self->write_pending = false;
            if (self->failed) return;
            if (ec) return self->fail_transport(ec);
            self->flush();
        };
        if (tls) asio::async_write(*tls, asio::buffer(writing), done);
        else asio::async_write(socket, asio::buffer(writing), done);
    }

    void shutdown() {
        std::error_code ignored;
        socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
    }

    // Worded by the classifier the WebSocket client's failed openings go
    // through, from the same facts.
    void fail_transport(const std::error_code& ec) {
        OpeningOutcome o;
        auto& f = o.facts;
        f.phase = phase;
        f.target = target.url.str();
        f.host = target.url.host;
        f.authority = target.url.connection_target();
        f.proxy = proxy_authority;
        f.secure = target.url.secure;
        f.timeout = target.timeout;
        f.tls_min_version = target.tls.min_version;
        o.tunnel_failed = !outcome->tunnel_error.empty();
        o.tunnel_error = outcome->tunnel_error;
        o.verify_failure = verify->reason;
        o.transport_cause = phase == ConnectPhase::tls ? FailureCause::tls_protocol : transport_failure_cause(ec);
        o.transport_error = ec.message();
        o.tls_error = last_openssl_error();
        auto failure = classify_opening(o);
        fail({failure.code, phase, failure.message});
    }

    // A failure found inside connect(): said from the loop.
    void fail_later(Http2Failure failure) {
        asio::post(io, [self = shared_from_this(), failure] { self->fail(failure); });
    }

    void fail(const Http2Failure& failure) {
        if (failed) return;
        failed = true;
        shutdown();
        session.abandon();
        if (handlers.on_failed) handlers.on_failed(failure);
    }

    void trace(std::string text) {
        if (target.trace) target.trace(TraceLine{TraceLine::Kind::info, std::move(text)});
    }

    // Http2Session::Owner
    void on_settings(const std::vector<Http2Setting>& settings) override {
        if (handlers.on_settings) handlers.on_settings(settings);
    }
    void on_session_over(std::string why) override {
        fail({ExitCode::abnormal_close, phase, fmt::format("{} ended the HTTP/2 connection: {}",
                                                           target.url.connection_target(), why)});
    }
    void output_ready() override { flush(); }
};

Http2Target http2_target_of(const ClientOptions& client) {
    Http2Target target;
    target.url = client.url;
    target.tls = client.tls;
    target.proxy = client.proxy;
    target.user_agent = client.user_agent;
    target.timeout = client.open_timeout;
    return target;
}

Http2Connection::Http2Connection(EventLoop& loop, Http2Target target, Handlers handlers)
    : Http2Connection(loop.impl().io, std::move(target), std::move(handlers)) {}

Http2Connection::Http2Connection(asio::io_context& io, Http2Target target, Handlers handlers)
    : impl_(std::make_shared<Impl>(io, std::move(target), std::move(handlers))) {}

Http2Connection::~Http2Connection() {
    impl_->failed = true;  // no handler runs any more
    impl_->shutdown();
    impl_->session.abandon();
}

// The session asks for a flush itself (Owner::output_ready) when a stream
// operation gave it something to send.
void Http2Connection::connect() { impl_->start(); }
std::int32_t Http2Connection::open_stream(const std::vector<Header>& fields, StreamHandlers handlers) {
    return impl_->session.open_stream(fields, std::move(handlers));
}
void Http2Connection::write(std::int32_t stream, std::string bytes) { impl_->session.write(stream, std::move(bytes)); }
std::size_t Http2Connection::unsent(std::int32_t stream) const { return impl_->session.unsent(stream); }
void Http2Connection::end_stream(std::int32_t stream) { impl_->session.end_stream(stream); }
void Http2Connection::reset_stream(std::int32_t stream, std::uint32_t error_code) {
    impl_->session.reset_stream(stream, error_code);
}
void Http2Connection::pause_stream(std::int32_t stream) { impl_->session.pause_stream(stream); }
void Http2Connection::resume_stream(std::int32_t stream) { impl_->session.resume_stream(stream); }

void Http2Connection::close() {
    impl_->closing = true;
    impl_->session.go_away();
}

}  // namespace wskit::detail
