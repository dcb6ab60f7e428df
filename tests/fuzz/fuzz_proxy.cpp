// proxy_from_environment with a fuzzed environment, and no_proxy_matches on
// any list and host: no crash, and the choice follows curl's rules.
#include "fuzz_support.hpp"

#include <wskit/proxy.hpp>
#include <wskit/url.hpp>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>

using wskit::fuzz::require;

namespace {

constexpr const char* variables[] = {"https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY",
                                     "all_proxy",   "ALL_PROXY",   "no_proxy",   "NO_PROXY"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    wskit::Url target;
    target.secure = fdp.ConsumeBool();
    target.host = fdp.ConsumeRandomLengthString(64);
    target.port = target.secure ? 443 : 80;

    std::map<std::string, std::string> env;
    for (const char* name : variables)
        if (fdp.ConsumeBool()) env[name] = fdp.ConsumeRandomLengthString(128);
    const std::string no_proxy = fdp.ConsumeRandomLengthString(256);
    const std::string host = fdp.ConsumeRemainingBytesAsString();

    (void)wskit::no_proxy_matches(no_proxy, host);
    require(wskit::no_proxy_matches("*", host), "no_proxy=* does not match every host");
    // Hosts as a Url holds them: IPv6 literals come without brackets.
    if (!host.empty() && host.find_first_of(", \t[") == std::string::npos)
        require(wskit::no_proxy_matches(no_proxy + "," + host, host), "a host listed in no_proxy is proxied");

    auto lookup = [&env](const char* name) {
        auto it = env.find(name);
        return it == env.end() ? std::string() : it->second;
    };
    const std::string proxy = wskit::proxy_from_environment(target, lookup);
    if (proxy.empty()) return 0;
    // The proxy comes from a variable that applies to the scheme; HTTP_PROXY
    // never counts (in CGI programs a request header can set it).
    bool from_applicable = false;
    for (const char* name : variables) {
        if (std::strcmp(name, "HTTP_PROXY") == 0 || std::strstr(name, "no_proxy") || std::strstr(name, "NO_PROXY")) continue;
        if (target.secure && std::strcmp(name, "http_proxy") == 0) continue;
        if (!target.secure && (std::strcmp(name, "https_proxy") == 0 || std::strcmp(name, "HTTPS_PROXY") == 0)) continue;
        if (lookup(name) == proxy) from_applicable = true;
    }
    require(from_applicable, "the proxy does not come from a variable that applies to the target");
    return 0;
}
