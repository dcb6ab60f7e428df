#include "net/byte_stream.hpp"

#include "net/loop_impl.hpp"

#include <asio/connect.hpp>
#include <asio/post.hpp>
#include <asio/generic/stream_protocol.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include <wskit/error.hpp>
#include <wskit/url.hpp>

#include <fmt/format.h>

#include <deque>

namespace wskit::detail {
namespace {

// How long finish() waits for a peer to take the last bytes.
constexpr std::chrono::seconds finish_grace{5};

}  // namespace

struct ByteStream::Impl : std::enable_shared_from_this<Impl> {
    using Socket = asio::generic::stream_protocol::socket;

    Impl(EventLoop& loop, Handlers h)
        : io(loop.impl().io), socket(io), resolver(io), finish_timer(io), handlers(std::move(h)) {}

    void connect(const StreamTarget& target) {
        name = target.text();
        if (target.kind == StreamTarget::Kind::unix_socket) {
            asio::local::stream_protocol::endpoint ep;
            try {
                ep = asio::local::stream_protocol::endpoint(target.path);  // throws for a path too long
            } catch (const std::system_error& e) {
                return post_failure(e.code());
            }
            socket.async_connect(ep, [self = shared_from_this()](const std::error_code& ec) { self->connected(ec); });
            return;
        }
        resolver.async_resolve(target.host, std::to_string(target.port),
                               [self = shared_from_this()](const std::error_code& ec, auto results) {
                                   if (ec) return self->fail(ec);
                                   self->try_next(std::vector<asio::ip::tcp::endpoint>(results.begin(), results.end()), 0);
                               });
    }

    // Every resolved address in turn, as a client does.
    void try_next(std::vector<asio::ip::tcp::endpoint> eps, std::size_t i) {
        if (closed) return;
        auto ep = eps[i];
        std::error_code ignored;
        socket.close(ignored);
        socket.async_connect(asio::generic::stream_protocol::endpoint(ep),
                             [self = shared_from_this(), eps = std::move(eps), i](const std::error_code& ec) mutable {
                                 if (ec && ec != asio::error::operation_aborted && i + 1 < eps.size())
                                     return self->try_next(std::move(eps), i + 1);
                                 self->connected(ec);
                             });
    }

    // A failure found before any operation started: said from the loop, as
    // an operation's would be, not from inside connect().
    void post_failure(const std::error_code& ec) {
        asio::post(io, [self = shared_from_this(), ec] { self->fail(ec); });
    }

    void connected(const std::error_code& ec) {
        if (closed) return;
        if (ec) return fail(ec);
        is_connected = true;
        if (handlers.on_connected) handlers.on_connected();
        read();
        write_next();
    }

    void read() {
        if (closed || reading || paused || !is_connected) return;
        reading = true;
        socket.async_read_some(asio::buffer(buffer), [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
            self->reading = false;
            if (self->closed) return;
            if (ec == asio::error::eof) {
                if (self->handlers.on_end) self->handlers.on_end();
                return;
            }
            if (ec) return self->fail(ec);
            if (self->handlers.on_data) self->handlers.on_data(std::string_view(self->buffer.data(), n));
            self->read();
        });
    }

    void write_next() {
        if (closed || writing || !is_connected) return;
        if (queue.empty()) {
            if (finishing) return shut();
            if (handlers.on_drained) handlers.on_drained();
            return;
        }
        writing = true;
        asio::async_write(socket, asio::buffer(queue.front()), [self = shared_from_this()](const std::error_code& ec, std::size_t) {
            self->writing = false;
            if (self->closed) return;
            if (ec) return self->fail(ec);
            self->queued_bytes -= self->queue.front().size();
            self->queue.pop_front();
            self->write_next();
        });
    }

    void fail(const std::error_code& ec) {
        if (closed) return;
        auto on_error = std::move(handlers.on_error);
        shut();
        if (on_error)
            on_error(ec == asio::error::connection_refused
                         ? fmt::format("cannot connect to {}: connection refused", name)
                         : fmt::format("{}: {}", name, ec.message()));
    }

    // Closed: pending operations end with operation_aborted and call nothing.
    void shut(bool with_reset = false) {
        closed = true;
        handlers = {};
        std::error_code ignored;
        resolver.cancel();
        finish_timer.cancel();
        // A zero linger makes close() send RST; a shutdown first would send FIN.
        if (with_reset) socket.set_option(asio::socket_base::linger(true, 0), ignored);
        else socket.shutdown(Socket::shutdown_both, ignored);
        socket.close(ignored);
    }

