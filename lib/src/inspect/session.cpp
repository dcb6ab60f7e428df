// handshake-inspect, client mode: one attempt per redirect (inspect/attempt.hpp).
#include "inspect/attempt.hpp"

#include <wskit/redirect.hpp>
#include <wskit/tool/inspect.hpp>

#include <fmt/format.h>

namespace wskit {

InspectReport inspect_server(const InspectOptions& options) {
    ClientOptions client = options.client;
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

}  // namespace wskit
