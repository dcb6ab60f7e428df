// A minimal websocketpp broadcast server, the ceiling of the fan-out
// benchmarks: one thread, no locks, stub loggers, and each received message
// framed once and queued as the same prepared message on every other
// connection (no copy and no new frame per receiver).
//
// Usage: broadcast_server [PORT]   (default 0: a free port; printed on stderr)

#include "serve.hpp"

#include <set>

using bench::Server;

int main(int argc, char** argv) {
    Server server;
    bench::init_server(server);

    std::set<websocketpp::connection_hdl, std::owner_less<websocketpp::connection_hdl>> connections;
    server.set_open_handler([&](websocketpp::connection_hdl hdl) { connections.insert(hdl); });
    server.set_close_handler([&](websocketpp::connection_hdl hdl) { connections.erase(hdl); });
    server.set_message_handler([&](websocketpp::connection_hdl from, Server::message_ptr msg) {
        bench::prepare_in_place(msg);
        for (const auto& hdl : connections) {
            if (!hdl.owner_before(from) && !from.owner_before(hdl)) continue;  // not back to the sender
            websocketpp::lib::error_code ec;
            server.send(hdl, msg, ec);
        }
    });

    return bench::listen_and_run(server, argc, argv);
}
