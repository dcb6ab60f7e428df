// Connector: name resolution, every address tried in turn, and the proxy
// tunnel (HTTP CONNECT or SOCKS5), each step told to the trace handler.
#include "proto/http_tunnel.hpp"
#include "proto/socks5.hpp"
#include "net/unix_socket.hpp"
#include "net/wspp/wspp.hpp"

#include <wskit/url.hpp>

#include <fmt/format.h>

namespace wskit::detail {
namespace {

std::string endpoint_text(const asio::ip::tcp::endpoint& e) { return host_port(e.address().to_string(), e.port()); }

}  // namespace

Connector::Connector(asio::io_context& io, asio::ip::tcp::socket& socket, std::shared_ptr<void> keep_alive, Route route,
                     TraceHandler trace, std::shared_ptr<ConnectOutcome> outcome, Done done)
    : socket_(socket),
      keep_alive_(std::move(keep_alive)),
      route_(std::move(route)),
      trace_(std::move(trace)),
      outcome_(std::move(outcome)),
      done_(std::move(done)),
      resolver_(io),
      deadline_(io) {}

void Connector::note(std::string text, TraceLine::Kind kind) {
    if (trace_) trace_(TraceLine{kind, std::move(text)});
}

std::string Connector::target_authority() const { return host_port(route_.host, route_.port); }

// Where the TCP connection goes: the proxy when there is one.
const std::string& Connector::first_hop_host() const { return route_.proxy ? route_.proxy->host : route_.host; }
std::uint16_t Connector::first_hop_port() const { return route_.proxy ? route_.proxy->port : route_.port; }

void Connector::start() {
    // One deadline for resolution, every TCP attempt and the tunnel: the
    // user's --connect-timeout, not websocketpp's fixed 5 s per phase.
    outcome_->started = ConnectOutcome::Clock::now();
    deadline_.expires_after(route_.timeout);
    deadline_.async_wait([self = shared_from_this()](std::error_code ec) {
        if (ec || self->finished_) return;
        self->timed_out_ = true;
        self->resolver_.cancel();
        std::error_code ignored;
        self->socket_.close(ignored);
    });
    if (!route_.unix_path.empty()) return connect_unix();
    resolver_.async_resolve(first_hop_host(), std::to_string(first_hop_port()),
                            [self = shared_from_this()](std::error_code ec, asio::ip::tcp::resolver::results_type r) {
                                self->on_resolved(ec, std::move(r));
                            });
}

// Nothing to resolve, and no proxy: the connection is local (hook 37 in
// net/wspp/README.md).
void Connector::connect_unix() {
    auto name = "unix:" + route_.unix_path;
    note(fmt::format("Trying {}...", name));
    outcome_->resolved = ConnectOutcome::Clock::now();
    outcome_->resolved_host = name;
    outcome_->addresses.push_back(name);
    async_connect_unix(socket_, route_.unix_path, [self = shared_from_this(), name](std::error_code ec) {
        if (self->timed_out_) return self->finish_timed_out();
        self->outcome_->attempts.emplace_back(name, ec ? ec.message() : "");
        if (ec) {
            self->note(fmt::format("connect to {} failed: {}", name, ec.message()));
            return self->finish(ec);
        }
        self->outcome_->remote = name;
        self->outcome_->connected = ConnectOutcome::Clock::now();
        self->note(fmt::format("Connected to {}", name));
        self->finish({});
    });
}

void Connector::on_resolved(std::error_code ec, asio::ip::tcp::resolver::results_type results) {
    if (timed_out_) return finish_timed_out();
    if (ec) return finish(ec);
    outcome_->resolved = ConnectOutcome::Clock::now();
    outcome_->resolved_host = host_port(first_hop_host(), first_hop_port());
    std::vector<std::string> v6, v4;
    for (const auto& entry : results) {
        addresses_.push_back(entry.endpoint());
        outcome_->addresses.push_back(endpoint_text(entry.endpoint()));
        (entry.endpoint().address().is_v6() ? v6 : v4).push_back(entry.endpoint().address().to_string());
    }
    note(fmt::format("Host {} was resolved.", host_port(first_hop_host(), first_hop_port())));
    note(fmt::format("IPv6: {}", v6.empty() ? "(none)" : fmt::format("{}", fmt::join(v6, ", "))));
    note(fmt::format("IPv4: {}", v4.empty() ? "(none)" : fmt::format("{}", fmt::join(v4, ", "))));
    try_next();
}

void Connector::try_next() {
    if (timed_out_) return finish_timed_out();
    if (next_ == addresses_.size())
        return finish(last_error_ ? last_error_ : make_error_code(asio::error::host_not_found));
    const auto& address = addresses_[next_++];
    note(fmt::format("Trying {}...", endpoint_text(address)));
    std::error_code ignored;
    socket_.close(ignored);
    socket_.async_connect(address, [self = shared_from_this()](std::error_code ec) { self->on_connected(ec); });
}

void Connector::on_connected(std::error_code ec) {
    const auto& address = addresses_[next_ - 1];
    if (timed_out_) return finish_timed_out();
    if (ec) {
        note(fmt::format("connect to {} port {} failed: {}", address.address().to_string(), address.port(),
                         ec.message()));
        last_error_ = ec;
        outcome_->attempts.emplace_back(endpoint_text(address), ec.message());
        return try_next();
    }
    outcome_->remote = endpoint_text(address);
    outcome_->attempts.emplace_back(outcome_->remote, "");
    outcome_->connected = ConnectOutcome::Clock::now();
    note(fmt::format("Connected to {} ({}) port {}", first_hop_host(), address.address().to_string(), address.port()));
    start_tunnel();
}

void Connector::start_tunnel() {
    if (!route_.proxy) return finish({});
    switch (route_.proxy->kind) {
        case ProxyKind::http: return do_http_connect();
        case ProxyKind::socks5h: return do_socks5({});
        case ProxyKind::socks5: {
            // socks5:// resolves the target here (curl's behaviour) and sends
            // the first address, IPv4 or IPv6.
            resolver_.async_resolve(
                route_.host, std::to_string(route_.port),
                [self = shared_from_this()](std::error_code ec, asio::ip::tcp::resolver::results_type r) {
                    if (self->timed_out_) return self->finish_timed_out();
                    if (ec || r.empty())
                        return self->fail_tunnel(fmt::format("cannot resolve host {} (for the SOCKS5 proxy {}; use "
                                                             "socks5h:// to let the proxy resolve it)",
                                                             self->route_.host, self->route_.proxy->authority()));
                    auto a = r.begin()->endpoint().address();
                    std::string bytes;
                    if (a.is_v4()) {
                        auto b = a.to_v4().to_bytes();
                        bytes.assign(b.begin(), b.end());
                    } else {
                        auto b = a.to_v6().to_bytes();
                        bytes.assign(b.begin(), b.end());
                    }
                    self->do_socks5(std::move(bytes));
                });
            return;
        }
    }
}

void Connector::do_http_connect() {
    const auto& proxy = *route_.proxy;
    note(fmt::format("Establish HTTP proxy tunnel to {}", target_authority()));
    auto request = http_connect_request(target_authority(), proxy.user, proxy.password, route_.user_agent);
    // Shown as sent, but never the credentials.
    std::size_t start = 0;
    while (start < request.size()) {
        auto end = request.find("\r\n", start);
        auto line = request.substr(start, end - start);
        if (line.rfind("Proxy-Authorization:", 0) == 0) line = "Proxy-Authorization: Basic [hidden]";
        note(line, TraceLine::Kind::sent);
        start = end + 2;
    }
    buffer_ = std::move(request);
    asio::async_write(socket_, asio::buffer(buffer_), [self = shared_from_this()](std::error_code ec, std::size_t) {
        if (ec) return self->on_tunnel_broken(ec);
        self->buffer_.clear();
        // The proxy says nothing after its answer until the client speaks
        // (the client speaks first in both HTTP and TLS), so reading up to
        // the blank line never takes bytes of the tunnel.
        asio::async_read_until(
            self->socket_, asio::dynamic_buffer(self->buffer_), "\r\n\r\n",
            [self](std::error_code read_ec, std::size_t head_size) {
                const auto& proxy_name = self->route_.proxy->authority();
                if (self->timed_out_) return self->finish_timed_out();
                if (read_ec)
                    return self->fail_tunnel(fmt::format("the proxy {} closed the connection instead of opening a "
                                                         "tunnel to {} ({})",
                                                         proxy_name, self->target_authority(), read_ec.message()));
                std::string head = self->buffer_.substr(0, head_size);
                for (std::size_t pos = 0; pos + 2 < head.size();) {
                    auto end = head.find("\r\n", pos);
                    self->note(head.substr(pos, end - pos), TraceLine::Kind::received);
                    pos = end + 2;
                }
                auto refusal = connect_refusal(parse_connect_answer(head), self->buffer_.size() != head_size);
                if (refusal.empty()) {
                    self->outcome_->tunneled = ConnectOutcome::Clock::now();
                    self->note("CONNECT tunnel established");
                    return self->finish({});
                }
                self->fail_tunnel(fmt::format("the proxy {} refused to open a tunnel to {}: {}", proxy_name,
                                              self->target_authority(), refusal));
            });
    });
}

void Connector::do_socks5(std::string address) {
    const auto& proxy = *route_.proxy;
    socks_ = std::make_unique<Socks5Handshake>(proxy.authority(), target_authority(),
                                               Socks5Target{route_.host, std::move(address), route_.port},
                                               proxy.user, proxy.password);
    socks5_step(socks_->start());
}

void Connector::socks5_step(Socks5Handshake::Step step) {
    for (auto& n : step.notes) note(std::move(n));
    if (!step.error.empty()) return fail_tunnel(std::move(step.error));
    if (step.done) {
        outcome_->tunneled = ConnectOutcome::Clock::now();
        return finish({});
    }
    auto read = [self = shared_from_this(), size = step.read]() {
        self->buffer_.assign(size, '\0');
        asio::async_read(self->socket_, asio::buffer(self->buffer_), [self](std::error_code ec, std::size_t) {
            if (self->timed_out_) return self->finish_timed_out();
            if (ec)
                return self->fail_tunnel(fmt::format("SOCKS5 proxy {} closed the connection during the handshake "
                                                     "for {} ({})",
                                                     self->route_.proxy->authority(), self->target_authority(),
                                                     ec.message()));
            self->socks5_step(self->socks_->feed(self->buffer_));
        });
    };
    if (step.send.empty()) return read();
    buffer_ = std::move(step.send);
    asio::async_write(socket_, asio::buffer(buffer_), [self = shared_from_this(), read](std::error_code ec, std::size_t) {
        if (ec) return self->on_tunnel_broken(ec);
        read();
    });
}

// The proxy went away while the tunnel was being opened (or the deadline
// closed the socket).
void Connector::on_tunnel_broken(std::error_code ec) {
    if (timed_out_) return finish_timed_out();
    fail_tunnel(fmt::format("the proxy {} closed the connection while opening a tunnel to {} ({})",
                            route_.proxy->authority(), target_authority(), ec.message()));
}

// Failures are websocketpp's codes: its client hands them to the fail
// handler (hook 27 in net/wspp/README.md).
void Connector::finish_timed_out() {
    finish(websocketpp::transport::error::make_error_code(websocketpp::transport::error::timeout));
}

void Connector::fail_tunnel(std::string why) {
    finish(make_error_code(websocketpp::transport::asio::error::proxy_failed), std::move(why));
}

void Connector::finish(std::error_code ec, std::string tunnel_error) {
    if (finished_) return;
    finished_ = true;
    deadline_.cancel();
    if (!tunnel_error.empty()) outcome_->tunnel_error = std::move(tunnel_error);
    auto done = std::move(done_);
    auto keep_alive = std::move(keep_alive_);
    done(ec);
}

}  // namespace wskit::detail
