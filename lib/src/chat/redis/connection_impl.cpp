// hiredis on Asio: the adapter (hiredis' ev hooks on a stream_descriptor)
// and the connection's life (connect, AUTH, SELECT, commands, loss).
#include "chat/redis/connection.hpp"

#include "net/loop_impl.hpp"

#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/posix/stream_descriptor.hpp>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <fmt/format.h>

#include <map>

namespace wskit::redis {
namespace {

// Waits on hiredis' socket for what hiredis asked for. hiredis owns the
// file descriptor (it closes it): the descriptor is released, never closed.
// Shared with the pending waits, which may outlive the context.
struct Watcher : std::enable_shared_from_this<Watcher> {
    Watcher(asio::io_context& io, redisAsyncContext* c) : socket(io, c->c.fd), ac(c) {}

    void wait(bool write) {
        bool& waiting = write ? write_waiting : read_waiting;
        if (waiting) return;
        waiting = true;
        auto self = shared_from_this();
        socket.async_wait(write ? asio::posix::stream_descriptor::wait_write
                                : asio::posix::stream_descriptor::wait_read,
                          [self, write](const asio::error_code& ec) {
                              (write ? self->write_waiting : self->read_waiting) = false;
                              if (ec || !self->ac || !(write ? self->writing : self->reading)) return;
                              if (write) redisAsyncHandleWrite(self->ac);
                              else self->read();
                              // hiredis may have freed the context (cleanup cleared ac).
                              if (self->ac && (write ? self->writing : self->reading)) self->wait(write);
                          });
    }

    // hiredis reads 16 KiB at a time: what is already there is read in a
    // row (up to 1 MiB, then the loop's other work gets its turn), not one
    // wait on the loop per 16 KiB, which left a busy process's subscriber
    // connection seconds behind the channels.
    void read() {
        for (int chunks = 0; chunks < 64; ++chunks) {
            redisAsyncHandleRead(ac);
            asio::error_code ec;
            asio::posix::descriptor_base::bytes_readable readable(true);
            if (!ac || !reading) return;
            socket.io_control(readable, ec);
            if (ec || readable.get() == 0) return;
        }
    }

    asio::posix::stream_descriptor socket;
    redisAsyncContext* ac;
    bool reading = false, writing = false, read_waiting = false, write_waiting = false;
};

using WatcherRef = std::shared_ptr<Watcher>;
Watcher& watcher(void* data) { return **static_cast<WatcherRef*>(data); }

void attach(asio::io_context& io, redisAsyncContext* ac) {
    ac->ev.data = new WatcherRef(std::make_shared<Watcher>(io, ac));
    ac->ev.addRead = [](void* d) { watcher(d).reading = true; watcher(d).wait(false); };
    ac->ev.delRead = [](void* d) { watcher(d).reading = false; };
    ac->ev.addWrite = [](void* d) { watcher(d).writing = true; watcher(d).wait(true); };
    ac->ev.delWrite = [](void* d) { watcher(d).writing = false; };
    ac->ev.cleanup = [](void* d) {
        auto* ref = static_cast<WatcherRef*>(d);
        auto& w = **ref;
        w.ac = nullptr;
        asio::error_code ignored;
        w.socket.cancel(ignored);
        w.socket.release();
        delete ref;
    };
}

Reply copy(const redisReply* r) {
    Reply out;
    switch (r->type) {
        case REDIS_REPLY_STRING: out.type = Reply::Type::string; break;
        case REDIS_REPLY_ARRAY: out.type = Reply::Type::array; break;
        case REDIS_REPLY_INTEGER: out.type = Reply::Type::integer; break;
        case REDIS_REPLY_STATUS: out.type = Reply::Type::status; break;
        case REDIS_REPLY_ERROR: out.type = Reply::Type::error; break;
        default: out.type = Reply::Type::nil; break;
    }
    if (r->str) out.str.assign(r->str, r->len);
    out.integer = r->integer;
    for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(copy(r->element[i]));
    return out;
}

}  // namespace

// What hiredis' callbacks find through ac->data; cut off (ac->data = null)
// when the connection is given up, so that late callbacks do nothing.
struct Connection::Context {
    Connection* owner = nullptr;
    redisAsyncContext* ac = nullptr;
    struct Pending {
        Done done;
        bool repeat = false;  // a subscription: called for every message
        std::size_t bytes = 0;  // what the command weighs until answered (0 for a subscription)
        std::chrono::steady_clock::time_point sent;
        bool confirmed = false;  // a subscription Redis has confirmed: waiting for nothing
    };
    // By id: Redis answers in order, so the first entry that is not a
    // confirmed subscription is the oldest command waiting for its answer.
    std::map<std::uintptr_t, Pending> pending;
    std::uintptr_t next = 1;
    std::size_t unanswered_bytes = 0;

