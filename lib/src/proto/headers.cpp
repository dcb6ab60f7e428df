#include "proto/headers.hpp"

#include <wskit/client.hpp>
#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/version.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>

namespace wskit {
namespace detail {

bool is_token_char(unsigned char c) {
    return c > 0x20 && c < 0x7f && std::string_view("()<>@,;:\\\"/[]?={}").find(static_cast<char>(c)) == std::string_view::npos;
}

bool same_header_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::vector<std::string> split_list(std::string_view value) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= value.size()) {
        auto comma = value.find(',', start);
        if (comma == std::string_view::npos) comma = value.size();
        auto item = value.substr(start, comma - start);
        auto b = item.find_first_not_of(" \t");
        auto e = item.find_last_not_of(" \t");
        if (b != std::string_view::npos) items.emplace_back(item.substr(b, e - b + 1));
        start = comma + 1;
    }
    return items;
}

std::string negotiation_problem(const std::vector<std::string>& offered, const std::string& protocol,
                                const std::string& extensions) {
    if (!protocol.empty() && std::find(offered.begin(), offered.end(), protocol) == offered.end())
        return offered.empty() ? fmt::format("the server chose subprotocol '{}', but none was offered",
                                             escape_controls(protocol))
                               : fmt::format("the server chose subprotocol '{}', which was not offered ({})",
                                             escape_controls(protocol), fmt::join(offered, ", "));
    auto enabled = split_list(extensions);
    if (!enabled.empty())
        return fmt::format("the server enabled extension '{}', which was not offered", escape_controls(enabled.front()));
    return {};
}

}  // namespace detail

std::string default_user_agent() { return fmt::format("wskit/{}", version()); }

std::string route_problem(const ClientOptions& options) {
    if (!options.proxy.empty() && !options.url.unix_socket.empty())
        return "a proxy cannot reach a Unix socket (drop --proxy, or use a ws:// URL)";
    return {};
}

}  // namespace wskit
