// A minimal websocketpp broadcast server, the ceiling of the fan-out
// benchmarks: one thread, no locks, stub loggers, and each received message
// framed once and queued as the same prepared message on every other
// connection (no copy and no new frame per receiver).
//
// Usage: broadcast_server [PORT]   (default 0: a free port; printed on stderr)

#include "config.hpp"

#include <websocketpp/frame.hpp>
#include <websocketpp/server.hpp>

#include <asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <set>

using Server = websocketpp::server<bench::ServerConfig>;

int main(int argc, char** argv) {
    unsigned short port = argc > 1 ? static_cast<unsigned short>(std::atoi(argv[1])) : 0;
    std::signal(SIGPIPE, SIG_IGN);

    Server server;
    server.clear_access_channels(websocketpp::log::alevel::all);
    server.clear_error_channels(websocketpp::log::elevel::all);
    server.init_asio();
    server.set_reuse_addr(true);
    server.set_listen_backlog(4096);

    std::set<websocketpp::connection_hdl, std::owner_less<websocketpp::connection_hdl>> connections;
    server.set_open_handler([&](websocketpp::connection_hdl hdl) { connections.insert(hdl); });
    server.set_close_handler([&](websocketpp::connection_hdl hdl) { connections.erase(hdl); });
    server.set_message_handler([&](websocketpp::connection_hdl from, Server::message_ptr msg) {
        namespace frame = websocketpp::frame;
        std::string const& payload = msg->get_payload();
        frame::basic_header h(msg->get_opcode(), payload.size(), true, false);
        frame::extended_header e(payload.size());
        msg->set_header(frame::prepare_header(h, e));
        msg->set_prepared(true);
        for (const auto& hdl : connections) {
            if (!hdl.owner_before(from) && !from.owner_before(hdl)) continue;  // not back to the sender
            websocketpp::lib::error_code ec;
            server.send(hdl, msg, ec);
        }
    });

    asio::error_code ec;
    server.listen(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (ec) {
        std::fprintf(stderr, "listen: %s\n", ec.message().c_str());
        return 1;
    }
    auto local = server.get_local_endpoint(ec);
    server.start_accept();
    std::fprintf(stderr, "listening on ws://127.0.0.1:%u/\n", static_cast<unsigned>(local.port()));

    asio::signal_set signals(server.get_io_service(), SIGINT, SIGTERM);
    signals.async_wait([&server](asio::error_code const&, int) { server.stop(); });
    server.run();
    return 0;
}
