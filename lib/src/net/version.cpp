#include <wskit/version.hpp>

#include <asio/version.hpp>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <websocketpp/version.hpp>

namespace wskit {

const char* version() { return WSKIT_VERSION; }

std::string dependency_versions() {
    return fmt::format("websocketpp {}.{}.{}\nAsio {}.{}.{}\n{}\n", websocketpp::major_version,
                       websocketpp::minor_version, websocketpp::patch_version, ASIO_VERSION / 100000,
                       ASIO_VERSION / 100 % 1000, ASIO_VERSION % 100, OpenSSL_version(OPENSSL_VERSION));
}

}  // namespace wskit
