// The flow events (drained, all_closed, finished) and the diagnostics sink,
// on a real loop with a real server and client on 127.0.0.1.
#include <wskit/client.hpp>
#include <wskit/diagnostics.hpp>
#include <wskit/server.hpp>
#include <wskit/url.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <memory>

#include <string>
#include <utility>
#include <vector>

using namespace wskit;

namespace {

// A guard, not a synchronisation: each test stops its loop on the event it
// waits for; this only keeps a broken build from hanging the suite.
constexpr std::chrono::seconds give_up{20};

ClientOptions client_to(const Server& server) {
    ClientOptions o;
    o.url = parse_url(server.url());
    o.max_message_size = 64u << 20;
    return o;
}

// What a client that never opens gives: its events until finished, those
// given from inside connect() among them, and its exit status.
struct NeverOpened {
    std::vector<EventType> seen_in_connect;
    std::vector<EventType> seen;
    ExitCode exit = ExitCode::ok;
};

NeverOpened events_until_finished(const ClientOptions& options) {
    EventLoop loop;
    NeverOpened r;
    Client client(loop, options, [&](const Event& e) {
        r.seen.push_back(e.type);
        if (e.type == EventType::finished) loop.stop();
    });
    client.connect();
    r.seen_in_connect = r.seen;
    loop.after(give_up, [&] { loop.stop(); });
    loop.run();
    r.exit = client.exit_code();
    return r;
}

}  // namespace

TEST_CASE("server: drained comes once a large message has all been written", "[events]") {
    EventLoop loop;
    Server* server = nullptr;
    const std::size_t size = 32u << 20;  // well past the socket buffers
    ConnId opened = 0;
    std::size_t buffered_after_send = 0;
    std::vector<std::pair<ConnId, std::size_t>> drained;  // id, its buffered amount then
    std::size_t received = 0;
    Server::Handlers h;
    h.on_event = [&](Event& e) {
        if (e.type == EventType::open) {
            opened = e.conn;
            server->send(e.conn, Message{Opcode::binary, std::string(size, 'x')});
            buffered_after_send = server->buffered_amount(e.conn);
        } else if (e.type == EventType::drained) {
            drained.emplace_back(e.conn, server->buffered_amount(e.conn));
            if (received == size) loop.stop();
        }
    };
    ServerOptions so;
    so.max_message_size = 64u << 20;
    Server s(loop, so, std::move(h));
    server = &s;
    s.listen();
    Client client(loop, client_to(s), [&](const Event& e) {
        if (e.type != EventType::message) return;
        received = e.message.payload.size();
        if (!drained.empty()) loop.stop();
    });
    client.connect();
    loop.after(give_up, [&] { loop.stop(); });
    loop.run();
    CHECK(buffered_after_send > size);
    REQUIRE(received == size);
    REQUIRE_FALSE(drained.empty());
    CHECK(drained.back().first == opened);
    CHECK(drained.back().second == 0);
}

TEST_CASE("client: drained comes once what it sent has been written", "[events]") {
    EventLoop loop;
    Server::Handlers h;
    ServerOptions so;
    so.max_message_size = 64u << 20;
    Server s(loop, so, std::move(h));
    s.listen();
    std::size_t backlog_after_send = 0;
    std::vector<std::size_t> drained_backlogs;
    Client* client_ptr = nullptr;
    Client client(loop, client_to(s), [&](const Event& e) {
        if (e.type == EventType::open) {
            client_ptr->send(Message{Opcode::binary, std::string(32u << 20, 'y')});
            backlog_after_send = client_ptr->backlog();
        } else if (e.type == EventType::drained) {
            drained_backlogs.push_back(client_ptr->backlog());
            loop.stop();
        }
    });
    client_ptr = &client;
    client.connect();
    loop.after(give_up, [&] { loop.stop(); });
    loop.run();
    CHECK(backlog_after_send > 0);
    REQUIRE(drained_backlogs.size() == 1);
    CHECK(drained_backlogs[0] == 0);
}

