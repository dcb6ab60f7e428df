#pragma once

#include <wskit/export.hpp>

#include <string>

namespace wskit {

// "0.1.0"
WSKIT_API const char* version();
// The versions of what the library is built on, one per line:
// "websocketpp 0.8.2", "Asio 1.22.1", "OpenSSL 3.0.x ...".
WSKIT_API std::string dependency_versions();

}  // namespace wskit
