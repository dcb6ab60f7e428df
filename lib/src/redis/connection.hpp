// One connection to Redis (hiredis' async API), driven by the EventLoop:
// hiredis says when it wants to read or write, Asio waits on the socket
// and tells hiredis when it may. No thread, and hiredis parses the
// protocol. connect() resolves the host name with Asio (hiredis' own
// resolution would block the loop), connects to the address, then AUTH and
// SELECT; a failed attempt or a lost connection is reported once, and the
// owner decides when to try again. Errors name the host as the URL has it.
#pragma once

#include "url.hpp"

#include <wskit/loop.hpp>

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
        std::function<void()> on_ready;                // connected, authenticated, database selected
        std::function<void(const std::string&)> on_lost;  // why; after a failed attempt too
    };
    // Replies to a command, or nothing when the connection went first.
    using Done = std::function<void(const Reply&)>;

    Connection(EventLoop& loop, RedisUrl url, std::string name, Handlers handlers);
    ~Connection();  // disconnects without calling the handlers
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void connect();  // no-op while connecting or connected
    bool ready() const { return ready_; }
    // Queues a command (each argument one bulk string); false when not connected.
    bool command(const std::vector<std::string>& argv, Done done = {});
    // For (P)SUBSCRIBE: `push` gets the confirmation and every message after.
    bool subscribe(const std::vector<std::string>& argv, Done push);

    // Reached from hiredis' C callbacks (connection_impl.cpp), hence public.
    struct Context;
    void on_connected();
    void lost(const std::string& why);

private:
    void open(const std::string& address);
    void become_ready();
    void abandon(const std::string& why);
    bool send(const std::vector<std::string>& argv, Done done, bool repeat);

    EventLoop& loop_;
    RedisUrl url_;
    std::string name_;
    Handlers handlers_;
    std::shared_ptr<Context> context_;
    bool ready_ = false;
    EventLoop::TimerId connect_timer_ = 0;
    // What is posted to the loop holds this weakly: a connection destroyed
    // before it runs is not called.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace wskit::redis
