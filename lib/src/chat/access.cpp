#include <wskit/chat_server.hpp>
#include <wskit/encoding.hpp>
#include <wskit/handshake_check.hpp>


namespace wskit::chat {
namespace {

// "host:port" with the scheme's default port made explicit.
std::string with_port(std::string host_port, bool secure) {
    auto bracket = host_port.rfind(']');
    auto colon = host_port.rfind(':');
    bool has_port = colon != std::string::npos && (bracket == std::string::npos || colon > bracket);
    if (!has_port) host_port += secure ? ":443" : ":80";
    return host_port;
}

}  // namespace

bool origin_allowed(std::string_view origin, std::string_view host, bool secure,
                    const std::vector<std::string>& allowed) {
    if (origin.empty()) return true;
    auto o = ascii_lower(origin);
    while (!o.empty() && o.back() == '/') o.pop_back();
    if (origin_listed(allowed, o)) return true;
    // Same origin: the page this server served, from the address the
    // browser used for it (the Host header).
    std::string scheme = secure ? "https://" : "http://";
    if (o.compare(0, scheme.size(), scheme) != 0 || host.empty()) return false;
    return with_port(o.substr(scheme.size()), secure) == with_port(ascii_lower(host), secure);
}

bool token_matches(std::string_view secret, std::string_view offered) {
    if (secret.empty()) return true;
    // Every byte of the secret is looked at whatever the offer, so the time
    // taken says nothing about how much of it matched.
    unsigned char diff = secret.size() == offered.size() ? 0 : 1;
    for (std::size_t i = 0; i < secret.size(); ++i)
        diff |= static_cast<unsigned char>(secret[i] ^ (i < offered.size() ? offered[i] : 0));
    return diff == 0;
}

}  // namespace wskit::chat