// finished comes after the last event a client gives, once the library is
// done with the connection: the owner may destroy the Client then.
TEST_CASE("client: finished follows the close event, and the client may be destroyed then", "[events]") {
    EventLoop loop;
    Server s(loop, ServerOptions{}, Server::Handlers{});
    s.listen();
    std::vector<EventType> seen;
    bool finished_then = false;
    std::unique_ptr<Client> client;
    client = std::make_unique<Client>(loop, client_to(s), [&](const Event& e) {
        if (e.type != EventType::drained) seen.push_back(e.type);
        if (e.type == EventType::open) client->close(1000, "bye");
        if (e.type == EventType::finished) {
            finished_then = client->finished();
            loop.post([&] {
                client.reset();
                loop.stop();
            });
        }
    });
    client->connect();
    loop.after(give_up, [&] { loop.stop(); });
    loop.run();
    CHECK(seen == std::vector<EventType>{EventType::open, EventType::close, EventType::finished});
    CHECK(finished_then);
    CHECK_FALSE(client);
}

TEST_CASE("client: finished follows the error event of a connection that never opened", "[events]") {
    std::uint16_t port = 0;
    {
        EventLoop never_run;
        Server s(never_run, ServerOptions{}, Server::Handlers{});
        s.listen();
        port = s.port();
    }  // nothing listens there now
    ClientOptions o;
    o.url = parse_url(fmt::format("ws://127.0.0.1:{}/", port));
    auto r = events_until_finished(o);
    CHECK(r.seen == std::vector<EventType>{EventType::error, EventType::finished});
    CHECK(r.exit == ExitCode::connect);
}

TEST_CASE("client: a request it cannot make gives error then finished, from the loop", "[events]") {
    ClientOptions o;
    o.url = parse_url("ws://127.0.0.1:1/");
    o.proxy = "gopher://proxy.test";  // no such kind of proxy
    auto r = events_until_finished(o);
    CHECK(r.seen_in_connect.empty());  // not from inside connect()
    CHECK(r.seen == std::vector<EventType>{EventType::error, EventType::finished});
    CHECK(r.exit == ExitCode::usage);
}

TEST_CASE("server: all_closed follows the last close event after shutdown", "[events]") {
    EventLoop loop;
    Server* server = nullptr;
    std::vector<EventType> seen;
    Server::Handlers h;
    h.on_event = [&](Event& e) {
        if (e.type == EventType::drained) return;
        seen.push_back(e.type);
        if (e.type == EventType::open) server->shutdown(1001, "going away");
        if (e.type == EventType::all_closed) loop.stop();
    };
    Server s(loop, ServerOptions{}, std::move(h));
    server = &s;
    s.listen();
    Client client(loop, client_to(s), [](const Event&) {});
    client.connect();
    loop.after(give_up, [&] { loop.stop(); });
    loop.run();
    CHECK(seen == std::vector<EventType>{EventType::open, EventType::close, EventType::all_closed});
    CHECK(s.connection_count() == 0);
}

TEST_CASE("server: all_closed comes from the loop when shutdown finds no connection", "[events]") {
    EventLoop loop;
    int all_closed = 0;
    Server::Handlers h;
    h.on_event = [&](Event& e) {
        if (e.type != EventType::all_closed) return;
        ++all_closed;
        loop.stop();
    };
    Server s(loop, ServerOptions{}, std::move(h));
    s.listen();
    s.shutdown(1001, "going away");
    CHECK(all_closed == 0);  // not from inside shutdown()
    loop.after(give_up, [&] { loop.stop(); });
    loop.run();
    CHECK(all_closed == 1);
}

TEST_CASE("server: a warning without on_warning goes to the diagnostics sink", "[events][diagnostics]") {
    std::vector<std::string> lines;
    auto previous = set_diagnostic_sink([&lines](DiagnosticKind kind, std::string_view text) {
        if (kind == DiagnosticKind::warning) lines.emplace_back(text);
    });
    EventLoop loop;
    ServerOptions so;
    so.subprotocols = {"chat"};
    so.answer_first_offer = false;
    Server s(loop, so, Server::Handlers{});
    s.listen();
    auto co = client_to(s);
    co.subprotocols = {"other"};
    Client client(loop, co, [&](const Event& e) {
        if (e.type == EventType::open || e.type == EventType::error) loop.stop();
    });
    client.connect();
    loop.after(give_up, [&] { loop.stop(); });
    loop.run();
    set_diagnostic_sink(std::move(previous));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].rfind("wskit: ", 0) == 0);
    CHECK(lines[0].find("'other'") != std::string::npos);
}
