#include "chat/redis/bus.hpp"

#include <wskit/diagnostics.hpp>
#include <wskit/encoding.hpp>
#include <wskit/url.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace wskit::redis {
std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

const char* state_name(BusStats::State state) {
    switch (state) {
        case BusStats::State::connecting: return "connecting";
        case BusStats::State::connected: return "connected";
        case BusStats::State::degraded: return "degraded";
    }
    return "?";
}

RedisBus::RedisBus(EventLoop& loop, RedisUrl url, std::string node, RedisBusOptions options, Pause pause)
    : loop_(loop), url_(url), node_(std::move(node)), options_(std::move(options)), prefix_(options_.prefix),
      pause_(std::move(pause)),
      // Any answer may bring Redis down below the low mark: what waits goes.
      pub_(loop, url, "Redis",
           {[this] { on_ready(); }, [this](const std::string& why) { on_lost(pub_, why); }, [this] { drain(); }},
           {options_.reply_timeout}),
      sub_(loop, url, "Redis", {[this] { on_ready(); }, [this](const std::string& why) { on_lost(sub_, why); }, {}},
           {options_.reply_timeout}),
      random_(std::random_device{}()),
      // A member heard of on the bus is kept a refresh long without Redis
      // vouching for it: its process's presence may be on its way.
      ledger_(node_, (options_.presence_ttl / 3).count()) {}

RedisBus::~RedisBus() {
    if (refresh_timer_) loop_.cancel(refresh_timer_);
    if (heartbeat_timer_) loop_.cancel(heartbeat_timer_);
    // A bus destroyed while the loop still runs (a library user's) leaves
    // no retry behind to call a connection that is gone.
    for (const auto& [connection, timer] : retry_timers_) loop_.cancel(timer);
}

std::string RedisBus::where() const {
    return host_port(url_.host, url_.port);
}

const BusStats& RedisBus::stats() {
    stats_.unanswered_bytes = pub_.unanswered_bytes();
    stats_.paused = paused_.size();
    stats_.stalls = deaf_subscribers_ + pub_.stalls() + sub_.stalls();
    return stats_;
}

void RedisBus::start() {
    pub_.connect();
    sub_.connect();
    schedule_refresh();
    heartbeat();
}

chat::Bus::Subscription RedisBus::subscribe(const std::string& room, Handler handler) {
    bool first = std::none_of(subscribers_.begin(), subscribers_.end(), [&](const auto& s) { return s.second.first == room; });
    auto id = next_++;
    subscribers_[id] = {room, std::move(handler)};
    if (first) ledger_.open(room, now_ms());
    return id;
}

void RedisBus::unsubscribe(Subscription subscription) {
    auto it = subscribers_.find(subscription);
    if (it == subscribers_.end()) return;
    auto room = it->second.first;
    subscribers_.erase(it);
    if (std::any_of(subscribers_.begin(), subscribers_.end(), [&](const auto& s) { return s.second.first == room; }))
        return;
    // Nobody here is in it any more: forgotten, whatever was being read.
    ledger_.close(room);
    if (auto s = syncing_.find(room); s != syncing_.end()) {
        auto held = std::move(s->second.held);
        syncing_.erase(s);
        // This process's echoes among them still end their wait.
        for (const auto& e : held)
            if (e.event.origin == node_) receive(e);
    }
    finish_loads(room, {});
}

// This process's messages are numbered in their room (see Envelope).
Envelope RedisBus::number(const chat::RoomEvent& event) {
    Envelope e{event, 0, 0};
    if (event.said()) std::tie(e.epoch, e.seq) = ledger_.number(event.room);
    return e;
}

void RedisBus::publish(const chat::RoomEvent& event) {
    track_own(event);
    auto e = number(event);
    if (!sharing()) {
        // What was sent before it first: a connection may be lost before
        // on_lost has run.
        take_back();
        ++stats_.delivered_local;
        notify(event);
        return keep_for_later(e);
    }
    // Behind what already waits, in order.
    if (!waiting_.empty() || congested()) return wait_for_redis(e);
    send(e);
}

