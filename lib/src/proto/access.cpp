#include <wskit/access.hpp>
#include <wskit/encoding.hpp>
#include <wskit/url.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <arpa/inet.h>
#include <sys/socket.h>

namespace wskit {
namespace {

using std::chrono::milliseconds;

// "host:port" with the scheme's default port made explicit.
std::string with_port(std::string host_port, bool secure) {
    auto bracket = host_port.rfind(']');
    auto colon = host_port.rfind(':');
    bool has_port = colon != std::string::npos && (bracket == std::string::npos || colon > bracket);
    if (!has_port) host_port += secure ? ":443" : ":80";
    return host_port;
}

std::string without_trailing_slashes(std::string text) {
    while (!text.empty() && text.back() == '/') text.pop_back();
    return text;
}

// The value of ?name= in a resource, decoded as a form field is.
// The name=value pairs of a resource's query, in order, empty ones left out.
std::vector<std::string_view> query_pairs(std::string_view resource) {
    std::vector<std::string_view> pairs;
    auto q = resource.find('?');
    if (q == std::string_view::npos) return pairs;
    auto query = resource.substr(q + 1);
    while (!query.empty()) {
        auto amp = query.find('&');
        if (amp != 0) pairs.push_back(query.substr(0, amp));
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return pairs;
}

std::string_view pair_name(std::string_view pair) { return pair.substr(0, pair.find('=')); }

std::optional<std::string> query_parameter(std::string_view resource, std::string_view name) {
    for (auto pair : query_pairs(resource)) {
        if (pair_name(pair) != name) continue;
        auto eq = pair.find('=');
        std::string value(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
        std::replace(value.begin(), value.end(), '+', ' ');
        return percent_decode(value);
    }
    return std::nullopt;
}

// "Bearer X" (RFC 6750; the scheme without case).
bool is_bearer(std::string_view authorization) { return ascii_lower(authorization.substr(0, 7)) == "bearer "; }

HttpResponse text_page(int status, std::string body) {
    return {status, {{"Content-Type", "text/plain; charset=utf-8"}}, std::move(body)};
}

long long whole_seconds_up(milliseconds d) { return (d.count() + 999) / 1000; }

}  // namespace

bool origin_listed(const std::vector<std::string>& allowed, std::string_view origin) {
    auto wanted = without_trailing_slashes(ascii_lower(origin));
    return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& entry) {
        auto a = without_trailing_slashes(ascii_lower(entry));
        return a == "*" || a == wanted;
    });
}

bool origin_allowed(std::string_view origin, std::string_view host, bool secure,
                    const std::vector<std::string>& allowed) {
    if (origin.empty()) return true;
    auto o = without_trailing_slashes(ascii_lower(origin));
    if (origin_listed(allowed, o)) return true;
    // Same origin: a page this server served, from the address the browser
    // used for it (the Host header).
    std::string scheme = secure ? "https://" : "http://";
    if (o.compare(0, scheme.size(), scheme) != 0 || host.empty()) return false;
    return with_port(o.substr(scheme.size()), secure) == with_port(ascii_lower(host), secure);
}

bool token_matches(std::string_view secret, std::string_view offered) {
    if (secret.empty()) return true;
    // Every byte of the secret is looked at whatever the offer, so the time
    // taken says nothing about how much of it matched.
    unsigned char diff = secret.size() == offered.size() ? 0 : 1;
    for (std::size_t i = 0; i < secret.size(); ++i)
        diff |= static_cast<unsigned char>(secret[i] ^ (i < offered.size() ? offered[i] : 0));
    return diff == 0;
}

std::optional<std::string> offered_token(const HttpRequest& request) {
    auto auth = request.header("Authorization");
    if (is_bearer(auth)) {
        auto token = auth.substr(7);
        token.erase(0, token.find_first_not_of(' '));
        return token;
    }
    return query_parameter(request.resource, "token");
}

HttpRequest without_token(HttpRequest request) {
    auto& headers = request.headers;
    headers.erase(std::remove_if(headers.begin(), headers.end(),
                                 [](const Header& h) {
                                     return ascii_lower(h.name) == "authorization" && is_bearer(h.value);
                                 }),
                  headers.end());
    auto q = request.resource.find('?');
    if (q == std::string::npos) return request;
    std::string kept;
    for (auto pair : query_pairs(request.resource))
        if (pair_name(pair) != "token") kept.append(kept.empty() ? "" : "&").append(pair);
    request.resource = request.resource.substr(0, q) + (kept.empty() ? "" : "?" + kept);
    return request;
}

bool is_loopback_host(std::string_view host) {
    std::string h(host);
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    if (ascii_lower(h) == "localhost") return true;
    unsigned char bytes[16];
    if (inet_pton(AF_INET, h.c_str(), bytes) == 1) return bytes[0] == 127;
    if (inet_pton(AF_INET6, h.c_str(), bytes) == 1) {
        static const unsigned char loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        return std::equal(bytes, bytes + 16, loopback) || (std::equal(bytes, bytes + 12, mapped) && bytes[12] == 127);
    }
    return false;
}

// --- GuessThrottle -----------------------------------------------------------

std::string GuessThrottle::key_of(const std::string& address) {
    unsigned char bytes[16];
    if (address.find(':') == std::string::npos || inet_pton(AF_INET6, address.c_str(), bytes) != 1) return address;
    std::fill(bytes + 8, bytes + 16, 0);  // its /64
    char text[INET6_ADDRSTRLEN];
    return inet_ntop(AF_INET6, bytes, text, sizeof text) ? std::string(text) + "/64" : address;
}

milliseconds GuessThrottle::blocked_for(const std::string& address, Clock::time_point now) const {
    auto it = entries_.find(key_of(address));
    if (it == entries_.end() || it->second.blocked_until <= now) return milliseconds(0);
    return std::chrono::ceil<milliseconds>(it->second.blocked_until - now);
}

void GuessThrottle::failed(const std::string& address, Clock::time_point now) {
    auto key = key_of(address);
    auto it = entries_.find(key);
    if (it != entries_.end() && now - it->second.last_failure >= limits_.forget_after) {
        entries_.erase(it);
        it = entries_.end();
    }
    if (it == entries_.end()) {
        if (entries_.size() >= limits_.max_addresses) make_room(now);
        it = entries_.emplace(key, Entry{}).first;
    }
    auto& e = it->second;
    ++e.failures;
    e.last_failure = now;
    int over = e.failures - limits_.free_guesses;
    if (over <= 0) return;
    auto delay = limits_.first_delay;
    for (int i = 1; i < over && delay < limits_.max_delay; ++i) delay *= 2;
    e.blocked_until = now + std::min(delay, limits_.max_delay);
}

void GuessThrottle::succeeded(const std::string& address) { entries_.erase(key_of(address)); }

// The forgotten first, else the one that failed longest ago: an address
// still shut out failed within the last max_delay, so it goes last (an
// attacker would need max_addresses others failing within that time).
void GuessThrottle::make_room(Clock::time_point now) {
    for (auto it = entries_.begin(); it != entries_.end();)
        it = now - it->second.last_failure >= limits_.forget_after ? entries_.erase(it) : std::next(it);
    if (entries_.size() < limits_.max_addresses) return;
    auto oldest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
        return a.second.last_failure < b.second.last_failure;
    });
    entries_.erase(oldest);
}

