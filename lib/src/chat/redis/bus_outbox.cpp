// Nothing a local client says is lost while Redis is unreachable: its
// messages (and /me actions) are delivered to this process's clients at
// once and kept in an outbox, then published in order, and added to the
// shared history, as soon as sharing resumes, before anything said after.
// They come back from Redis like any event of this process that is not
// pending, and are not delivered here a second time. A process that was
// not listening yet when they were published (it reconnects later) finds
// them in the history lists, and delivers what it had missed (catch_up in
// bus_rooms.cpp); one that receives a message twice (sent again after a
// loss, unsure it had arrived) delivers it once: each keeps the number
// its author gave it. Joins, leaves and renames are not kept: presence,
// rewritten when sharing resumes, tells the other processes who is here
// now.
//
// The outbox is bounded: at most outbox_limit messages and outbox_bytes
// of text. Past either, the oldest are dropped (counted in /metrics, said
// once on stderr): they stay in this process's rooms, and the others never
// see them (and count them as lost: their numbers never come).
#include "chat/redis/bus.hpp"

#include <wskit/diagnostics.hpp>

#include <fmt/format.h>

namespace wskit::redis {
namespace {

constexpr std::size_t outbox_limit = 1000;
constexpr std::size_t outbox_bytes = 4 << 20;

std::size_t size_of(const Envelope& e) { return e.event.text.size() + e.event.from.size() + e.event.room.size(); }

}  // namespace

void RedisBus::keep_for_later(const Envelope& event) {
    if (!event.event.said()) return;
    outbox_.push_back(event);
    outbox_bytes_ += size_of(event);
    while (outbox_.size() > outbox_limit || outbox_bytes_ > outbox_bytes) {
        outbox_bytes_ -= size_of(outbox_.front());
        outbox_.pop_front();
        ++stats_.outbox_dropped;
        if (!said_overflow_) {
            said_overflow_ = true;
            diagnose(DiagnosticKind::warning, fmt::format("more than {} messages ({} MiB) said here while Redis is unreachable: "
                                     "the oldest will not reach the other processes",
                                     outbox_limit, outbox_bytes >> 20));
        }
    }
    stats_.outbox = outbox_.size();
}

// Not pending: the other processes see them, this one has already.
void RedisBus::send_outbox() {
    auto events = std::move(outbox_);
    outbox_.clear();
    outbox_bytes_ = 0;
    said_overflow_ = false;
    stats_.outbox = 0;
    for (const auto& e : events) {
        ++stats_.published;
        persist(e);
        pub_.command({"PUBLISH", room_channel(e.event.room), encode_event(e)});
    }
    if (!events.empty())
        diagnose(DiagnosticKind::warning, fmt::format("{} message{} said here while Redis was unreachable sent to the other "
                                 "processes",
                                 events.size(), events.size() == 1 ? "" : "s"));
}

}  // namespace wskit::redis
