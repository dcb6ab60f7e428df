// Http2Session against an nghttp2 server session in memory: the bytes of
// each side are handed to the other, so flow control can be watched frame by
// frame, without sockets.
#include "support.hpp"

#include "net/h2_session.hpp"

#include <nghttp2/nghttp2.h>

#include <map>
#include <string>
#include <vector>

using wskit::Header;
using wskit::detail::Http2Connection;
using wskit::detail::Http2Session;

namespace {

struct Owner final : Http2Session::Owner {
    std::vector<wskit::Http2Setting> settings;
    std::string over;
    void on_settings(const std::vector<wskit::Http2Setting>& s) override { settings = s; }
    void on_session_over(std::string why) override { over = std::move(why); }
    void output_ready() override {}
};

// A server that answers every request with 200 and then `body_size` bytes
// of body on each stream, as fast as the client's windows let it.
struct Server {
    nghttp2_session* session = nullptr;
    std::size_t body_size;
    std::map<std::int32_t, std::size_t> sent;  // per stream

    explicit Server(std::size_t size) : body_size(size) {
        nghttp2_session_callbacks* cb = nullptr;
        nghttp2_session_callbacks_new(&cb);
        nghttp2_session_callbacks_set_on_frame_recv_callback(cb, [](nghttp2_session* s, const nghttp2_frame* f,
                                                                    void* user) {
            auto& self = *static_cast<Server*>(user);
            if (f->hd.type != NGHTTP2_HEADERS || !(f->hd.flags & NGHTTP2_FLAG_END_HEADERS)) return 0;
            self.sent[f->hd.stream_id] = 0;
            nghttp2_nv status{reinterpret_cast<std::uint8_t*>(const_cast<char*>(":status")),
                              reinterpret_cast<std::uint8_t*>(const_cast<char*>("200")), 7, 3, NGHTTP2_NV_FLAG_NONE};
            nghttp2_data_provider body{};
            body.read_callback = [](nghttp2_session*, std::int32_t id, std::uint8_t* buf, std::size_t length,
                                    std::uint32_t*, nghttp2_data_source*, void* u) -> ssize_t {
                auto& srv = *static_cast<Server*>(u);
                auto& so_far = srv.sent[id];
                auto n = std::min(length, srv.body_size - so_far);
                std::fill_n(buf, n, 'b');
                so_far += n;
                return n ? static_cast<ssize_t>(n) : static_cast<ssize_t>(NGHTTP2_ERR_DEFERRED);
            };
            nghttp2_submit_response(s, f->hd.stream_id, &status, 1, &body);
            return 0;
        });
        nghttp2_session_server_new(&session, cb, this);
        nghttp2_session_callbacks_del(cb);
        nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1}};
        nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, settings, 1);
    }
    ~Server() { nghttp2_session_del(session); }

    std::string output() {
        std::string out;
        const std::uint8_t* data = nullptr;
        for (ssize_t n; (n = nghttp2_session_mem_send(session, &data)) > 0;)
            out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
        return out;
    }
    void input(const std::string& bytes) {
        REQUIRE(nghttp2_session_mem_recv(session, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()) ==
                static_cast<ssize_t>(bytes.size()));
    }
};

// Bytes both ways until neither side has anything more to say.
void exchange(Http2Session& client, Server& server) {
    for (int round = 0; round < 100; ++round) {
        std::string to_server;
        client.take_output(to_server);
        client.written();
        if (!to_server.empty()) server.input(to_server);
        for (const auto& [id, sent] : server.sent) nghttp2_session_resume_data(server.session, id);
        auto to_client = server.output();
        if (!to_client.empty()) REQUIRE(client.receive(to_client).empty());
        if (to_server.empty() && to_client.empty()) return;
    }
    FAIL("the sessions kept talking");
}

std::vector<Header> connect_fields() {
    return {{":method", "CONNECT"}, {":protocol", "websocket"}, {":scheme", "http"},
            {":path", "/"},         {":authority", "test"},     {"sec-websocket-version", "13"}};
}

}  // namespace

TEST_CASE("Http2Session: a paused stream holds the server at its window; resumed, the rest comes", "[http2]") {
    Owner owner;
    Http2Session client(owner, {});
    Server server(1 << 20);
    client.start();
    exchange(client, server);
    REQUIRE(owner.settings.size() == 1);
    CHECK(owner.settings[0].id == NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL);
    CHECK(owner.settings[0].value == 1);

    std::size_t received = 0;
    std::int32_t id = 0;
    Http2Connection::StreamHandlers h;
    h.on_data = [&](std::string_view bytes) {
        received += bytes.size();
        client.pause_stream(id);  // a reader that stops at once
    };
    id = client.open_stream(connect_fields(), std::move(h));
    REQUIRE(id == 1);
    exchange(client, server);
    // Our stream window is 256 KiB: paused, no more than that ever comes.
    CHECK(received <= 256 * 1024);
    CHECK(received > 0);
    CHECK(server.sent[id] < (1u << 20));
    const auto held = received;
    exchange(client, server);
    CHECK(received == held);

    client.resume_stream(id);
    exchange(client, server);
    CHECK(received > held);
}

TEST_CASE("Http2Session: streams reset while paused give their bytes back to the connection's window",
          "[http2]") {
    Owner owner;
    Http2Session client(owner, {});
    Server server(1 << 20);
    client.start();
    exchange(client, server);
    // 16 paused streams of 256 KiB each hold the whole 4 MiB connection window.
    std::vector<std::int32_t> ids;
    std::size_t held = 0;
    std::vector<std::uint32_t> closed;
    for (int i = 0; i < 16; ++i) {
        Http2Connection::StreamHandlers h;
        auto index = ids.size();
        h.on_data = [&, index](std::string_view bytes) {
            held += bytes.size();
            client.pause_stream(ids[index]);
        };
        h.on_closed = [&](std::uint32_t code) { closed.push_back(code); };
        ids.push_back(client.open_stream(connect_fields(), std::move(h)));
    }
    exchange(client, server);
    CHECK(held == 16 * 256 * 1024);
    for (auto id : ids) client.reset_stream(id, wskit::detail::http2_cancel);
    exchange(client, server);
    CHECK(closed == std::vector<std::uint32_t>(16, wskit::detail::http2_cancel));
    // Given back: a new stream gets its whole body; kept, it would get nothing.
    std::size_t fresh = 0;
    Http2Connection::StreamHandlers h;
    h.on_data = [&](std::string_view bytes) { fresh += bytes.size(); };
    client.open_stream(connect_fields(), std::move(h));
    exchange(client, server);
    CHECK(fresh == (1u << 20));
}
