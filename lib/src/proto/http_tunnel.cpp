#include "proto/http_tunnel.hpp"

#include <wskit/encoding.hpp>

#include <fmt/format.h>

namespace wskit::detail {

std::string http_connect_request(const std::string& authority, const std::string& user,
                                 const std::string& password, const std::string& user_agent) {
    std::string req = fmt::format("CONNECT {0} HTTP/1.1\r\nHost: {0}\r\n", authority);
    if (!user_agent.empty()) req += fmt::format("User-Agent: {}\r\n", user_agent);
    if (!user.empty() || !password.empty())
        req += fmt::format("Proxy-Authorization: Basic {}\r\n", base64_encode(user + ":" + password));
    // Some proxies close the tunnel after one request without this (curl sends it too).
    req += "Proxy-Connection: Keep-Alive\r\n\r\n";
    return req;
}

ConnectAnswer parse_connect_answer(std::string_view head) {
    ConnectAnswer a;
    auto eol = head.find("\r\n");
    auto line = head.substr(0, eol);
    if (line.substr(0, 5) != "HTTP/") return a;
    auto sp = line.find(' ');
    if (sp == std::string_view::npos || sp + 4 > line.size()) return a;
    int status = 0;
    for (std::size_t i = sp + 1; i < sp + 4; ++i) {
        if (line[i] < '0' || line[i] > '9') return a;
        status = status * 10 + (line[i] - '0');
    }
    a.status = status;
    if (sp + 4 < line.size()) a.reason = std::string(line.substr(sp + 5));
    return a;
}

std::string connect_refusal(const ConnectAnswer& answer, bool data_after_head) {
    bool success = answer.status >= 200 && answer.status < 300;
    if (success) return data_after_head ? "it sent data before the tunnel was used" : "";
    if (answer.status == 0) return "not an HTTP answer";
    bool auth = answer.status == 401 || answer.status == 407;
    return fmt::format("{} ({}){}", answer.status, escape_controls(answer.reason),
                       auth ? " (check the proxy credentials: --proxy http://user:pass@host:port)" : "");
}

}  // namespace wskit::detail
