// What the baseline servers share around their message handler: a quiet
// endpoint, 127.0.0.1:PORT, the "listening on" line the scripts wait for,
// and a clean stop on SIGINT/SIGTERM.
#pragma once

#include "config.hpp"

#include <websocketpp/frame.hpp>
#include <websocketpp/server.hpp>

#include <asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace bench {

using Server = websocketpp::server<ServerConfig>;

// Stub loggers, one io thread, reuse of the address, a deep accept backlog.
inline void init_server(Server& server) {
    std::signal(SIGPIPE, SIG_IGN);
    server.clear_access_channels(websocketpp::log::alevel::all);
    server.clear_error_channels(websocketpp::log::elevel::all);
    server.init_asio();
    server.set_reuse_addr(true);
    server.set_listen_backlog(4096);
}

// Turns a received message into a prepared outgoing one, in place: a server
// frame is not masked, so the payload is sent as received and only the
// header has to be built (no copy of the payload).
inline void prepare_in_place(Server::message_ptr const& msg) {
    namespace frame = websocketpp::frame;
    std::string const& payload = msg->get_payload();
    frame::basic_header h(msg->get_opcode(), payload.size(), true, false);
    frame::extended_header e(payload.size());
    msg->set_header(frame::prepare_header(h, e));
    msg->set_prepared(true);
}

// PORT from argv[1] (default 0: a free one); serves until SIGINT/SIGTERM.
inline int listen_and_run(Server& server, int argc, char** argv) {
    unsigned short port = argc > 1 ? static_cast<unsigned short>(std::atoi(argv[1])) : 0;
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

}  // namespace bench
