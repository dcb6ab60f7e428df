// An HTTP/2 server's answer to an extended CONNECT (RFC 8441), whatever its
// fields: the checks always start with the status, which passes exactly for
// a 2xx :status, and an open WebSocket gets every check. The CONNECT built
// from the same bytes as -H headers carries no field that HTTP/2 forbids.
#include "fuzz_support.hpp"

#include <wskit/extended_connect.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using wskit::fuzz::require;

namespace {

// Lines of "name\tvalue" (a line without a tab is a name alone).
std::vector<wskit::Header> fields_of(std::string_view text) {
    std::vector<wskit::Header> fields;
    while (!text.empty()) {
        auto end = text.find('\n');
        auto line = text.substr(0, end);
        auto tab = line.find('\t');
        fields.push_back({std::string(line.substr(0, tab)),
                          tab == std::string_view::npos ? std::string() : std::string(line.substr(tab + 1))});
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return fields;
}

bool is_lowercase(const std::string& s) {
    for (char c : s)
        if (c >= 'A' && c <= 'Z') return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::vector<std::string> offered;
    if (data[0] & 1) offered = {"chat", "superchat"};
    std::string extensions = data[0] & 2 ? "permessage-deflate" : "";
    auto fields = fields_of(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));

    auto results = wskit::check_connect_response(fields, offered, extensions);
    require(!results.empty() && results.front().id == "status", "the checks do not start with the status");
    auto status = wskit::http2_response_head(fields).status;
    bool opened = status >= 200 && status < 300;
    require((results.front().verdict == wskit::Verdict::pass) == opened, "the status check disagrees with :status");
    if (opened) require(results.size() == 5, "an open WebSocket did not get every check");
    require((wskit::exit_code_of(results) == wskit::ExitCode::ok) == (wskit::first_failure(results) == nullptr),
            "the exit status disagrees with the checks");
    static_cast<void>(wskit::verdict_summary(results));

    wskit::ExtendedConnectOffer offer;
    offer.headers = fields;
    auto request = wskit::extended_connect_request(wskit::parse_url("wss://example.test/"), offer);
    require(request.size() >= 6 && request[0].name == ":method" && request[4].name == ":authority",
            "the CONNECT does not start with its pseudo-headers");
    for (std::size_t i = 5; i < request.size(); ++i) {
        const auto& name = request[i].name;
        require(!name.empty() && name[0] != ':' && is_lowercase(name),
                "the CONNECT has a pseudo-header late or a name with uppercase");
        require(name != "connection" && name != "upgrade" && name != "transfer-encoding" && name != "keep-alive" &&
                    name != "proxy-connection",
                "the CONNECT has a field that HTTP/2 forbids");
    }
    return 0;
}
