// One client of `wskit proxy` and its own connection to the upstream: the
// upstream's handshake answers the client's, then messages, pings and
// closes cross from each leg to the other, with backpressure end to end and
// the faults on the way (see Outbox).
#pragma once

#include "proxy/outbox.hpp"

#include <wskit/client.hpp>
#include <wskit/event.hpp>
#include <wskit/http.hpp>
#include <wskit/loop.hpp>
#include <wskit/server.hpp>
#include <wskit/tool/proxy.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace wskit::detail {

// What a pair needs from the session around it.
struct PairHost {
    EventLoop& loop;
    Server& server;
    const ProxyOptions& options;
    std::function<void(const Event&)> print;                // an event of either leg, to stdout
    // A leg's open event, with its handshake (printed, and recorded).
    std::function<void(const Event&, const RecordedHandshake&)> opened;
    std::function<void(const std::string&)> verbose;  // a -v line (already prefixed with the pair's id)
    std::function<void(ConnId, int client_code)> done;  // both legs are over: the pair may go
};

class ProxyPair {
public:
    ProxyPair(PairHost& host, ConnId id, const HttpRequest& request);
    ~ProxyPair();
    ProxyPair(const ProxyPair&) = delete;
    ProxyPair& operator=(const ProxyPair&) = delete;

    // Opens the upstream connection; the client's upgrade waits for it.
    void start();
    // The client leg's events (from the server), the pair's id in e.conn.
    void on_client_event(Event& e);
    // /send ID c|s TEXT and /close ID CODE REASON.
    void inject(Leg towards, Message m);
    void close(int code, const std::string& reason);

    // For /list.
    std::string describe(std::chrono::steady_clock::time_point now) const;
    bool upstream_finished() const { return !upstream_ || upstream_->finished(); }

private:
    ClientOptions upstream_options() const;
    void on_upstream_event(Event& e);
    void on_upstream_open(const Event& e);
    void on_upstream_failed(const Event& e);
    void on_upstream_closed(const Event& e);
    void on_client_closed(const Event& e);
    void show_handshakes();

    void pass_on(Event& e, std::uint64_t& count, Leg towards);
    Outbox& outbox(Leg towards) { return towards == Leg::client ? to_client_ : to_upstream_; }
    // Sends on a leg, as the Outbox delivers.
    void deliver_to_client(Message& m);
    void deliver_to_upstream(Message& m);
    void note(Leg leg, std::string text);  // an info line about a leg
    void note_dropped(Leg towards, const Message& m);
    // Pauses the side that feeds `leg` while the leg's backlog is over the
    // mark, and resumes it below.
    void update_flow(Leg leg);
    // --close-after and --kill-after, when they count messages or time.
    void check_message_faults(Leg leg, std::size_t delivered);
    void arm_time_faults(Leg leg);
    void strike(Leg leg, bool kill);
    void kill_when_written();
    void finish_if_done();

    PairHost& host_;
    ConnId id_;
    HttpRequest request_;
    std::string upstream_url_;
    std::chrono::steady_clock::time_point since_ = std::chrono::steady_clock::now();
    std::unique_ptr<Client> upstream_;
    std::shared_ptr<ConnectionInspection> inspection_;  // the upstream's timings, for -v
    Outbox to_client_;
    Outbox to_upstream_;
    bool client_open_ = false;
    bool client_closed_ = false;
    bool upstream_open_ = false;
    bool upstream_closed_ = false;
    bool client_paused_ = false;    // the client is not read: the upstream's leg is backed up
    bool upstream_paused_ = false;  // the upstream is not read: the client's leg is backed up
    std::vector<Header> answer_headers_;  // the upstream's, given to the client with its 101
    std::optional<std::pair<int, std::string>> close_on_open_;  // the upstream closed before the client opened
    int client_close_code_ = 1006;
    std::uint64_t from_client_ = 0, from_upstream_ = 0;
    std::vector<EventLoop::TimerId> fault_timers_;
    bool kill_client_ = false;    // --kill-after struck: drop the leg once its sends are written
    bool kill_upstream_ = false;
    bool done_ = false;
};

}  // namespace wskit::detail
