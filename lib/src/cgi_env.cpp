#include "cgi_env.hpp"

#include <wskit/url.hpp>
#include <wskit/version.hpp>

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

}  // namespace

const std::vector<std::string>& passed_environment_names() {
    static const std::vector<std::string> names = {"PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL",
                                                   "LC_CTYPE", "TZ", "TMPDIR", "LD_LIBRARY_PATH"};
    return names;
}

std::string percent_decode_path(std::string_view path) {
    // percent_decode, except that every "%00" stays as it is.
    std::string out;
    for (;;) {
        auto nul = path.find("%00");
        out += percent_decode(path.substr(0, nul));
        if (nul == std::string_view::npos) return out;
        out += "%00";
        path.remove_prefix(nul + 3);
    }
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
        value = value.empty() ? h.value : value + ", " + h.value;
    }
    const auto& uri = request.resource;
    auto question = uri.find('?');
    std::string host = host_without_port(request.header("Host"));
    vars["GATEWAY_INTERFACE"] = "CGI/1.1";
    vars["SERVER_SOFTWARE"] = std::string("wskit/") + version();
    vars["SERVER_PROTOCOL"] = request.version.empty() ? "HTTP/1.1" : request.version;
    vars["REQUEST_METHOD"] = request.method.empty() ? "GET" : request.method;
    vars["SCHEME"] = server.tls ? "wss" : "ws";
    if (server.tls) vars["HTTPS"] = "on";
    vars["SERVER_NAME"] = host.empty() ? server.host : host;
    vars["SERVER_PORT"] = std::to_string(server.port);
    vars["REMOTE_ADDR"] = request.remote_address;
    vars["REMOTE_HOST"] = request.remote_address;
    vars["REMOTE_PORT"] = std::to_string(request.remote_port);
    vars["REQUEST_URI"] = uri;
    vars["SCRIPT_NAME"] = "";
    vars["PATH_INFO"] = percent_decode_path(uri.substr(0, question));
    vars["QUERY_STRING"] = question == std::string::npos ? "" : uri.substr(question + 1);
    vars["WSKIT_CONN_ID"] = std::to_string(id);
    std::vector<std::string> out;
    out.reserve(vars.size());
    for (const auto& [name, value] : vars) out.push_back(name + "=" + value);
    return out;
}

}  // namespace wskit::detail