    asio::io_context& io;
    Socket socket;
    asio::ip::tcp::resolver resolver;
    asio::steady_timer finish_timer;  // a finish() whose peer never reads ends anyway
    Handlers handlers;
    std::string name;
    std::array<char, 64 * 1024> buffer{};
    std::deque<std::string> queue;
    std::size_t queued_bytes = 0;
    bool is_connected = false, reading = false, writing = false, paused = false, finishing = false, closed = false;
};

ByteStream::ByteStream(EventLoop& loop, Handlers handlers) : impl_(std::make_shared<Impl>(loop, std::move(handlers))) {}

ByteStream::ByteStream(std::shared_ptr<Impl> connected, Handlers handlers) : impl_(std::move(connected)) {
    impl_->handlers = std::move(handlers);
    impl_->is_connected = true;
    impl_->paused = true;  // read from resume_reading() on
}
// A finishing stream lives on in its pending operations until its last
// bytes are written.
ByteStream::~ByteStream() {
    if (!impl_->finishing) impl_->shut();
}

void ByteStream::connect(const StreamTarget& target) { impl_->connect(target); }

void ByteStream::write(std::string bytes) {
    if (impl_->closed || bytes.empty()) return;
    impl_->queued_bytes += bytes.size();
    impl_->queue.push_back(std::move(bytes));
    impl_->write_next();
}

std::size_t ByteStream::unsent() const { return impl_->queued_bytes; }

void ByteStream::pause_reading() { impl_->paused = true; }

void ByteStream::resume_reading() {
    impl_->paused = false;
    impl_->read();
}

void ByteStream::finish() {
    if (impl_->closed || impl_->finishing) return;
    impl_->finishing = true;
    impl_->handlers = {};
    if (!impl_->is_connected) return impl_->shut();
    impl_->finish_timer.expires_after(finish_grace);
    impl_->finish_timer.async_wait([self = impl_](const std::error_code& ec) {
        if (!ec) self->shut();
    });
    impl_->write_next();
}

void ByteStream::reset() {
    if (!impl_->closed) impl_->shut(/*with_reset=*/true);
}

// --- ByteListener ---------------------------------------------------------------

struct ByteListener::Impl : std::enable_shared_from_this<Impl> {
    explicit Impl(EventLoop& l) : loop(l), acceptor(l.impl().io), peer(l.impl().io) {}

    void accept() {
        acceptor.async_accept(peer, [self = shared_from_this()](const std::error_code& ec) {
            if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
            if (!ec) self->hand_over();
            self->accept();  // a client that left while queued, out of descriptors...: go on
        });
    }

    void hand_over() {
        std::error_code ec;
        auto remote = peer.remote_endpoint(ec);
        auto family = remote.protocol().family();
        auto conn = std::make_shared<ByteStream::Impl>(loop, ByteStream::Handlers{});
        conn->socket.assign(asio::generic::stream_protocol(family, IPPROTO_TCP), peer.release(ec), ec);
        std::string name = ec ? "?" : host_port(remote.address().to_string(), remote.port());
        conn->name = "tcp:" + name;
        if (!ec && on_accept) on_accept(std::move(conn), name);
        peer = asio::ip::tcp::socket(loop.impl().io);
    }

    EventLoop& loop;
    asio::ip::tcp::acceptor acceptor;
    asio::ip::tcp::socket peer;
    Accepted on_accept;
};

ByteListener::ByteListener(EventLoop& loop) : impl_(std::make_shared<Impl>(loop)) {}
ByteListener::~ByteListener() { stop(); }

void ByteListener::listen(const std::string& host, std::uint16_t port, Accepted on_accept) {
    std::error_code ec;
    // A name (localhost) is resolved once, here: the first address.
    asio::ip::tcp::resolver resolver(impl_->loop.impl().io);
    auto found = resolver.resolve(host, std::to_string(port), asio::ip::tcp::resolver::passive, ec);
    if (!ec && found.empty()) ec = asio::error::host_not_found;
    if (!ec) {
        asio::ip::tcp::endpoint ep = found.begin()->endpoint();
        auto& a = impl_->acceptor;
        a.open(ep.protocol(), ec);
        if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec) a.bind(ep, ec);
        if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec)
        throw Error(ExitCode::runtime, fmt::format("cannot listen on {}: {}", host_port(host, port), ec.message()));
    impl_->on_accept = std::move(on_accept);
    impl_->accept();
}

std::uint16_t ByteListener::port() const {
    std::error_code ec;
    return impl_->acceptor.local_endpoint(ec).port();
}

void ByteListener::stop() {
    std::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->on_accept = nullptr;
}

}  // namespace wskit::detail
