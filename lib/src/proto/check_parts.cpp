#include "proto/check_parts.hpp"
#include "proto/headers.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace wskit::detail {

CheckResult check_result(std::string id, std::string name, bool ok, std::string expected, std::string actual,
                         const char* rfc, ExitCode exit_class) {
    return {std::move(id), std::move(name), ok ? Verdict::pass : Verdict::fail, std::move(expected),
            std::move(actual), rfc, {}, exit_class};
}

std::string shown(const std::string& value, bool present) { return present ? value : "(absent)"; }

void check_refusal(const ResponseHead& res, std::vector<CheckResult>& out) {
    auto present = [&](const char* header, std::string id, std::string name, const char* rfc) {
        bool has = res.has_header(header);
        out.push_back(check_result(std::move(id), std::move(name), has, fmt::format("a {} header", header),
                                   shown(res.header(header), has), rfc));
    };
    if (res.status == 426)
        present("Sec-WebSocket-Version", "version_header", "Sec-WebSocket-Version of the 426", "RFC 6455 4.4");
    if (res.status >= 300 && res.status < 400 && res.status != 304)
        present("Location", "location", "Location of the redirect", "RFC 9110 10.2.2");
    if (res.status == 401) present("WWW-Authenticate", "challenge", "WWW-Authenticate of the 401", "RFC 9110 11.6.1");
    if (res.status == 407)
        present("Proxy-Authenticate", "challenge", "Proxy-Authenticate of the 407", "RFC 9110 11.7.1");
}

CheckResult check_subprotocol(const ResponseHead& res, const std::vector<std::string>& offered, const char* rfc) {
    const bool chosen = res.has_header("Sec-WebSocket-Protocol");
    const auto value = res.header("Sec-WebSocket-Protocol");
    const auto expected = offered.empty() ? std::string("none (none offered)")
                                          : fmt::format("one of {}", fmt::join(offered, ", "));
    auto r = check_result("subprotocol", "subprotocol", true, expected, shown(value, chosen), rfc);
    if (chosen && std::find(offered.begin(), offered.end(), value) == offered.end()) {
        r.verdict = Verdict::fail;
    } else if (!chosen && !offered.empty()) {
        // Allowed by the RFC, but the application asked for one.
        r.verdict = Verdict::warn;
        r.actual = "none chosen";
    } else if (!chosen) {
        r.actual = "none";
    }
    return r;
}

CheckResult check_extensions(const ResponseHead& res, std::string_view offered_value, const char* rfc) {
    const auto offered = extension_names(offered_value);
    const auto value = res.header("Sec-WebSocket-Extensions");
    auto r = check_result("extensions", "extensions", true,
                          offered.empty() ? std::string("none (none offered)")
                                          : fmt::format("a subset of {}", fmt::join(offered, ", ")),
                          value.empty() ? std::string("none") : value, rfc);
    for (const auto& name : extension_names(value))
        if (std::find(offered.begin(), offered.end(), name) == offered.end()) r.verdict = Verdict::fail;
    // permessage-deflate's parameters (RFC 7692 7.1) decide memory and compression.
    for (const auto& item : split_list(value))
        if (item.find(';') != std::string::npos)
            r.detail += fmt::format("{}negotiated: {}", r.detail.empty() ? "" : "; ", item);
    return r;
}

}  // namespace wskit::detail