// Delivered here when it comes back from Redis (receive), or, if Redis
// refuses it (out of memory, say), at once: nobody else will see it, but
// its author's room still does.
void RedisBus::send(const Envelope& e) {
    pending_.push_back(e);
    ++pending_rooms_[e.event.room];
    ++stats_.published;
    persist(e);
    bool sent = pub_.command({"PUBLISH", room_channel(e.event.room), encode_event(e)},
                             [this, id = e.event.id](const Reply& r) {
                                 if (r.ok()) return;
                                 auto it = std::find_if(pending_.begin(), pending_.end(),
                                                        [&](const Envelope& p) { return p.event.id == id; });
                                 if (it == pending_.end()) return;
                                 auto refused = it->event;
                                 if (--pending_rooms_[refused.room] == 0) pending_rooms_.erase(refused.room);
                                 pending_.erase(it);
                                 ++stats_.delivered_local;
                                 notify(refused);
                             });
    if (!sent) take_back();
}

void RedisBus::notify(const chat::RoomEvent& event) {
    // A handler may subscribe or unsubscribe (a room emptied by the event):
    // the handlers to call are chosen before any of them runs.
    std::vector<Handler> handlers;
    for (const auto& [id, s] : subscribers_)
        if (s.first == event.room) handlers.push_back(s.second);
    for (const auto& h : handlers) h(event);
}

void RedisBus::on_message(const Reply& push) {
    // ["pmessage", pattern, channel, payload], or the confirmation
    // ["psubscribe", pattern, count].
    if (push.type != Reply::Type::array || push.elements.empty()) return;
    const auto& kind = push.elements[0].str;
    if (kind == "psubscribe") {
        subscribed_ = true;
        return on_ready();
    }
    if (kind != "pmessage" || push.elements.size() < 4) return;
    const auto& channel = push.elements[2].str;
    auto room = channel.substr(std::min(channel.size(), room_channel("").size()));
    // A room nobody here is in, and no echo of ours awaited: not even read.
    if (!ledger_.is_open(room) && !pending_rooms_.count(room)) return;
    auto event = read_event(push.elements[3].str, channel, room);
    if (!event) return;
    // While a room is read from Redis, what comes live waits, so that it
    // neither overtakes nor repeats what the history list holds.
    if (auto s = syncing_.find(room); s != syncing_.end()) return s->second.held.push_back(std::move(*event));
    receive(*event);
}

// An event of `room` read from Redis (`where`: the channel or the key),
// checked as a client's message would be; one that is not valid is
// counted, and said once on stderr.
std::optional<Envelope> RedisBus::read_event(const std::string& payload, const std::string& where,
                                             const std::string& room) {
    std::string why;
    auto e = decode_event(payload, options_.limits, &why);
    if (!e) reject(where, why);
    else if (e->event.room != room) reject(where, "an event of another room");
    else return e;
    return std::nullopt;
}

void RedisBus::reject(const std::string& where, const std::string& why) {
    ++stats_.rejected;
    if (!said_rejected_) {
        said_rejected_ = true;
        diagnose(DiagnosticKind::warning, fmt::format("ignoring an event in Redis ({}): {}; others are counted in "
                                 "wskit_chat_redis_rejected_total. Whoever can write to this Redis can speak in "
                                 "every room: give it a password (redis://:PASSWORD@HOST)",
                                 escape_controls(where), escape_controls(why)));
    }
}

