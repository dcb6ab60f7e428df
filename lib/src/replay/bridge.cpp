// listen --replay FILE: each client talks to the recorded server's side of
// the conversation.
#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/tool/replay.hpp>

#include <fmt/format.h>

#include <unordered_map>

namespace wskit {

struct ReplayBridge::Impl {
    struct Client {
        std::size_t next = 0;       // the next step of the conversation
        std::vector<EventLoop::TimerId> timers;
    };

    Impl(EventLoop& l, ReplayServerOptions o, Diagnostic d) : loop(l), options(std::move(o)), say(std::move(d)) {
        auto all = load_recording(options.path);
        if (all.empty())
            throw Error(ExitCode::usage, fmt::format("--replay {}: no WebSocket connection in it", escape_controls(options.path)));
        conversation = std::move(all.front());
    }

    ~Impl() {
        for (auto& [id, c] : clients)
            for (auto t : c.timers) loop.cancel(t);
    }

    void open(ConnId id) {
        auto& c = clients[id];
        if (!options.timing) return answer(id, c);
        for (std::size_t i = 0; i < conversation.steps.size(); ++i) {
            const auto& step = conversation.steps[i];
            if (step.sent) continue;
            auto delay = std::chrono::milliseconds(static_cast<long long>(step.at * 1000));
            c.timers.push_back(loop.after(delay, [this, id, i] { server->send(id, conversation.steps[i].message); }));
        }
    }

    // The server's messages up to the client's next one.
    void answer(ConnId id, Client& c) {
        const auto& steps = conversation.steps;
        while (c.next < steps.size() && !steps[c.next].sent) server->send(id, steps[c.next++].message);
    }

    void message(ConnId id, const Message& m) {
        auto it = clients.find(id);
        if (it == clients.end()) return;
        auto& c = it->second;
        const auto& steps = conversation.steps;
        // With --replay-timing, the client's messages are only compared.
        while (options.timing && c.next < steps.size() && !steps[c.next].sent) ++c.next;
        if (c.next >= steps.size()) {
            say(fmt::format("#{} unexpected message (the recording has no more): {}", id,
                            payload_summary(m.payload, m.opcode == Opcode::binary)));
            return;
        }
        const auto& want = steps[c.next++].message;
        if (!same_message(want, m, options.comparison))
            say(fmt::format("#{} message differs from the recording: expected {}, received {}", id,
                            payload_summary(want.payload, want.opcode == Opcode::binary),
                            payload_summary(m.payload, m.opcode == Opcode::binary)));
        if (!options.timing) answer(id, c);
    }

    void closed(ConnId id) {
        auto it = clients.find(id);
        if (it == clients.end()) return;
        for (auto t : it->second.timers) loop.cancel(t);
        clients.erase(it);
    }

    EventLoop& loop;
    ReplayServerOptions options;
    Diagnostic say;
    RecordedConversation conversation;
    Server* server = nullptr;
    std::unordered_map<ConnId, Client> clients;
};

ReplayBridge::ReplayBridge(EventLoop& loop, ReplayServerOptions options, Diagnostic diagnostic)
    : impl_(std::make_unique<Impl>(loop, std::move(options), std::move(diagnostic))) {}
ReplayBridge::~ReplayBridge() = default;

const std::string& ReplayBridge::subprotocol() const { return impl_->conversation.subprotocol; }
const std::vector<Header>& ReplayBridge::upgrade_headers() const { return impl_->conversation.response_headers; }

void ReplayBridge::attach(Server& server) { impl_->server = &server; }

void ReplayBridge::on_event(const Event& e) {
    if (!impl_->server) return;
    switch (e.type) {
        case EventType::open: return impl_->open(e.conn);
        case EventType::message: return impl_->message(e.conn, e.message);
        case EventType::close: return impl_->closed(e.conn);
        default: return;
    }
}

}  // namespace wskit
