// One script of `wskit run`, played on an event loop it shares with the
// others: each statement runs in turn, an expect waits (on events, never by
// polling) for what it expects or its deadline.
#pragma once

#include "proto/script.hpp"

#include <wskit/client.hpp>
#include <wskit/loop.hpp>
#include <wskit/tool/run.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace re2 {
class RE2;
}

namespace wskit::detail {

// A script file, parsed: throws Error(usage) when it cannot be read or has
// a syntax error (naming the line and column).
Script read_script(const std::string& path);

struct ScriptResult {
    std::string name;
    bool passed = false;
    int exit = 0;                      // 0, 1 (a step failed), or the connection's status
    std::string failure;               // "NAME:LINE: STATEMENT: why", one line
    std::vector<std::string> details;  // expected, received, the last messages
    std::size_t steps = 0;             // statements run
    bool skipped = false;              // never started (wskit was interrupted first)
    double seconds = 0;
};

class ScriptRun {
public:
    using Done = std::function<void(ScriptResult)>;
    using Trace = std::function<void(const std::string& line)>;  // -v: a step, for stderr

    // Compiles the script's regexes: throws Error(usage) naming the line
    // of one that RE2 refuses.
    ScriptRun(EventLoop& loop, Script script, const RunOptions& options, Trace trace);
    ~ScriptRun();
    ScriptRun(const ScriptRun&) = delete;
    ScriptRun& operator=(const ScriptRun&) = delete;

    void start(Done done);
    const std::string& name() const { return script_.name; }

    // What a load test counts (wskit bench --script): each connection
    // opened and each one that ended (opened or not), each message sent and
    // received, and each expect met with the time since the message sent
    // before it.
    struct Meter {
        std::function<void()> opened, ended, sent, received;
        std::function<void(std::chrono::nanoseconds)> answered;
    };
    void meter(Meter m) { meter_ = std::move(m); }

private:
    using Statement = ScriptStatement;

    void step();
    void connect(const Statement& s);
    bool run_now(const Statement& s);  // false: waits (connect, expect, sleep)
    void on_event(Event& e);
    bool try_expect(const Statement& s);  // the expect is met (true) or failed; else keep waiting
    bool match_expect(const Statement& s);  // try_expect's matching, unmetered
    void wait_for(const Statement& s, std::chrono::milliseconds limit);
    void timed_out(const Statement& s);
    void fail(const Statement& s, std::string why, std::vector<std::string> details = {});
    void fail_connection();
    void finish();
    void done();
    std::optional<std::string> expand(const Statement& s, const std::string& text);
    std::vector<std::string> last_messages() const;
    void remember(const Message& m);

    EventLoop& loop_;
    Script script_;
    const RunOptions& options_;
    Trace trace_;
    Done done_;
    std::map<std::size_t, std::unique_ptr<re2::RE2>> regexes_;  // by statement index
    std::map<std::size_t, long> repeats_left_;                  // by the repeat's index
    std::map<std::string, std::string> captures_;
    std::unique_ptr<Client> client_;
    std::vector<std::unique_ptr<Client>> retired_;  // connections a later connect replaced
    unsigned generation_ = 0;                       // client_'s: events of retired ones are ignored
    std::size_t pc_ = 0;
    bool waiting_ = false;                // an expect, a connect or a sleep
    EventLoop::TimerId timer_ = 0;
    std::deque<Message> inbox_;           // text and binary messages not yet expected
    std::deque<std::string> pongs_;
    std::optional<int> closed_;           // the connection ended: its close code (1006 when dropped)
    bool open_ = false;
    bool closed_by_script_ = false;       // a close statement ran
    bool finishing_ = false;
    std::deque<Message> recent_;          // the last few received, for a failure's report
    ScriptResult result_;
    std::chrono::steady_clock::time_point started_;
    Meter meter_;
    std::optional<std::chrono::steady_clock::time_point> last_sent_;  // for Meter::answered
};

}  // namespace wskit::detail
