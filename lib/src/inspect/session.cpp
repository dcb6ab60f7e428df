// handshake-inspect, client mode: one attempt per redirect
// (inspect/attempt.hpp), then the HTTP/2 probe (inspect/http2_probe.hpp).
#include "inspect/attempt.hpp"
#include "inspect/http2_probe.hpp"

#include <wskit/redirect.hpp>
#include <wskit/tool/inspect.hpp>

#include <fmt/format.h>

namespace wskit {
namespace {

// Through each redirect when asked: `client` ends as the last URL's options.
InspectReport inspect_http11(const InspectOptions& options, ClientOptions& client) {
    std::vector<RedirectHop> hops;
    for (;;) {
        InspectReport r = detail::Attempt(options, client).run();
        r.redirects = hops;
        auto head = parse_response_head(r.response);
        auto location = head.header("Location");
        if (!options.follow_redirects || head.status < 300 || head.status >= 400 || location.empty()) return r;
        if (static_cast<int>(hops.size()) >= options.max_redirects) {
            r.error = fmt::format("more than {} redirects (--max-redirects)", options.max_redirects);
            r.exit = ExitCode::handshake;
            return r;
        }
        hops.push_back({r.url, head.status, location});
        try {
            auto plan = plan_redirect(options.client, client.url, resolve_redirect(client.url, location),
                                      options.location_trusted);
            if (!plan.refusal.empty()) throw Error(ExitCode::handshake, plan.refusal);
            client = std::move(plan.options);
        } catch (const Error& e) {
            r.error = e.what();
            r.exit = e.code();
            return r;
        }
    }
}

}  // namespace

InspectReport inspect_server(const InspectOptions& options) {
    ClientOptions client = options.client;
    InspectReport r = inspect_http11(options, client);
    if (!detail::wants_http2_probe(options, client.url)) return r;
    r.http2 = detail::probe_http2(options, client);
    // Browsers take the HTTP/2 path where the server enables it: broken
    // there, the server is broken for them whatever HTTP/1.1 says.
    if (r.http2->enabled && r.http2->exit != ExitCode::ok && r.exit == ExitCode::ok) {
        r.exit = r.http2->exit;
        r.error = detail::http2_summary(*r.http2);
    }
    return r;
}

}  // namespace wskit