// --- AccessGate --------------------------------------------------------------

AccessGate::AccessGate(AccessPolicy policy, GuessLimits limits)
    : policy_(std::move(policy)), throttle_(limits) {}

std::optional<HttpResponse> AccessGate::refuse_handshake(const HttpRequest& request,
                                                         GuessThrottle::Clock::time_point now,
                                                         const std::function<void(const std::string&)>& say) {
    auto refusal = check_handshake(request, now);
    if (!refusal) return std::nullopt;
    if (!refusal->log_line.empty()) say(refusal->log_line);
    return std::move(refusal->response);
}

std::optional<AccessRefusal> AccessGate::check_handshake(const HttpRequest& req, GuessThrottle::Clock::time_point now) {
    auto origin = req.header("Origin");
    if (!origin_allowed(origin, req.header("Host"), policy_.secure, policy_.origins)) {
        return AccessRefusal{
            Denial::origin,
            text_page(403, "Forbidden: this server does not accept WebSocket connections from pages of other "
                           "sites (its --origin option lists those it accepts).\n"),
            fmt::format("refused {}: origin '{}' is not allowed (--origin)", escape_controls(req.remote),
                        escape_controls(origin))};
    }
    return check_token(req, now);
}

std::optional<AccessRefusal> AccessGate::check_token(const HttpRequest& req, GuessThrottle::Clock::time_point now) {
    if (policy_.token.empty()) return std::nullopt;
    if (auto wait = throttle_.blocked_for(req.remote_address, now); wait.count() > 0) {
        auto seconds = whole_seconds_up(wait);
        auto res = text_page(429, fmt::format("Too many wrong tokens from your address: try again in {} s.\n", seconds));
        res.headers.push_back({"Retry-After", std::to_string(seconds)});
        return AccessRefusal{Denial::throttled, std::move(res), {}};  // said when the block began
    }
    auto offered = offered_token(req);
    if (offered && token_matches(policy_.token, *offered)) {
        throttle_.succeeded(req.remote_address);
        return std::nullopt;
    }
    std::string line = fmt::format("refused {}: {} (--token)", escape_controls(req.remote),
                                   offered ? "wrong token" : "no token");
    // Only a wrong token is a guess: a client that sends none is no attacker.
    if (offered) {
        throttle_.failed(req.remote_address, now);
        if (auto wait = throttle_.blocked_for(req.remote_address, now); wait.count() > 0)
            line += fmt::format("; too many wrong tokens from {}: refused with 429 for {} s",
                                escape_controls(req.remote_address), whole_seconds_up(wait));
    }
    auto res = text_page(401, "Unauthorized: this server needs its token, as ?token=SECRET in the URL or an "
                              "'Authorization: Bearer SECRET' header.\n");
    res.headers.push_back({"WWW-Authenticate", "Bearer"});
    return AccessRefusal{Denial::token, std::move(res), std::move(line)};
}

}  // namespace wskit
