// How a server reads and what its messages are made of (hooks 39 and 40 in
// net/wspp/README.md): a connection's own read buffer is 1 KiB, the socket is
// read into one buffer of the endpoint and handed over in pieces; messages
// come from a pool of the endpoint. On a real loop, with a raw client in a
// thread of its own sending exactly the bytes each test needs.
#include <wskit/server.hpp>

#include "proto/frame_codec.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace wskit;
using namespace std::chrono_literals;

namespace {

// A guard, not a synchronisation: each test stops its loop on the event it
// waits for; this only keeps a broken build from hanging the suite.
constexpr std::chrono::seconds give_up{20};

// A blocking client: the handshake, then whatever bytes a test sends.
class RawClient {
public:
    explicit RawClient(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
        send_all("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        while (head_.find("\r\n\r\n") == std::string::npos) {
            char c;
            if (::recv(fd_, &c, 1, 0) != 1) return;
            head_ += c;
        }
    }
    ~RawClient() { ::close(fd_); }

    bool upgraded() const { return head_.rfind("HTTP/1.1 101", 0) == 0; }

    void send_all(const std::string& bytes) {
        for (std::size_t sent = 0; sent < bytes.size();) {
            auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return;
            sent += static_cast<std::size_t>(n);
        }
    }

    // Reads one unfragmented server frame's payload (a server does not mask).
    std::optional<std::string> read_message() {
        unsigned char head[14];
        if (!read_exactly(head, 2)) return std::nullopt;
        auto size = detail::frame_header_size(head[1]);
        if (!read_exactly(head + 2, size - 2)) return std::nullopt;
        auto header = detail::read_frame_header(head);
        std::string payload(header.length, '\0');
        if (!read_exactly(reinterpret_cast<unsigned char*>(payload.data()), payload.size())) return std::nullopt;
        return payload;
    }

private:
    bool read_exactly(unsigned char* out, std::size_t n) {
        for (std::size_t got = 0; got < n;) {
            auto r = ::recv(fd_, out + got, n - got, 0);
            if (r <= 0) return false;
            got += static_cast<std::size_t>(r);
        }
        return true;
    }

    int fd_ = -1;
    std::string head_;
};

// A masked client frame.
std::string client_frame(const std::string& payload, bool binary) {
    detail::FrameHeader h;
    h.fin = true;
    h.opcode = binary ? 2 : 1;
    h.masked = true;
    h.mask_key = 0x12345678;
    h.length = payload.size();
    unsigned char head[14];
    auto n = detail::write_frame_header(h, head);
    std::string masked = payload;
    detail::mask_payload(masked.data(), masked.size(), h.mask_key);
    return std::string(reinterpret_cast<char*>(head), n) + masked;
}

std::string random_bytes(std::size_t n) {
    std::mt19937 rng(42);
    std::string out(n, '\0');
    for (auto& c : out) c = static_cast<char>(rng());
    return out;
}

}  // namespace

TEST_CASE("server reads: a 1 MiB message read through a 1 KiB buffer comes back whole", "[server-reads]") {
    EventLoop loop;
    Server* server = nullptr;
    Server::Handlers h;
    h.on_event = [&](Event& e) {
        if (e.type == EventType::message) server->send(e.conn, server->prepare(std::move(e.message)));
    };
    ServerOptions options;
    options.max_message_size = 4 << 20;
    Server s(loop, options, std::move(h));
    server = &s;
    s.listen();

    const auto payload = random_bytes(1 << 20);
    std::optional<std::string> echo;
    bool upgraded = false;
    std::thread client([&, port = s.port()] {
        RawClient c(port);
        upgraded = c.upgraded();
        // One write: the server's socket holds far more than its buffer.
        c.send_all(client_frame(payload, true) + client_frame("after", false));
        echo = c.read_message();
        auto after = c.read_message();
        if (!after || *after != "after") echo.reset();
        loop.post([&] { loop.stop(); });
    });
    loop.after(give_up, [&] { loop.stop(); });
    loop.run();
    client.join();
    REQUIRE(upgraded);
    REQUIRE(echo);
    CHECK(echo->size() == payload.size());
    CHECK(*echo == payload);
}

TEST_CASE("server reads: bytes read before reading is paused are delivered after it resumes, in order",
          "[server-reads]") {
    EventLoop loop;
    Server* server = nullptr;
    std::vector<std::string> received;
    constexpr int count = 300;
    Server::Handlers h;
    h.on_event = [&](Event& e) {
        if (e.type == EventType::all_closed) loop.stop();
        if (e.type != EventType::message) return;
        received.push_back(e.message.payload);
        // Paused in the middle of many messages that came in one read, past
        // the first buffer's worth: the rest are staged and must wait for
        // the resume (in the connection's own buffer).
        if (received.size() == count / 2) {
            server->pause_reading(e.conn);
            loop.after(50ms, [&, id = e.conn] { server->resume_reading(id); });
        }
        if (received.size() == count) server->shutdown(1001, "");
    };
    Server s(loop, ServerOptions{}, std::move(h));
    server = &s;
    s.listen();

    std::vector<std::string> sent;
    std::string burst;
    for (int i = 0; i < count; ++i) {
        sent.push_back("message " + std::to_string(i) + std::string(static_cast<std::size_t>(i % 50), 'x'));
        burst += client_frame(sent.back(), false);
    }
    REQUIRE(burst.size() > 4 * 1024);
    std::thread client([&, port = s.port()] {
        RawClient c(port);
        c.send_all(burst);
        // Holds the connection open until the server has read everything.
        c.read_message();
    });
    loop.after(give_up, [&] { loop.stop(); });
    loop.run();
    client.join();
    CHECK(received == sent);
}

TEST_CASE("server messages: a frame kept after its server is gone is still sound", "[server-reads]") {
    Server::Frame kept;
    std::string payload;
    {
        EventLoop loop;
        Server* server = nullptr;
        Server::Handlers h;
        h.on_event = [&](Event& e) {
            if (e.type == EventType::all_closed) loop.stop();
            if (e.type == EventType::message) {
                // A frame of the message's own memory (it came from the pool).
                kept = server->prepare(std::move(e.message));
                server->shutdown(1001, "");
            }
        };
        Server s(loop, ServerOptions{}, std::move(h));
        server = &s;
        s.listen();
        std::thread client([port = s.port()] {
            RawClient c(port);
            c.send_all(client_frame("kept past the server", false));
            c.read_message();  // until the server closes
        });
        loop.after(give_up, [&] { loop.stop(); });
        loop.run();
        client.join();
    }
    // The pool has been released with its endpoint; the frame still holds
    // its message, given back (and freed) when the frame goes.
    CHECK(kept.payload_size() == std::string("kept past the server").size());
    kept = Server::Frame();
}
