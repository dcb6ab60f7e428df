#include "bus.hpp"

#include "event_codec.hpp"

#include <wskit/url.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <iostream>

namespace wskit::redis {
namespace {

constexpr std::chrono::milliseconds first_backoff{100}, max_backoff{5000};

}  // namespace

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

RedisBus::RedisBus(EventLoop& loop, RedisUrl url, std::string node, std::size_t history,
                   std::chrono::milliseconds reply_timeout, std::string prefix)
    : loop_(loop), url_(url), node_(std::move(node)), prefix_(std::move(prefix)),
      pub_(loop, url, "Redis", {[this] { on_ready(); }, [this](const std::string& why) { on_lost(pub_, why); }, {}},
           {reply_timeout}),
      sub_(loop, url, "Redis", {[this] { on_ready(); }, [this](const std::string& why) { on_lost(sub_, why); }, {}},
           {reply_timeout}),
      random_(std::random_device{}()), history_(history), cache_(history) {}

RedisBus::~RedisBus() {
    if (refresh_timer_) loop_.cancel(refresh_timer_);
    // A bus destroyed while the loop still runs (a library user's) leaves
    // no retry behind to call a connection that is gone.
    for (const auto& [connection, timer] : retry_timers_) loop_.cancel(timer);
}

const BusStats& RedisBus::stats() {
    stats_.stalls = pub_.stalls() + sub_.stalls();
    return stats_;
}

std::string RedisBus::where() const {
    return host_port(url_.host, url_.port);
}

void RedisBus::start() {
    pub_.connect();
    sub_.connect();
    schedule_refresh();
}

chat::Bus::Subscription RedisBus::subscribe(const std::string& room, Handler handler) {
    auto id = next_++;
    subscribers_[id] = {room, std::move(handler)};
    return id;
}

void RedisBus::unsubscribe(Subscription subscription) { subscribers_.erase(subscription); }

void RedisBus::publish(const chat::RoomEvent& event) {
    track_own(event);
    if (!sharing()) {
        ++stats_.delivered_local;
        deliver(event);
        return keep_for_later(event);
    }
    pending_.push_back(event);
    ++stats_.published;
    persist(event);
    bool sent = pub_.command({"PUBLISH", room_channel(event.room), encode_event(event)},
                             [this, id = event.id](const Reply& r) {
                                 if (r.ok()) return;
                                 // Redis refused it (out of memory, say): nobody else
                                 // will see it, but its author's room still does.
                                 auto it = std::find_if(pending_.begin(), pending_.end(),
                                                        [&](const chat::RoomEvent& e) { return e.id == id; });
                                 if (it == pending_.end()) return;
                                 auto e = *it;
                                 pending_.erase(it);
                                 ++stats_.delivered_local;
                                 deliver(e);
                             });
    if (!sent) flush_pending();
}

void RedisBus::deliver(const chat::RoomEvent& event) {
    cache_.apply(event, now_ms());
    notify(event);
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
    auto event = decode_event(push.elements[3].str);
    if (!event) return;
    // While sharing resumes, what was said meanwhile is read from the
    // history lists; what comes live waits until then, so that it does
    // not overtake (and hide, see seen_before) those older messages.
    if (catching_up_) return held_.push_back(std::move(*event));
    receive(*event);
}

void RedisBus::receive(const chat::RoomEvent& event) {
    if (event.origin == node_) {
        auto it = std::find_if(pending_.begin(), pending_.end(),
                               [&](const chat::RoomEvent& e) { return e.id == event.id; });
        // Not pending: delivered already, while Redis seemed gone.
        if (it == pending_.end()) return;
        pending_.erase(it);
        ++stats_.delivered_own;
    } else {
        if (seen_before(event)) return;
        ++stats_.delivered_remote;
        record_latency(event.ts);
    }
    deliver(event);
}

void RedisBus::release_held() {
    catching_up_ = false;
    auto held = std::move(held_);
    held_.clear();
    for (const auto& e : held) receive(e);
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
        // One pattern for every room: no room's first events can overtake
        // its subscription, and a new room needs no round trip.
        if (!subscribing_) sub_.subscribe({"PSUBSCRIBE", room_channel("*")}, [this](const Reply& r) { on_message(r); });
        subscribing_ = true;
        return;
    }
    if (!sharing() || was_sharing_) return;
    was_sharing_ = true;
    backoff_.clear();
    send_outbox();  // before anything said from now on: one order per process
    load_then_announce();
}

void RedisBus::announce() {
    if (stats_.state == BusStats::State::degraded) {
        ++stats_.reconnects;
        std::cerr << fmt::format("wskit: Redis at {} is back: sharing rooms again\n", where()) << std::flush;
    } else {
        std::cerr << fmt::format("wskit: sharing rooms through Redis at {}\n", where()) << std::flush;
    }
    said_degraded_ = false;
    stats_.state = BusStats::State::connected;
    stats_.last_error.clear();
}

void RedisBus::on_lost(Connection& connection, const std::string& why) {
    if (&connection == &sub_) subscribed_ = subscribing_ = false;
    was_sharing_ = false;
    stats_.state = BusStats::State::degraded;
    stats_.last_error = why;
    if (!said_degraded_) {
        said_degraded_ = true;
        std::cerr << fmt::format("wskit: {}; serving this process's clients alone, and reconnecting\n", why)
                  << std::flush;
    }
    release_held();  // the catching up will not finish
    flush_pending();
    if (&connection == &pub_) grant_waiting_claims();
    // Each connection comes back on its own; the one still up is left alone.
    retry(connection);
}

// What this process sent and Redis did not return is delivered here:
// nothing a local client said is lost for the clients of its process.
void RedisBus::flush_pending() {
    auto events = std::move(pending_);
    pending_.clear();
    for (const auto& e : events) {
        ++stats_.delivered_local;
        deliver(e);
        keep_for_later(e);  // Redis may or may not have had it: the others take it once
    }
}

// Exponential backoff from 100 ms to 5 s, with ±50% jitter so that the
// processes of a cluster do not all come back at the same instant.
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
