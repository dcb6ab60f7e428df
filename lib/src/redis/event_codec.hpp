// A room event as it travels through Redis: one JSON object, with the
// publishing process (origin) and its id, so that a process recognizes its
// own events when they come back. Pure: tested without Redis.
#pragma once

#include <wskit/chat_bus.hpp>

#include <optional>
#include <string>

namespace wskit::redis {

WSKIT_API std::string encode_event(const chat::RoomEvent& e);
// Nothing for what is not an event of ours (another program on the channel).
WSKIT_API std::optional<chat::RoomEvent> decode_event(const std::string& payload);

}  // namespace wskit::redis
