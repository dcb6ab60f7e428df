// Prepared frames: a message framed once, whose bytes every receiver's send
// queue shares (Server::prepare, Server::broadcast), and its compressed form
// for receivers that agreed to permessage-deflate.
#pragma once

#include <memory>

namespace wskit::detail {

class ServerMessage;

// The frame compressed for receivers with this window, made once. This
// server always agrees to server_no_context_takeover, so a message
// compressed on its own is valid for each of them (hook 32 in
// net/wspp/README.md).
const std::shared_ptr<ServerMessage>& deflated(const std::shared_ptr<ServerMessage>& plain, int window);

}  // namespace wskit::detail
