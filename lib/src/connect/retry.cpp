#include "connect/retry.hpp"

#include <wskit/proxy.hpp>
#include <wskit/redirect.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

namespace wskit {

long reconnect_delay_ms(int attempt, double random01) {
    double cap = 30000;
    double base = std::min(cap, 500.0 * std::pow(2.0, std::max(0, attempt - 1)));
    return static_cast<long>(base / 2 + random01 * base / 2);
}

namespace detail {

namespace {

std::function<double()> seeded_random01() {
    auto rng = std::make_shared<std::mt19937>(std::random_device{}());
    return [rng] { return std::uniform_real_distribution<double>(0.0, 1.0)(*rng); };
}

bool is_redirect_status(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

Retry::Retry(const ConnectOptions& options, Effects effects, std::function<double()> random01)
    : o_(options),
      effects_(std::move(effects)),
      random01_(random01 ? std::move(random01) : seeded_random01()),
      url_(options.client.url) {}

ClientOptions Retry::attempt_options() const {
    ClientOptions options = redirected_ ? *redirected_ : o_.client;
    options.url = url_;
    if (options.proxy.empty()) options.proxy = proxy_from_environment(url_);
    return options;
}

// -L: a 3xx with a Location starts a new connection there.
bool Retry::on_redirect(const HandshakeTrace& trace) {
    if (!o_.follow_redirects || !is_redirect_status(trace.status) || trace.location.empty()) return false;
    auto fail = [this](const std::string& why) {
        effects_.diagnostic(why);
        effects_.fail(ExitCode::handshake);
        return true;
    };
    Url next;
    try {
        next = resolve_redirect(url_, trace.location);
    } catch (const Error& e) {
        return fail(e.what());
    }
    visited_.push_back(url_.str());
    if (std::find(visited_.begin(), visited_.end(), next.str()) != visited_.end())
        return fail(fmt::format("redirect loop: {} -> {}", fmt::join(visited_, " -> "), next.str()));
    if (static_cast<int>(visited_.size()) > o_.max_redirects)
        return fail(fmt::format("too many redirects ({}); the last one went to {} (raise --max-redirects)",
                                visited_.size(), next.str()));
    auto plan = plan_redirect(o_.client, url_, next, o_.location_trusted);
    if (!plan.refusal.empty()) return fail(plan.refusal);
    Event info;
    info.type = EventType::info;
    info.text = fmt::format("following a {} redirect to {}", trace.status, next.str());
    if (o_.verbosity >= 1) {
        effects_.trace(info.text);
        if (!plan.dropped.empty())
            effects_.trace(fmt::format("not sending {} to {}, another origin than {} (--location-trusted sends "
                                       "them)",
                                       fmt::join(plan.dropped, ", "), next.str(), o_.client.url.str()));
    }
    effects_.show(info);
    redirected_ = std::move(plan.options);
    url_ = next;
    effects_.follow();
    return true;
}

// --reconnect: after a drop (not a close we asked for), connect again with
// backoff; each attempt is reported.
bool Retry::on_drop(bool session_ending, ExitCode code, const std::string& error) {
    // The end of input does not stop it: a session whose input has ended
    // still has to deliver it, and --keep-open means "stay".
    if (!o_.reconnect || session_ending) return false;
    if (code == ExitCode::usage) return false;  // retrying cannot fix a bad option
    if (o_.reconnect_max > 0 && reconnects_ >= o_.reconnect_max) return false;
    ++reconnects_;
    Event e;
    e.type = EventType::reconnect;
    e.text = url_.str();
    e.attempt = reconnects_;
    e.delay_ms = reconnect_delay_ms(reconnects_, random01_());
    if (!error.empty()) effects_.diagnostic(error);
    effects_.show(e);
    effects_.reconnect_after(std::chrono::milliseconds(e.delay_ms));
    return true;
}

}  // namespace detail
}  // namespace wskit
