#include "process/cgi_env.hpp"

#include <wskit/version.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace wskit::detail {
namespace {

std::string header_variable(std::string_view name) {
    std::string out = "HTTP_";
    for (unsigned char c : name) out += std::isalnum(c) ? static_cast<char>(std::toupper(c)) : '_';
    return out;
}

// "example.com:9000" -> "example.com", "[::1]:9000" -> "::1".
std::string host_without_port(std::string_view host) {
    if (!host.empty() && host.front() == '[') {
        auto end = host.find(']');
        return std::string(host.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1));
    }
    return std::string(host.substr(0, host.find(':')));
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// RFC 9110 5.5: a field value's CR, LF and NUL may be replaced with spaces;
// so are the other control characters (HTAB aside), none of which belongs
// in a value.
std::string header_value(std::string_view value) {
    std::string out(value);
    for (auto& c : out)
        if (is_control(static_cast<unsigned char>(c)) && c != '\t') c = ' ';
    return out;
}

// A raw control character in the request target, percent-encoded as it
// should have been sent.
std::string uri_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (unsigned char c : value) {
        if (is_control(c))
            out += fmt::format("%{:02X}", static_cast<unsigned>(c));
        else
            out += static_cast<char>(c);
    }
    return out;
}

}  // namespace

const std::vector<std::string>& passed_environment_names() {
    static const std::vector<std::string> names = {"PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL",
                                                   "LC_CTYPE", "TZ", "TMPDIR", "LD_LIBRARY_PATH"};
    return names;
}

std::string percent_decode_path(std::string_view path) {
    std::string out;
    out.reserve(path.size());
    for (std::size_t i = 0; i < path.size(); ++i) {
        auto c = static_cast<unsigned char>(path[i]);
        if (c == '%' && i + 2 < path.size() && hex_digit(path[i + 1]) >= 0 && hex_digit(path[i + 2]) >= 0) {
            auto decoded = static_cast<unsigned char>(hex_digit(path[i + 1]) * 16 + hex_digit(path[i + 2]));
            if (is_control(decoded)) {
                out.append(path.substr(i, 3));  // stays encoded
            } else {
                out += static_cast<char>(decoded);
            }
            i += 2;
        } else if (is_control(c)) {
            out += fmt::format("%{:02X}", static_cast<unsigned>(c));
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::vector<std::string> cgi_environment(const HttpRequest& request, const CgiServer& server, ConnId id,
                                         const std::vector<std::string>& parent) {
    std::map<std::string, std::string> vars;
    for (const auto& entry : parent) {
        auto eq = entry.find('=');
        if (eq == std::string::npos) continue;
        auto name = entry.substr(0, eq);
        const auto& passed = passed_environment_names();
        if (std::find(passed.begin(), passed.end(), name) != passed.end()) vars[name] = entry.substr(eq + 1);
    }
    for (const auto& h : request.headers) {
        if (h.name.empty() || header_variable(h.name) == "HTTP_PROXY") continue;
        auto& value = vars[header_variable(h.name)];
        value = value.empty() ? header_value(h.value) : value + ", " + header_value(h.value);
    }
    const auto& uri = request.resource;
    auto question = uri.find('?');
    std::string host = header_value(host_without_port(request.header("Host")));
    vars["GATEWAY_INTERFACE"] = "CGI/1.1";
    vars["SERVER_SOFTWARE"] = std::string("wskit/") + version();
    vars["SERVER_PROTOCOL"] = request.version.empty() ? "HTTP/1.1" : header_value(request.version);
    vars["REQUEST_METHOD"] = request.method.empty() ? "GET" : header_value(request.method);
    vars["SCHEME"] = server.tls ? "wss" : "ws";
    if (server.tls) vars["HTTPS"] = "on";
    vars["SERVER_NAME"] = host.empty() ? server.host : host;
    vars["SERVER_PORT"] = std::to_string(server.port);
    vars["REMOTE_ADDR"] = request.remote_address;
    vars["REMOTE_HOST"] = request.remote_address;
    vars["REMOTE_PORT"] = std::to_string(request.remote_port);
    vars["REQUEST_URI"] = uri_value(uri);
    vars["SCRIPT_NAME"] = "";
    vars["PATH_INFO"] = percent_decode_path(uri.substr(0, question));
    vars["QUERY_STRING"] = question == std::string::npos ? "" : uri_value(uri.substr(question + 1));
    vars["WSKIT_CONN_ID"] = std::to_string(id);
    std::vector<std::string> out;
    out.reserve(vars.size());
    for (const auto& [name, value] : vars) out.push_back(name + "=" + value);
    return out;
}

}  // namespace wskit::detail
