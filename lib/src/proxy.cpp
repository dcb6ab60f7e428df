#include <wskit/proxy.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace wskit {

std::string getenv_or_empty(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

namespace {

std::string trim_lower(std::string s) {
    auto b = s.find_first_not_of(" \t");
    auto e = s.find_last_not_of(" \t");
    s = b == std::string::npos ? "" : s.substr(b, e - b + 1);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

}  // namespace

bool no_proxy_matches(const std::string& no_proxy, const std::string& host_in) {
    std::string host = trim_lower(host_in);
    std::size_t start = 0;
    while (start <= no_proxy.size()) {
        auto comma = no_proxy.find(',', start);
        if (comma == std::string::npos) comma = no_proxy.size();
        std::string entry = trim_lower(no_proxy.substr(start, comma - start));
        start = comma + 1;
        if (entry.empty()) continue;
        if (entry == "*") return true;
        if (entry.front() == '.') entry.erase(0, 1);
        if (entry.size() > 2 && entry.front() == '[' && entry.back() == ']') entry = entry.substr(1, entry.size() - 2);
        if (host == entry) return true;
        if (host.size() > entry.size() && host.compare(host.size() - entry.size(), entry.size(), entry) == 0 &&
            host[host.size() - entry.size() - 1] == '.')
            return true;
    }
    return false;
}

std::string proxy_from_environment(const Url& target, const EnvLookup& env) {
    auto first = [&env](std::initializer_list<const char*> names) {
        for (auto* n : names) {
            auto v = env(n);
            if (!v.empty()) return v;
        }
        return std::string();
    };
    std::string no_proxy = first({"no_proxy", "NO_PROXY"});
    if (!no_proxy.empty() && no_proxy_matches(no_proxy, target.host)) return {};
    std::string proxy = target.secure ? first({"https_proxy", "HTTPS_PROXY"}) : first({"http_proxy"});
    if (proxy.empty()) proxy = first({"all_proxy", "ALL_PROXY"});
    return proxy;
}

}  // namespace wskit