    void answered(std::map<std::uintptr_t, Pending>::iterator it) {
        unanswered_bytes -= it->second.bytes;
        pending.erase(it);
    }
    const Pending* oldest_unanswered() const {
        for (const auto& [id, p] : pending)
            if (!p.repeat || !p.confirmed) return &p;
        return nullptr;
    }
};

namespace {

Connection::Context* context_of(const redisAsyncContext* ac) {
    return static_cast<Connection::Context*>(ac->data);
}

// What a command weighs in hiredis' buffer and on the wire: its arguments
// and the protocol's framing of each.
std::size_t weight(const std::vector<std::string>& argv) {
    std::size_t bytes = 16;
    for (const auto& a : argv) bytes += a.size() + 16;
    return bytes;
}

}  // namespace

Connection::Connection(EventLoop& loop, RedisUrl url, std::string name, Handlers handlers, Limits limits)
    : loop_(loop), url_(std::move(url)), name_(std::move(name)), handlers_(std::move(handlers)), limits_(limits) {}

Connection::~Connection() {
    if (connect_timer_) loop_.cancel(connect_timer_);
    if (watch_timer_) loop_.cancel(watch_timer_);
    if (context_ && context_->ac) {
        context_->ac->data = nullptr;
        redisAsyncFree(context_->ac);
    }
}

void Connection::connect() {
    if (context_) return;
    context_ = std::make_shared<Context>();  // connecting: connect() waits for the owner's retry
    context_->owner = this;
    // hiredis would resolve a host name with a blocking getaddrinfo, on the
    // loop: Asio resolves it without blocking, and hiredis gets an address.
    asio::error_code not_an_address;
    asio::ip::make_address(url_.host, not_an_address);
    if (!not_an_address) {
        open(url_.host);
    } else {
        auto resolver = std::make_shared<asio::ip::tcp::resolver>(loop_.impl().io);
        resolver->async_resolve(
            url_.host, std::to_string(url_.port),
            [this, resolver, attempt = std::weak_ptr<Context>(context_)](
                const asio::error_code& ec, const asio::ip::tcp::resolver::results_type& results) {
                // Given up (a timeout), or the connection gone: nobody waits for it.
                if (attempt.expired() || attempt.lock() != context_) return;
                if (ec || results.empty())
                    return lost("cannot resolve the host name: " + (ec ? ec.message() : "no address"));
                // IPv4 first, as hiredis would have chosen.
                auto chosen = results.begin()->endpoint().address();
                for (const auto& r : results)
                    if (r.endpoint().address().is_v4()) {
                        chosen = r.endpoint().address();
                        break;
                    }
                open(chosen.to_string());
            });
    }
    // hiredis 0.14 has no connect timeout of its own: a host that never
    // answers would leave the connection "connecting" for ever. The clock
    // runs until Redis has answered, as a stopped one accepts connections.
    connect_timer_ = loop_.after(std::chrono::seconds(5), [this] {
        connect_timer_ = 0;
        give_up(connected_ ? "connected, but no answer within 5 s" : "no connection within 5 s");
    });
}

// hiredis connects to `address` (the URL's host, resolved).
void Connection::open(const std::string& address) {
    auto* ac = redisAsyncConnect(address.c_str(), url_.port);
    if (!ac || ac->err) {
        std::string why = ac ? ac->errstr : "out of memory";
        if (ac) redisAsyncFree(ac);
        loop_.post([this, why, attempt = std::weak_ptr<Context>(context_)] {
            if (!attempt.expired() && attempt.lock() == context_) lost(why);
        });
        return;
    }
    context_->ac = ac;
    ac->data = context_.get();
    attach(loop_.impl().io, ac);
    redisAsyncSetConnectCallback(ac, [](const redisAsyncContext* c, int status) {
        auto* ctx = context_of(c);
        if (!ctx) return;
        if (status != REDIS_OK) return ctx->owner->lost(c->errstr ? c->errstr : "connection failed");
        ctx->owner->on_connected();
    });
    redisAsyncSetDisconnectCallback(ac, [](const redisAsyncContext* c, int) {
        auto* ctx = context_of(c);
        if (!ctx) return;
        ctx->owner->lost(c->errstr && *c->errstr ? c->errstr : "the server closed the connection");
    });
}

// Called from hiredis' connect callback, where the context must not be
// freed: the commands queued here are small, far from max_unanswered.
void Connection::on_connected() {
    connected_ = true;
    handshake();
}

// AUTH, SELECT, then a PING: ready once Redis has answered them all.
void Connection::handshake() {
    auto ping = [this] {
        command({"PING"}, [this](const Reply& r) {
            if (!r.ok()) return give_up("PING: " + r.str);
            become_ready();
        });
    };
    auto selected = [this, ping] {
        if (url_.db == 0) return ping();
        command({"SELECT", std::to_string(url_.db)}, [this, ping](const Reply& r) {
            if (!r.ok()) return give_up(fmt::format("SELECT {}: {}", url_.db, r.str));
            ping();
        });
    };
    if (url_.password.empty()) return selected();
    command({"AUTH", url_.password}, [this, selected](const Reply& r) {
        if (!r.ok()) return give_up("AUTH: " + r.str);
        selected();
    });
}

void Connection::become_ready() {
    if (connect_timer_) loop_.cancel(connect_timer_);
    connect_timer_ = 0;
    ready_ = true;
    watch();
    if (handlers_.on_ready) handlers_.on_ready();
}

// Every quarter of reply_timeout: a command waiting for its answer, and
// nothing read for reply_timeout since it was sent, means Redis has
// stopped answering. (Answers come in order: one still reading the
// answers to a long queue is working.)
void Connection::watch() {
    auto period = std::max(limits_.reply_timeout / 4, std::chrono::milliseconds(10));
    watch_timer_ = loop_.after(period, [this] {
        watch_timer_ = 0;
        if (!context_) return;
        const auto* oldest = context_->oldest_unanswered();
        if (oldest && std::chrono::steady_clock::now() - std::max(oldest->sent, last_read_) > limits_.reply_timeout) {
            ++stalls_;
            return give_up(fmt::format("no answer within {:g} s", limits_.reply_timeout.count() / 1000.0));
        }
        watch();
    });
}

// hiredis' context is freed at once, or, from inside one of its reply
// callbacks, as soon as that callback returns (redisAsyncFree waits for
// it); either way its callbacks find nobody from here on. (Not
// redisAsyncDisconnect: it waits for every answer, which a stalled Redis
// never sends, and keeps the buffers meanwhile.)
void Connection::give_up(const std::string& why) {
    if (!context_) return;
    auto* ac = context_->ac;
    if (!ac) return lost(why);  // still resolving the host name
    ac->data = nullptr;
    lost(why);
    redisAsyncFree(ac);
}

void Connection::lost(const std::string& why) {
    if (connect_timer_) loop_.cancel(connect_timer_);
    if (watch_timer_) loop_.cancel(watch_timer_);
    connect_timer_ = watch_timer_ = 0;
    ready_ = connected_ = false;
    if (context_ && context_->ac) context_->ac->data = nullptr;
    // Keep nothing of hiredis' context: it frees itself after this callback.
    context_.reset();
    loop_.post([this, why, alive = std::weak_ptr<int>(alive_)] {
        if (!alive.expired() && handlers_.on_lost) handlers_.on_lost(fmt::format("{} ({}:{}): {}", name_, url_.host, url_.port, why));
    });
}

bool Connection::command(const std::vector<std::string>& argv, Done done) {
    return send(argv, std::move(done), false);
}

bool Connection::subscribe(const std::vector<std::string>& argv, Done push) {
    return send(argv, std::move(push), true);
}

std::size_t Connection::unanswered_bytes() const { return context_ ? context_->unanswered_bytes : 0; }

bool Connection::send(const std::vector<std::string>& argv, Done done, bool repeat) {
    if (!context_ || !context_->ac) return false;
    auto bytes = repeat ? 0 : weight(argv);
    if (context_->unanswered_bytes + bytes > limits_.max_unanswered) {
        // Given up from the loop, not here: this may run inside one of
        // hiredis' callbacks on another connection's behalf, or in its
        // connect callback, where the context must not be freed.
        loop_.post([this, attempt = std::weak_ptr<Context>(context_), alive = std::weak_ptr<int>(alive_)] {
            if (alive.expired() || attempt.expired() || attempt.lock() != context_) return;
            ++stalls_;
            give_up(fmt::format("more than {} MiB sent and not answered", limits_.max_unanswered >> 20));
        });
        return false;
    }
    std::vector<const char*> args;
    std::vector<std::size_t> lengths;
    for (const auto& a : argv) {
        args.push_back(a.data());
        lengths.push_back(a.size());
    }
    auto id = context_->next++;
    context_->pending[id] = {std::move(done), repeat, bytes, std::chrono::steady_clock::now()};
    context_->unanswered_bytes += bytes;
    auto callback = [](redisAsyncContext* c, void* reply, void* privdata) {
        auto* ctx = context_of(c);
        if (!ctx) return;
        auto it = ctx->pending.find(reinterpret_cast<std::uintptr_t>(privdata));
        if (it == ctx->pending.end()) return;
        if (!reply) return ctx->answered(it);  // the connection went first
        auto* owner = ctx->owner;
        owner->last_read_ = std::chrono::steady_clock::now();
        bool subscription = it->second.repeat;
        it->second.confirmed = true;
        auto handler = subscription ? it->second.done : std::move(it->second.done);
        if (!subscription) ctx->answered(it);
        if (handler) handler(copy(static_cast<redisReply*>(reply)));
        // The handler may have given the connection up: owner is still
        // there (only its destructor frees it, never from a callback), its
        // context may not be.
        if (!subscription && owner->handlers_.on_answer) owner->handlers_.on_answer();
    };
    if (redisAsyncCommandArgv(context_->ac, callback, reinterpret_cast<void*>(id), static_cast<int>(args.size()),
                              args.data(), lengths.data()) == REDIS_OK)
        return true;
    context_->answered(context_->pending.find(id));  // hiredis is closing it
    return false;
}

}  // namespace wskit::redis
