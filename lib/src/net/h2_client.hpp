// Client over an HTTP/2 stream (RFC 8441): what Client runs when
// ClientOptions::http2 is set. Defined in net/h2_client.cpp.
#pragma once

#include "net/client_role.hpp"

#include <memory>

namespace wskit::detail {

std::unique_ptr<Client::Impl> make_http2_client(EventLoop& loop, ClientOptions options, Client::EventHandler on_event);

}  // namespace wskit::detail
