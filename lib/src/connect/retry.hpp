// Where a `wskit connect` session connects next: -L redirects (checked and
// planned by plan_redirect: loops, --max-redirects, credentials, wss:// to
// ws://) and --reconnect after a drop, with backoff. It starts nothing
// itself: its effects are callbacks, so that tests drive it with fakes.
#pragma once

#include <wskit/client.hpp>
#include <wskit/error.hpp>
#include <wskit/event.hpp>
#include <wskit/tool/connect.hpp>
#include <wskit/url.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace wskit::detail {

class Retry {
public:
    struct Effects {
        std::function<void(const std::string&)> diagnostic;  // "wskit: LINE" on stderr
        std::function<void(const std::string&)> trace;       // a -v line on stderr ("* LINE")
        std::function<void(const Event&)> show;              // "following a redirect", "reconnecting"
        std::function<void(ExitCode)> fail;                  // a redirect not followed: the session ends
        std::function<void()> follow;                        // connect to url() now (next loop turn)
        std::function<void(std::chrono::milliseconds)> reconnect_after;
    };

    // `random01` returns numbers in [0, 1) for the backoff's jitter; the
    // default draws them from a seeded generator.
    Retry(const ConnectOptions& options, Effects effects, std::function<double()> random01 = {});

    // Where the next attempt goes, and its options (url() included, and the
    // credentials a redirect keeps).
    const Url& url() const { return url_; }
    ClientOptions attempt_options() const;

    // An attempt opened: the next drop starts the backoff afresh.
    void on_open() { reconnects_ = 0; }

    // A failed handshake answered with `trace`: true when -L takes it over
    // (a redirect followed, or refused through Effects::fail).
    bool on_redirect(const HandshakeTrace& trace);

    // The connection failed or dropped with `code` (its message `error`):
    // true when another attempt is scheduled. `session_ending`: the session
    // decided to stop (Closer::ending), so a drop is no reason to retry.
    bool on_drop(bool session_ending, ExitCode code, const std::string& error);

private:
    const ConnectOptions& o_;
    Effects effects_;
    std::function<double()> random01_;
    Url url_;                                  // where the current attempt goes (changes with redirects)
    std::vector<std::string> visited_;         // URLs that redirected
    std::optional<ClientOptions> redirected_;  // -L: the options for url_ (credentials kept or dropped)
    int reconnects_ = 0;                       // attempts since the last open
};

}  // namespace wskit::detail
