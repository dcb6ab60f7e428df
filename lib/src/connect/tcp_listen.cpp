// `wskit connect URL --tcp-listen [HOST:]PORT`: every local TCP connection
// opens its own WebSocket to URL, and the two relay bytes both ways (the
// client-side twin of listen --to).
#include "net/byte_stream.hpp"
#include "term/console.hpp"
#include "term/trace_printer.hpp"

#include <wskit/backpressure.hpp>
#include <wskit/access.hpp>
#include <wskit/close_code.hpp>
#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/trace.hpp>
#include <wskit/tool/connect.hpp>
#include <wskit/url.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <map>
#include <optional>

namespace wskit {
namespace {

using namespace std::chrono_literals;

// Above this many unsent bytes on one side, the other is no longer read
// until it has drained.
constexpr std::size_t high_mark = default_high_mark;

class TcpTunnel {
public:
    explicit TcpTunnel(const ConnectOptions& o) : o_(o), client_(o.client), listener_(loop_) {
        // -v says each connection's life; -vv adds each WebSocket's steps.
        client_.verbosity = std::max(0, o.client.verbosity - 1);
        detail::Console::Options console;
        console.output = o.output;
        console_ = std::make_unique<detail::Console>(loop_, std::move(console), detail::Console::Handlers{});
    }

    int run() {
        const auto& at = *o_.tcp_listen;
        listener_.listen(at.host, at.port, [this](auto conn, const std::string& peer) { accepted(std::move(conn), peer); });
        console_->status_line(fmt::format("listening on tcp:{}", host_port(at.host, listener_.port())));
        console_->status_line("forwarding to " + o_.client.url.str());
        if (!is_loopback_host(at.host))
            console_->diagnostic(fmt::format("warning: --tcp-listen on {}, which is not loopback: anyone who can reach "
                                             "the port opens WebSockets to {} with this command's headers and "
                                             "credentials",
                                             escape_controls(at.host), o_.client.url.str()));
        loop_.on_signals([this](int signo) { stop(signo); });
        loop_.run();
        pairs_.clear();
        console_->drain(std::chrono::steady_clock::now() + 150ms);
        return result_;
    }

private:
    struct Pair {
        std::unique_ptr<detail::ByteStream> stream;
        std::unique_ptr<Client> client;
        std::string peer;
        std::uint64_t sent = 0, received = 0;
        bool stream_held = false, client_held = false;
        bool local_done = false;                // the local side sent EOF or failed
        EventLoop::TimerId silence_timer = 0;   // after the local EOF: closes once the server is silent
        std::optional<int> close_at_open;       // closed before it opened: the code to close with then
    };

    void accepted(std::shared_ptr<detail::ByteStream::Impl> conn, const std::string& peer) {
        if (stopping_) return;
        std::uint64_t id = next_id_++;
        auto& pair = pairs_[id];
        pair.peer = peer;
        detail::ByteStream::Handlers h;
        h.on_data = [this, id](std::string_view bytes) { from_local(id, bytes); };
        h.on_end = [this, id] { local_finished(id); };
        h.on_error = [this, id](const std::string& why) {
            console_->diagnostic(fmt::format("#{} {}", id, why));
            local_failed(id);
        };
        h.on_drained = [this, id] { local_drained(id); };
        // Not read until the WebSocket is open: it would wait in memory.
        pair.stream = std::make_unique<detail::ByteStream>(std::move(conn), std::move(h));
        pair.stream_held = true;
        auto options = client_;
        if (options.verbosity >= 1)
            options.on_trace = [this, id](const TraceLine& line) {
                auto text = format_trace_line(line);
                text.pop_back();  // its newline: the console ends the line
                console_->status_line(fmt::format("#{} {}", id, text));
            };
        pair.client = std::make_unique<Client>(loop_, std::move(options), [this, id](Event& e) { on_event(id, e); });
        pair.client->connect();
        if (o_.verbosity >= 1) console_->status_line(fmt::format("#{} {} connected", id, peer));
    }

