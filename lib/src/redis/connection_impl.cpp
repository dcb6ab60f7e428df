// hiredis on Asio: the adapter (hiredis' ev hooks on a stream_descriptor)
// and the connection's life (connect, AUTH, SELECT, commands, loss).
#include "connection.hpp"

#include "../wspp.hpp"

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
                              else redisAsyncHandleRead(self->ac);
                              // hiredis may have freed the context (cleanup cleared ac).
                              if (self->ac && (write ? self->writing : self->reading)) self->wait(write);
                          });
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
    };
    std::map<std::uintptr_t, Pending> pending;
    std::uintptr_t next = 1;
};

namespace {

Connection::Context* context_of(const redisAsyncContext* ac) {
    return static_cast<Connection::Context*>(ac->data);
}

}  // namespace

Connection::Connection(EventLoop& loop, RedisUrl url, std::string name, Handlers handlers)
    : loop_(loop), url_(std::move(url)), name_(std::move(name)), handlers_(std::move(handlers)) {}

Connection::~Connection() {
    if (connect_timer_) loop_.cancel(connect_timer_);
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
    // answers would leave the connection "connecting" for ever.
    connect_timer_ = loop_.after(std::chrono::seconds(5), [this] {
        connect_timer_ = 0;
        abandon("no connection within 5 s");
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

void Connection::on_connected() {
    if (connect_timer_) loop_.cancel(connect_timer_);
    connect_timer_ = 0;
    auto selected = [this] {
        if (url_.db == 0) return become_ready();
        command({"SELECT", std::to_string(url_.db)}, [this](const Reply& r) {
            if (!r.ok()) return abandon(fmt::format("SELECT {}: {}", url_.db, r.str));
            become_ready();
        });
    };
    if (url_.password.empty()) return selected();
    command({"AUTH", url_.password}, [this, selected](const Reply& r) {
        if (!r.ok()) return abandon("AUTH: " + r.str);
        selected();
    });
}

void Connection::become_ready() {
    ready_ = true;
    if (handlers_.on_ready) handlers_.on_ready();
}

// Gives the connection up from our side (a failed AUTH, a timeout).
void Connection::abandon(const std::string& why) {
    if (!context_) return;
    if (!context_->ac) return lost(why);  // still resolving the host name
    auto* ac = context_->ac;
    ac->data = nullptr;  // hiredis' callbacks from here on find nobody
    lost(why);
    redisAsyncDisconnect(ac);
}

void Connection::lost(const std::string& why) {
    if (connect_timer_) loop_.cancel(connect_timer_);
    connect_timer_ = 0;
    ready_ = false;
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

bool Connection::send(const std::vector<std::string>& argv, Done done, bool repeat) {
    if (!context_ || !context_->ac) return false;
    std::vector<const char*> args;
    std::vector<std::size_t> lengths;
    for (const auto& a : argv) {
        args.push_back(a.data());
        lengths.push_back(a.size());
    }
    auto id = context_->next++;
    context_->pending[id] = {std::move(done), repeat};
    auto callback = [](redisAsyncContext* c, void* reply, void* privdata) {
        auto* ctx = context_of(c);
        if (!ctx) return;
        auto it = ctx->pending.find(reinterpret_cast<std::uintptr_t>(privdata));
        if (it == ctx->pending.end()) return;
        if (!reply) return void(ctx->pending.erase(it));  // the connection went first
        auto handler = it->second.repeat ? it->second.done : std::move(it->second.done);
        if (!it->second.repeat) ctx->pending.erase(it);
        if (handler) handler(copy(static_cast<redisReply*>(reply)));
    };
    return redisAsyncCommandArgv(context_->ac, callback, reinterpret_cast<void*>(id), static_cast<int>(args.size()),
                                 args.data(), lengths.data()) == REDIS_OK;
}

}  // namespace wskit::redis
