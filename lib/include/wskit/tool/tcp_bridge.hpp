// `wskit listen ADDRESS --to tcp:HOST:PORT` (or unix:PATH): websockify's
// model. Each client gets its own connection to the target; the bytes the
// target sends go to the client as binary messages (text ones with --text,
// when they are UTF-8), and each message from the client goes to the target
// as its bytes.
// - Ends map both ways: the target's EOF closes the client with 1000 (after
//   what it sent), a reset or a failed connect with 1011 and the reason; the
//   client's close ends the target's connection once what it sent is written.
// - Backpressure both ways: a client that does not read stops the reading
//   of its target, a target that does not read stops the reading of its
//   client, so memory per pair stays bounded.
#pragma once

#include <wskit/event.hpp>
#include <wskit/export.hpp>
#include <wskit/loop.hpp>
#include <wskit/server.hpp>
#include <wskit/stream_target.hpp>
#include <wskit/tool/bridge.hpp>

#include <functional>
#include <memory>
#include <string>

namespace wskit {

struct TcpBridgeOptions {
    StreamTarget target;
    bool text = false;  // --text: what the target sends goes as text when it is UTF-8
    int verbosity = 0;  // -v: each pair's connection and end, with byte counts
};

class WSKIT_API TcpBridge final : public ClientBridge {
public:
    // One line for wskit's stderr, without its newline ("#3 ...").
    using Diagnostic = std::function<void(const std::string& line)>;

    TcpBridge(EventLoop& loop, TcpBridgeOptions options, Diagnostic diagnostic);
    ~TcpBridge() override;

    void attach(Server& server) override;
    std::optional<HttpResponse> on_handshake(const HttpRequest&) override { return std::nullopt; }
    void on_event(const Event& e) override;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace wskit
