// The servers of a run: their URLs, and each one resolved with the run's
// handshake options (bench_run_impl.cpp plans the connections over them).
#include "bench/worker.hpp"

#include <wskit/error.hpp>

namespace wskit {

std::vector<Url> bench_servers(const BenchOptions& options) {
    std::vector<Url> servers{options.client.url};
    servers.insert(servers.end(), options.other_servers.begin(), options.other_servers.end());
    return servers;
}

namespace detail::bench {
namespace {

tcp::resolver::results_type resolve(const Url& url) {
    if (!url.unix_socket.empty()) return {};  // nothing to resolve
    asio::io_context io;
    tcp::resolver resolver(io);
    asio::error_code ec;
    auto results = resolver.resolve(url.host, std::to_string(url.port), ec);
    if (ec) throw Error(ExitCode::connect, "cannot resolve " + url.host + ": " + ec.message());
    return results;
}

}  // namespace

std::vector<Target> resolve_targets(const BenchOptions& o) {
    std::vector<Target> targets;
    for (const auto& url : bench_servers(o)) {
        Target t{o.client, resolve(url)};
        t.client.url = url;
        targets.push_back(std::move(t));
    }
    return targets;
}

}  // namespace detail::bench
}  // namespace wskit
