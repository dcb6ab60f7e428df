// A minimal websocketpp echo server, the reference point of the benchmarks:
// one thread, no locks, stub loggers, a 64 KiB read buffer, and every received
// message sent back as it is, framed in place (no payload copy).
//
// Usage: echo_server [PORT]   (default 0: a free port; printed on stderr)

#include "serve.hpp"

#include <websocketpp/frame.hpp>

using bench::Server;

int main(int argc, char** argv) {
    Server server;
    bench::init_server(server);

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

    return bench::listen_and_run(server, argc, argv);
}
