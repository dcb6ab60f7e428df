// Server's public calls, forwarded to its implementation (server.cpp)
// through the interface in server_impl.hpp: no websocketpp here.
#include "net/server_impl.hpp"

#include <wskit/url.hpp>

#include <fmt/format.h>

namespace wskit {

std::string detail::server_url(const ServerOptions& options, std::uint16_t port) {
    const char* scheme = options.tls.cert_file.empty() ? "ws" : "wss";
    if (!options.unix_path.empty()) return fmt::format("{}+unix://{}:/", scheme, options.unix_path);
    return fmt::format("{}://{}/", scheme, host_port(options.host, port));
}

void Server::listen() { impl_->listen(); }
std::uint16_t Server::port() const { return impl_->port(); }
std::string Server::url() const { return detail::server_url(impl_->options, impl_->port()); }
void Server::send(ConnId id, Message message) { impl_->send(id, std::move(message)); }

void Server::send(ConnId id, const Frame& frame) {
    if (frame.data_) impl_->send(id, frame.data_);
}

void Server::broadcast(const std::vector<ConnId>& ids, const Frame& frame) {
    if (!frame.data_) return;
    for (ConnId id : ids) impl_->send(id, frame.data_);
}
void Server::close(ConnId id, int code, const std::string& reason) { impl_->close(id, code, reason); }
void Server::abort(ConnId id) { impl_->abort(id); }
void Server::answer_upgrade(ConnId id, UpgradeAnswer answer) { impl_->answer_upgrade(id, std::move(answer)); }
void Server::shutdown(int code, const std::string& reason) { impl_->shutdown(code, reason); }
std::size_t Server::connection_count() const { return impl_->connection_count(); }
std::size_t Server::buffered_amount(ConnId id) const { return impl_->buffered_amount(id); }
ServerStats Server::stats() const { return impl_->stats; }
void Server::pause_reading(ConnId id) { impl_->hold_reading(id, true); }
void Server::resume_reading(ConnId id) { impl_->hold_reading(id, false); }
std::optional<HttpRequest> Server::request(ConnId id) const { return impl_->request(id); }

}  // namespace wskit
