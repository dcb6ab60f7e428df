// Who may open a WebSocket on wskit's servers (listen, inspect --listen,
// broadcast-chat): the origin policy that keeps web pages of other sites out
// (cross-site WebSocket hijacking: any page a user visits can open
// ws://127.0.0.1:PORT/ in the background), the shared secret of --token, and
// the throttle on wrong guesses of it. Pure: the clock is passed in.
#pragma once

#include <wskit/export.hpp>
#include <wskit/server.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace wskit {

// Whether an Origin header value is one of `allowed` (compared without case
// and without a trailing '/'), or `allowed` has "*".
WSKIT_API bool origin_listed(const std::vector<std::string>& allowed, std::string_view origin);

// Whether a browser page from `origin` may open a WebSocket on a server whose
// Host header is `host`: no Origin (not a browser), the same origin (scheme,
// host and port; default ports implied; https for a wss server), or one of
// `allowed` (or "*"). "null" (a file:// page, a sandboxed frame) is a foreign
// origin. Case-insensitive, as origins are.
WSKIT_API bool origin_allowed(std::string_view origin, std::string_view host, bool secure,
                              const std::vector<std::string>& allowed);

// Whether `offered` is the secret; compared in constant time. No secret:
// always true.
WSKIT_API bool token_matches(std::string_view secret, std::string_view offered);

// The token a request offers: an "Authorization: Bearer X" header, else the
// ?token=X parameter of its resource (percent-decoded, '+' as a space);
// nullopt when it offers none.
WSKIT_API std::optional<std::string> offered_token(const HttpRequest& request);

// The request without what offered_token reads (its Bearer Authorization
// headers, its token parameters): a proxy keeps its own secret from the
// server behind it.
WSKIT_API HttpRequest without_token(HttpRequest request);

// Whether a server bound to `host` is reachable from this machine only
// (127.0.0.0/8, ::1, localhost).
WSKIT_API bool is_loopback_host(std::string_view host);

// Wrong guesses of a token, per client address: a few are free, then each
// one blocks the address for a delay that doubles with every further guess,
// up to max_delay. Requests from a blocked address get 429 without their
// token being looked at, so that guessing runs at a few per minute, not
// thousands per second. IPv6 clients count per /64, what one host usually
// holds. The table is bounded: when full, the entry that failed longest ago
// makes room.
struct GuessLimits {
    int free_guesses = 5;                            // a typo or two is not an attack
    std::chrono::milliseconds first_delay{1000};     // after the free ones, doubled each time
    std::chrono::milliseconds max_delay{60000};      // a guess a minute at most, however long it goes on
    std::chrono::milliseconds forget_after{600000};  // an address quiet this long starts afresh
    std::size_t max_addresses = 4096;                // a few hundred KiB at most
};

class WSKIT_API GuessThrottle {
public:
    using Clock = std::chrono::steady_clock;
    using Limits = GuessLimits;

    GuessThrottle() = default;
    explicit GuessThrottle(Limits limits) : limits_(limits) {}

    // How long `address` must still wait; zero when it may try now.
    std::chrono::milliseconds blocked_for(const std::string& address, Clock::time_point now) const;
    // A wrong token from `address`.
    void failed(const std::string& address, Clock::time_point now);
    // The right token from `address`: its count starts afresh.
    void succeeded(const std::string& address);
    std::size_t size() const { return entries_.size(); }

private:
    struct Entry {
        int failures = 0;
        Clock::time_point last_failure;
        Clock::time_point blocked_until;
    };
    static std::string key_of(const std::string& address);
    void make_room(Clock::time_point now);

    Limits limits_;
    std::unordered_map<std::string, Entry> entries_;
};

// A server's access policy: --origin, --token.
struct AccessPolicy {
    // Origins let in besides the server's own and clients without Origin
    // ("https://app.example"); "*" lets in every page.
    std::vector<std::string> origins;
    std::string token;    // required (?token= or Authorization: Bearer) when not empty
    bool secure = false;  // wss: the server's own pages are https://
};

// `policy` on a server set up with `server`: its own pages are https://
// when it serves wss.
inline AccessPolicy for_server(AccessPolicy policy, const ServerOptions& server) {
    policy.secure = !server.tls.cert_file.empty();
    return policy;
}

enum class Denial { origin, token, throttled };

struct AccessRefusal {
    Denial why;
    HttpResponse response;  // 403, 401 with WWW-Authenticate, or 429 with Retry-After
    std::string log_line;   // for stderr without "wskit: ", peer text escaped
};

// The origin check then the token check of a policy, with the throttle.
// Loop thread only.
class WSKIT_API AccessGate {
public:
    explicit AccessGate(AccessPolicy policy, GuessLimits limits = {});

    // Whether an opening handshake may go on; the refusal otherwise.
    std::optional<AccessRefusal> check_handshake(const HttpRequest& request, GuessThrottle::Clock::time_point now);
    // check_handshake as a server's on_handshake answers: the refusal's
    // response, its log line (when it has one) given to `say` first.
    std::optional<HttpResponse> refuse_handshake(const HttpRequest& request, GuessThrottle::Clock::time_point now,
                                                 const std::function<void(const std::string&)>& say);
    // The token check alone, for a page behind the token (chat's /metrics).
    std::optional<AccessRefusal> check_token(const HttpRequest& request, GuessThrottle::Clock::time_point now);

    const AccessPolicy& policy() const { return policy_; }

private:
    AccessPolicy policy_;
    GuessThrottle throttle_;
};

}  // namespace wskit
