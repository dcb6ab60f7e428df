// A minimal websocketpp echo server, the reference point of the benchmarks:
// one thread, no locks, stub loggers, a 64 KiB read buffer, and every received
// message sent back as it is, framed in place (no payload copy).
//
// Usage: echo_server [PORT]   (default 0: a free port; printed on stderr)

#include "config.hpp"

#include <websocketpp/frame.hpp>
#include <websocketpp/server.hpp>

#include <asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>

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

    server.set_message_handler([&server](websocketpp::connection_hdl hdl, Server::message_ptr msg) {
        namespace frame = websocketpp::frame;
        // Turn the received message into a prepared outgoing one: a server
        // frame is not masked, so the payload is sent as received and only
        // the header has to be built.
        std::string const& payload = msg->get_payload();
        frame::basic_header h(msg->get_opcode(), payload.size(), true, false);
        frame::extended_header e(payload.size());
        msg->set_header(frame::prepare_header(h, e));
        msg->set_prepared(true);
        auto con = server.get_con_from_hdl(std::move(hdl));
        con->send(msg);
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