    void on_event(std::uint64_t id, Event& e) {
        auto it = pairs_.find(id);
        if (it == pairs_.end()) return;
        auto& pair = it->second;
        if ((e.type == EventType::open || e.type == EventType::error) && client_.verbosity >= 1)
            show_handshake(id, pair.client->handshake());
        switch (e.type) {
            case EventType::open:
                if (pair.close_at_open) {  // a signal or the local side's end came while it opened
                    pair.client->close(*pair.close_at_open, "");
                    return;
                }
                pair.stream_held = false;
                pair.stream->resume_reading();
                return;
            case EventType::message:
                if (pair.local_done && pair.silence_timer) arm_silence(id);
                pair.received += e.message.payload.size();
                pair.stream->write(std::move(e.message.payload));
                if (!pair.client_held && pair.stream->unsent() > high_mark) {
                    pair.client_held = true;
                    pair.client->pause_reading();
                }
                return;
            case EventType::drained:
                if (pair.stream_held && pair.client->is_open()) {
                    pair.stream_held = false;
                    pair.stream->resume_reading();
                }
                return;
            case EventType::error:
            case EventType::close:
                if (e.type == EventType::error) console_->diagnostic(fmt::format("#{} {}", id, e.text));
                // The local side gets what the server sent, then EOF; or a
                // reset when the WebSocket failed or broke.
                if (e.type == EventType::error || close_is_failure(e.code, e.clean)) pair.stream->reset();
                else pair.stream->finish();
                return;
            case EventType::finished:
                if (o_.verbosity >= 1)
                    console_->status_line(fmt::format("#{} {} closed: {} bytes sent, {} received", id, pair.peer,
                                                      pair.sent, pair.received));
                // From the loop: this is the client's own handler.
                loop_.post([this, id] {
                    pairs_.erase(id);
                    if (stopping_ && pairs_.empty()) loop_.stop();
                });
                return;
            default: return;
        }
    }

    // -vv: each WebSocket's handshake, its lines marked with the connection's id.
    void show_handshake(std::uint64_t id, const HandshakeTrace& t) {
        auto text = format_trace(t, fmt::format("#{} ", id));
        if (text.empty()) return;
        text.pop_back();  // the console ends the last line
        console_->status_line(text);
    }

    void from_local(std::uint64_t id, std::string_view bytes) {
        auto& pair = pairs_.at(id);
        pair.sent += bytes.size();
        pair.client->send(Message{Opcode::binary, std::string(bytes)});
        if (!pair.stream_held && pair.client->backlog() > high_mark) {
            pair.stream_held = true;
            pair.stream->pause_reading();
        }
    }

    void local_drained(std::uint64_t id) {
        auto it = pairs_.find(id);
        if (it == pairs_.end() || !it->second.client_held) return;
        it->second.client_held = false;
        it->second.client->resume_reading();
    }

    // The local program is done sending (EOF). A WebSocket has no
    // half-close: it closes with 1000 once the server has been silent for
    // --wait, as connect does at the end of its input, so that the answer
    // to what was sent still comes back.
    void local_finished(std::uint64_t id) {
        auto it = pairs_.find(id);
        if (it == pairs_.end() || it->second.local_done) return;
        it->second.local_done = true;
        arm_silence(id);
    }

    void arm_silence(std::uint64_t id) {
        auto& pair = pairs_.at(id);
        if (pair.silence_timer) loop_.cancel(pair.silence_timer);
        auto wait = std::chrono::milliseconds(static_cast<long long>(o_.wait_seconds * 1000));
        pair.silence_timer = loop_.after(wait, [this, id] {
            auto it = pairs_.find(id);
            if (it == pairs_.end()) return;
            it->second.silence_timer = 0;
            close_pair(it->second, 1000, "");
        });
    }

    // The local connection failed (a reset): the WebSocket closes at once.
    void local_failed(std::uint64_t id) {
        auto it = pairs_.find(id);
        if (it == pairs_.end()) return;
        it->second.local_done = true;
        close_pair(it->second, 1001, "local connection failed");
    }

    // A WebSocket still opening is closed as soon as it opens.
    static void close_pair(Pair& pair, int code, const std::string& reason) {
        if (!pair.client->close(code, reason) && !pair.client->is_open()) pair.close_at_open = code;
    }

    void stop(int signo) {
        if (stopping_) return loop_.stop();  // a second signal: go now
        stopping_ = true;
        result_ = to_int(exit_code_for_signal(signo));
        listener_.stop();
        for (auto& [id, pair] : pairs_) close_pair(pair, 1001, "going away");
        if (pairs_.empty()) return loop_.stop();
        loop_.after(1000ms, [this] { loop_.stop(); });
    }

    const ConnectOptions& o_;
    ClientOptions client_;  // each WebSocket's
    EventLoop loop_;
    detail::ByteListener listener_;
    std::unique_ptr<detail::Console> console_;
    std::map<std::uint64_t, Pair> pairs_;
    std::uint64_t next_id_ = 1;
    bool stopping_ = false;
    int result_ = 0;
};

}  // namespace

int run_tcp_tunnel(const ConnectOptions& options) {
    std::signal(SIGPIPE, SIG_IGN);
    TcpTunnel tunnel(options);
    return tunnel.run();
}

}  // namespace wskit
