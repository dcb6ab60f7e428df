// Server::Handlers::on_upgrade and Server::answer_upgrade (hook 36 in
// net/wspp/README.md): an upgrade held until the application answers it, on
// a real loop with a real server and client on 127.0.0.1.
#include <wskit/client.hpp>
#include <wskit/server.hpp>
#include <wskit/url.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

using namespace wskit;
using namespace std::chrono_literals;

namespace {

// A guard, not a synchronisation: each test stops its loop on the event it
// waits for; this only keeps a broken build from hanging the suite.
constexpr std::chrono::seconds give_up{20};

struct Outcome {
    std::vector<std::string> held;      // the resources of the upgrades held, in order
    std::optional<Event> client_open;   // the client's open event
    std::string response;               // the answer's head as the client read it
    std::string body;
    int status = 0;
    std::vector<ConnId> server_opens;
    std::vector<std::string> server_errors;
};

// Holds each upgrade for `delay`, then gives it `answer`.
Outcome run(const UpgradeAnswer& answer, std::chrono::milliseconds delay, std::vector<std::string> offers = {}) {
    EventLoop loop;
    Outcome out;
    Server* server = nullptr;
    Server::Handlers h;
    h.on_upgrade = [&](ConnId id, const HttpRequest& req) {
        out.held.push_back(req.resource);
        loop.after(delay, [&, id] { server->answer_upgrade(id, answer); });
    };
    h.on_event = [&](Event& e) {
        if (e.type == EventType::open) out.server_opens.push_back(e.conn);
        if (e.type == EventType::error) out.server_errors.push_back(e.text);
    };
    Server s(loop, ServerOptions{}, std::move(h));
    server = &s;
    s.listen();
    ClientOptions co;
    co.url = parse_url(s.url() + "held?x=1");
    co.subprotocols = std::move(offers);
    std::unique_ptr<Client> client;
    client = std::make_unique<Client>(loop, co, [&](const Event& e) {
        if (e.type == EventType::open) {
            out.client_open = e;
            client->close(1000, "");
        }
        if (e.type == EventType::finished) loop.stop();
    });
    client->connect();
    loop.after(give_up, [&] { loop.stop(); });
    loop.run();
    out.response = client->handshake().response;
    out.body = client->handshake().body;
    out.status = client->handshake().status;
    return out;
}

}  // namespace

TEST_CASE("held upgrade: opens with the subprotocol and headers of the answer", "[held-upgrade]") {
    UpgradeAnswer accept;
    accept.subprotocol = "b";
    accept.headers = {{"X-Answered-By", "upstream"}};
    auto out = run(accept, 100ms, {"a", "b"});
    REQUIRE(out.held == std::vector<std::string>{"/held?x=1"});
    REQUIRE(out.client_open);
    CHECK(out.client_open->subprotocol == "b");
    CHECK(out.response.find("X-Answered-By: upstream") != std::string::npos);
    CHECK(out.server_opens == std::vector<ConnId>{1});  // the id on_upgrade was given
}

TEST_CASE("held upgrade: a refusal goes out as given, body and all", "[held-upgrade]") {
    UpgradeAnswer refuse;
    refuse.refusal = HttpResponse{502, {{"X-Why", "upstream down"}}, "no upstream\n"};
    auto out = run(refuse, 50ms);
    CHECK_FALSE(out.client_open);
    CHECK(out.status == 502);
    CHECK(out.response.find("X-Why: upstream down") != std::string::npos);
    CHECK(out.body == "no upstream\n");
    CHECK(out.server_opens.empty());
}

TEST_CASE("held upgrade: the server's own refusals are not held", "[held-upgrade]") {
    EventLoop loop;
    bool held = false;
    Server::Handlers h;
    h.on_upgrade = [&](ConnId, const HttpRequest&) { held = true; };
    h.on_handshake = [](const HttpRequest&) -> std::optional<HttpResponse> { return HttpResponse{403, {}, "no\n"}; };
    Server s(loop, ServerOptions{}, std::move(h));
    s.listen();
    ClientOptions co;
    co.url = parse_url(s.url());
    Client client(loop, co, [&](const Event& e) {
        if (e.type == EventType::finished) loop.stop();
    });
    client.connect();
    loop.after(give_up, [&] { loop.stop(); });
    loop.run();
    CHECK_FALSE(held);
    CHECK(client.handshake().status == 403);
}

TEST_CASE("held upgrade: a client dropped at the handshake timeout while held is reported by an error event", "[held-upgrade]") {
    EventLoop loop;
    std::vector<ConnId> held;
    std::vector<ConnId> errors;
    Server* server = nullptr;
    Server::Handlers h;
    h.on_upgrade = [&](ConnId id, const HttpRequest&) { held.push_back(id); };
    h.on_event = [&](Event& e) {
        if (e.type != EventType::error) return;
        errors.push_back(e.conn);
        // Too late: ignored.
        server->answer_upgrade(e.conn, UpgradeAnswer{});
        loop.stop();
    };
    ServerOptions so;
    so.handshake_timeout = 300ms;  // the client's silence ends it; nothing reads it while held
    Server s(loop, so, std::move(h));
    server = &s;
    s.listen();
    ClientOptions co;
    co.url = parse_url(s.url());
    co.open_timeout = 10s;
    Client client(loop, co, [](const Event&) {});
    client.connect();
    loop.after(give_up, [&] { loop.stop(); });
    loop.run();
    CHECK(held == std::vector<ConnId>{1});
    CHECK(errors == std::vector<ConnId>{1});
}

TEST_CASE("held upgrade: shutdown refuses what is held with 503 and all_closed follows", "[held-upgrade]") {
    EventLoop loop;
    Server* server = nullptr;
    bool all_closed = false;
    Server::Handlers h;
    h.on_upgrade = [&](ConnId, const HttpRequest&) { server->shutdown(1001, "bye"); };
    h.on_event = [&](Event& e) {
        if (e.type == EventType::all_closed) all_closed = true;
    };
    Server s(loop, ServerOptions{}, std::move(h));
    server = &s;
    s.listen();
    ClientOptions co;
    co.url = parse_url(s.url());
    Client client(loop, co, [&](const Event& e) {
        if (e.type == EventType::finished && all_closed) loop.stop();
    });
    client.connect();
    loop.after(give_up, [&] { loop.stop(); });
    loop.run();
    CHECK(client.handshake().status == 503);
    CHECK(all_closed);
}
