#include "net/byte_stream.hpp"

#include <wskit/backpressure.hpp>
#include <wskit/close_code.hpp>
#include <wskit/encoding.hpp>
#include <wskit/tool/tcp_bridge.hpp>

#include <fmt/format.h>

#include <unordered_map>

namespace wskit {
namespace {

// Above this many unsent bytes on one side, the other is no longer read
// until it has drained: the server's own high mark.
constexpr std::size_t high_mark = default_high_mark;

}  // namespace

struct TcpBridge::Impl {
    struct Pair {
        std::unique_ptr<detail::ByteStream> stream;
        bool client_held = false;  // the client is not read: the target is backed up
        bool stream_held = false;  // the target is not read: the client is backed up
        bool ended = false;        // the target's side is over (EOF, reset): the client is being closed
        std::uint64_t to_target = 0, from_target = 0;
    };

    Impl(EventLoop& l, TcpBridgeOptions o, Diagnostic d) : loop(l), options(std::move(o)), diagnostic(std::move(d)) {}

    void open(ConnId id) {
        auto& pair = pairs[id];
        // Nothing is read from the client until its target is there to take it.
        server->pause_reading(id);
        detail::ByteStream::Handlers h;
        h.on_connected = [this, id] { connected(id); };
        h.on_data = [this, id](std::string_view bytes) { from_target(id, bytes); };
        h.on_end = [this, id] { target_ended(id, 1000, ""); };
        h.on_error = [this, id](const std::string& why) {
            diagnostic(fmt::format("#{} {}", id, escape_controls(why)));
            target_ended(id, 1011, why);
        };
        h.on_drained = [this, id] { target_drained(id); };
        pair.stream = std::make_unique<detail::ByteStream>(loop, std::move(h));
        pair.stream->connect(options.target);
    }

    void connected(ConnId id) {
        if (options.verbosity >= 1) diagnostic(fmt::format("#{} connected to {}", id, options.target.text()));
        server->resume_reading(id);
    }

    void from_target(ConnId id, std::string_view bytes) {
        auto& pair = pairs[id];
        pair.from_target += bytes.size();
        Message m;
        m.opcode = options.text && is_valid_utf8(bytes) ? Opcode::text : Opcode::binary;
        m.payload = std::string(bytes);
        server->send(id, std::move(m));
        if (!pair.stream_held && server->buffered_amount(id) > high_mark) {
            pair.stream_held = true;
            pair.stream->pause_reading();
        }
    }

    void to_target(ConnId id, const Message& m) {
        auto it = pairs.find(id);
        if (it == pairs.end() || it->second.ended) return;
        auto& pair = it->second;
        pair.to_target += m.payload.size();
        pair.stream->write(m.payload);
        if (!pair.client_held && pair.stream->unsent() > high_mark) {
            pair.client_held = true;
            server->pause_reading(id);
        }
    }

    void target_drained(ConnId id) {
        auto it = pairs.find(id);
        if (it == pairs.end() || !it->second.client_held) return;
        it->second.client_held = false;
        server->resume_reading(id);
    }

    void client_drained(ConnId id) {
        auto it = pairs.find(id);
        if (it == pairs.end() || !it->second.stream_held || !it->second.stream) return;
        it->second.stream_held = false;
        it->second.stream->resume_reading();
    }

    // The target's EOF is a normal end (1000, once what it sent has gone:
    // the close frame follows it); a reset or a failed connect is 1011.
    void target_ended(ConnId id, int code, const std::string& why) {
        auto it = pairs.find(id);
        if (it == pairs.end() || it->second.ended) return;
        it->second.ended = true;
        server->resume_reading(id);  // the client's close must be read
        server->close(id, code, close_reason_from(why));
    }

    // The client left: its target gets what it sent, then EOF; or a reset
    // when the WebSocket broke (dropped, or closed with an error code).
    void closed(const Event& e) {
        auto it = pairs.find(e.conn);
        if (it == pairs.end()) return;
        if (options.verbosity >= 1)
            diagnostic(fmt::format("#{} {} closed: {} bytes to it, {} from it", e.conn, options.target.text(),
                                   it->second.to_target, it->second.from_target));
        if (auto& stream = it->second.stream) {
            if (close_is_failure(e.code, e.clean)) stream->reset();
            else stream->finish();
        }
        pairs.erase(it);
    }

    EventLoop& loop;
    TcpBridgeOptions options;
    Diagnostic diagnostic;
    Server* server = nullptr;
    std::unordered_map<ConnId, Pair> pairs;
};

TcpBridge::TcpBridge(EventLoop& loop, TcpBridgeOptions options, Diagnostic diagnostic)
    : impl_(std::make_unique<Impl>(loop, std::move(options), std::move(diagnostic))) {}
TcpBridge::~TcpBridge() = default;

void TcpBridge::attach(Server& server) { impl_->server = &server; }

void TcpBridge::on_event(const Event& e) {
    if (!impl_->server) return;
    switch (e.type) {
        case EventType::open: impl_->open(e.conn); break;
        case EventType::message: impl_->to_target(e.conn, e.message); break;
        case EventType::close: impl_->closed(e); break;
        case EventType::drained: impl_->client_drained(e.conn); break;
        default: break;
    }
}

}  // namespace wskit
