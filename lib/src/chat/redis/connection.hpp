// One connection to Redis (hiredis' async API), driven by the EventLoop:
// hiredis says when it wants to read or write, Asio waits on the socket
// and tells hiredis when it may. No thread, and hiredis parses the
// protocol. connect() resolves the host name with Asio (hiredis' own
// resolution would block the loop), connects to the address, then AUTH,
// SELECT and a PING: a connection is ready once Redis has answered, not
// when the kernel accepted it (a stopped Redis still completes TCP
// handshakes). A failed attempt or a lost connection is reported once, and
// the owner decides when to try again. Errors name the host as the URL has
// it.
//
// A Redis that stops answering (SIGSTOP, a broken link, a server swamped)
// is given up like a closed one: nothing read for reply_timeout while a
// command waits for its answer ends the connection (a Redis that answers
// steadily, however deep its queue, is not stalled), and so does more than
// max_unanswered bytes of commands waiting for their answers, which
// bounds what hiredis buffers for a server that does not read.
#pragma once

#include "chat/redis/url.hpp"

#include <wskit/loop.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace wskit::redis {

// A reply, copied out of hiredis' redisReply.
struct Reply {
    enum class Type { string, array, integer, nil, status, error };
    Type type = Type::nil;
    std::string str;  // string, status, error
    long long integer = 0;
    std::vector<Reply> elements;  // array
    bool ok() const { return type != Type::error; }
};

class Connection {
public:
    struct Handlers {
        std::function<void()> on_ready;                // connected, authenticated, database selected, answering
        std::function<void(const std::string&)> on_lost;  // why; after a failed attempt too
        std::function<void()> on_answer;  // after each command's reply (its own callback first)
    };
    struct Limits {
        // Nothing read this long while a command waits: Redis is not
        // answering. 3 s is thousands of times what Redis takes, even busy,
        // and short enough that clients hear each other again soon (the
        // owner then serves them without Redis).
        std::chrono::milliseconds reply_timeout{3000};
        // Bytes of commands sent (or in hiredis' buffer) and not answered:
        // past this the connection is given up. 32 MiB is hundreds of the
        // largest chat messages; the owner slows its writers down well
        // before (see RedisBus), so only a Redis that stopped reading gets
        // here.
        std::size_t max_unanswered = 32u << 20;
    };
    // Replies to a command, or nothing when the connection went first.
    using Done = std::function<void(const Reply&)>;

    Connection(EventLoop& loop, RedisUrl url, std::string name, Handlers handlers, Limits limits);
    ~Connection();  // disconnects without calling the handlers
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void connect();  // no-op while connecting or connected
    bool ready() const { return ready_; }
    // Queues a command (each argument one bulk string); false when not
    // connected, or when it would pass max_unanswered (the connection is
    // then given up).
    bool command(const std::vector<std::string>& argv, Done done = {});
    // For (P)SUBSCRIBE: `push` gets the confirmation and every message after.
    // Once confirmed, a subscription is not a command waiting for an answer.
    bool subscribe(const std::vector<std::string>& argv, Done push);
    // Bytes of commands not answered yet (0 when not connected).
    std::size_t unanswered_bytes() const;
    // Times the connection was given up for Redis not answering (a command
    // past reply_timeout, or max_unanswered bytes waiting).
    std::uint64_t stalls() const { return stalls_; }
    // When a reply or a subscription's message was last read.
    std::chrono::steady_clock::time_point last_read() const { return last_read_; }
    // Ends the connection from our side, as if it had been lost (`why`
    // goes to on_lost): for an owner that found it dead by other means.
    void give_up(const std::string& why);

    // Reached from hiredis' C callbacks (connection_impl.cpp), hence public.
    struct Context;
    void on_connected();
    void lost(const std::string& why);

private:
    void open(const std::string& address);
    void handshake();
    void become_ready();
    void watch();
    bool send(const std::vector<std::string>& argv, Done done, bool repeat);

    EventLoop& loop_;
    RedisUrl url_;
    std::string name_;
    Handlers handlers_;
    Limits limits_;
    std::shared_ptr<Context> context_;
    bool ready_ = false;
    bool connected_ = false;  // TCP connected, not necessarily answering yet
    std::uint64_t stalls_ = 0;
    std::chrono::steady_clock::time_point last_read_{};
    EventLoop::TimerId connect_timer_ = 0, watch_timer_ = 0;
    // What is posted to the loop holds this weakly: a connection destroyed
    // before it runs is not called.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace wskit::redis
