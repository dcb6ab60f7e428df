// A minimal websocketpp echo server, the reference point of the benchmarks:
// one thread, no locks, stub loggers, a 64 KiB read buffer, and every received
// message sent back as it is, framed in place (no payload copy).
//
// Usage: echo_server [PORT]   (default 0: a free port; printed on stderr)

#include "serve.hpp"

using bench::Server;

int main(int argc, char** argv) {
    Server server;
    bench::init_server(server);

    server.set_message_handler([&server](websocketpp::connection_hdl hdl, Server::message_ptr msg) {
        bench::prepare_in_place(msg);
        auto con = server.get_con_from_hdl(std::move(hdl));
        con->send(msg);
    });

    return bench::listen_and_run(server, argc, argv);
}