void RedisBus::receive(const Envelope& e) {
    const auto& event = e.event;
    if (event.origin == node_) {
        auto it = std::find_if(pending_.begin(), pending_.end(),
                               [&](const Envelope& p) { return p.event.id == event.id; });
        // Not pending: delivered already, while Redis seemed gone.
        if (it == pending_.end()) return;
        if (--pending_rooms_[event.room] == 0) pending_rooms_.erase(event.room);
        pending_.erase(it);
        ++stats_.delivered_own;
        return notify(event);
    }
    auto verdict = ledger_.accept(e, now_ms());
    if (verdict.lost) {
        stats_.lost += verdict.lost;
        rooms_with_losses_.insert(event.room);
    }
    if (!verdict.deliver) return;
    ++stats_.delivered_remote;
    record_latency(event.ts);
    notify(event);
}

void RedisBus::record_latency(chat::Time ts) {
    double seconds = std::chrono::duration<double>(std::chrono::system_clock::now() - ts).count();
    if (seconds < 0) seconds = 0;  // another machine's clock ahead of ours
    std::size_t i = 0;
    while (i < BusStats::bounds.size() && seconds > BusStats::bounds[i]) ++i;
    ++stats_.latency_buckets[i];
    stats_.latency_sum += seconds;
    ++stats_.latency_count;
}

void RedisBus::on_ready() {
    if (sub_.ready() && !subscribed_) {
        // The heartbeat channel first: subscribed by the time the rooms'
        // pattern is confirmed. One pattern for every room: no room's first
        // events can overtake its subscription, and a new room needs no
        // round trip.
        if (!subscribing_) {
            sub_.subscribe({"SUBSCRIBE", node_channel()}, [this](const Reply& r) { on_heartbeat(r); });
            sub_.subscribe({"PSUBSCRIBE", room_channel("*")}, [this](const Reply& r) { on_message(r); });
        }
        subscribing_ = true;
        return;
    }
    if (!sharing() || was_sharing_) return;
    was_sharing_ = true;
    backoff_.clear();
    send_outbox();  // before anything said from now on: one order per process
    resume_sharing();
}

void RedisBus::on_lost(Connection& connection, const std::string& why) {
    if (&connection == &sub_) subscribed_ = subscribing_ = false;
    unechoed_.clear();  // what was on its way will not come
    was_sharing_ = resuming_ = false;
    stats_.state = BusStats::State::degraded;
    stats_.last_error = why;
    if (!said_degraded_) {
        said_degraded_ = true;
        diagnose(DiagnosticKind::warning, fmt::format("{}; serving this process's clients alone, and reconnecting", why));
    }
    // Rooms being read will not be: they open with what this process has,
    // and catch up when sharing resumes.
    auto syncing = std::move(syncing_);
    syncing_.clear();
    for (auto& [room, sync] : syncing) {
        finish_loads(room, {});
        for (const auto& e : sync.held) receive(e);
    }
    take_back();
    if (&connection == &pub_) {
        grant_waiting_claims();
        answer_listings();
    }
    // Each connection comes back on its own; the one still up is left alone.
    retry(connection);
}

// What this process sent and Redis did not return, then what waited behind
// it, is delivered here, in order: nothing a local client said is lost for
// the clients of its process. Redis may or may not have had the first: the
// others take each once, from the outbox.
void RedisBus::take_back() {
    auto events = std::move(pending_);
    pending_.clear();
    pending_rooms_.clear();
    for (auto& e : waiting_) events.push_back(std::move(e));
    waiting_.clear();
    waiting_bytes_ = 0;
    for (const auto& e : events) {
        ++stats_.delivered_local;
        notify(e.event);
        keep_for_later(e);
    }
    resume_clients();
}

void RedisBus::retry(Connection& connection) {
    auto& delay = backoff_[&connection];
    delay = delay.count() == 0 ? first_backoff : std::min(delay * 2, max_backoff);
    std::uniform_real_distribution<double> jitter(0.5, 1.5);
    auto wait = std::chrono::milliseconds(static_cast<long long>(delay.count() * jitter(random_)));
    retry_timers_[&connection] = loop_.after(wait, [this, &connection] {
        retry_timers_.erase(&connection);
        connection.connect();
    });
}

}  // namespace wskit::redis
