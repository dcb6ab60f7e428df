#include <wskit/chat/bus.hpp>

namespace wskit::chat {

const char* type_name(RoomEvent::Type type) {
    switch (type) {
        case RoomEvent::Type::message: return "message";
        case RoomEvent::Type::action: return "action";
        case RoomEvent::Type::join: return "join";
        case RoomEvent::Type::leave: return "leave";
        case RoomEvent::Type::rename: return "rename";
    }
    return "?";
}

Bus::Subscription LocalBus::subscribe(const std::string& room, Handler handler) {
    auto id = next_++;
    subscribers_[id] = {room, std::move(handler)};
    return id;
}

void LocalBus::unsubscribe(Subscription subscription) { subscribers_.erase(subscription); }

void LocalBus::publish(const RoomEvent& event) {
    // A handler may subscribe or unsubscribe (a room emptied by the event):
    // the handlers to call are chosen before any of them runs.
    std::vector<Handler> handlers;
    for (const auto& [id, s] : subscribers_)
        if (s.room == event.room) handlers.push_back(s.handler);
    for (const auto& h : handlers) h(event);
}

}  // namespace wskit::chat
