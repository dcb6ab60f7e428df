// When and how a `wskit connect` session ends, and with which exit status:
// the end of input (close once the server has been silent for --wait),
// --count/--once/--until met or given up on, --keep-open, --timeout,
// SIGINT/SIGTERM, stdout's reader leaving or falling behind, a close or an
// error. It reads no clock and touches no socket itself: the connection and
// the timers are interfaces, so that tests drive it with fakes.
#pragma once

#include "term/fd_sink.hpp"

#include <wskit/error.hpp>
#include <wskit/event.hpp>
#include <wskit/tool/connect.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace re2 {
class RE2;
}

namespace wskit::detail {

class Closer {
public:
    using Clock = std::chrono::steady_clock;

    // What the closer needs of the current connection attempt.
    class Connection {
    public:
        virtual ~Connection() = default;
        // Starts the close handshake; false when the connection is not open.
        virtual bool close(int code, const std::string& reason) = 0;
        virtual bool is_open() const = 0;
        // Bytes accepted for sending and not yet written to the socket.
        virtual std::size_t backlog() const = 0;
    };

    // The event loop's time: the steady clock and one-shot timers.
    class Timers {
    public:
        virtual ~Timers() = default;
        virtual Clock::time_point now() const = 0;
        virtual void after(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
    };

    struct Effects {
        std::function<void(const std::string&)> diagnostic;  // "wskit: LINE" on stderr
        std::function<void(const Event&)> show;              // an event of the closer's own (an abandoned close)
        std::function<void()> stop;                          // the loop is done; only on_drained changes result()
    };

    // Throws Error(usage) for an invalid --until regex.
    Closer(const ConnectOptions& options, Connection& connection, Timers& timers, Effects effects);
    ~Closer();
    Closer(const Closer&) = delete;
    Closer& operator=(const Closer&) = delete;

    // Arms --timeout.
    void start();

    // A new attempt is connecting; it opened.
    void on_connecting();
    void on_open();

    // An incoming message arrived: whether it is still part of the answer
    // (false once --once/--count/--until is met: what arrives before the
    // close is not). Then, once it is shown, on_shown counts it toward those
    // conditions.
    bool wants_message();
    void on_shown(const Event& message);

    // The end of input, with the error that stopped it; bad input (what came
    // before it is still delivered, the exit status says it failed).
    void on_input_end(std::optional<std::string> error);
    void on_bad_input(const std::string& why);
    // stdout's reader went away (`failure` empty: exit 0) or writing failed.
    void on_output_closed(std::optional<std::string> failure);
    void on_signal(int signo);
    // Everything queued has been written (the client's drained event).
    void on_written();

    // The connection closed for good (no reconnect): says why when nothing
    // else did (`explained`: the printed close line already does), and ends.
    void on_closed(ExitCode client_code, const std::string& client_error, bool explained);

    // Closes now with this code (/close, /quit, a condition met); while
    // still connecting, right after the handshake.
    void close_now(int code, const std::string& reason);
    // Ends the session with `code`, unless an earlier decision overrides it.
    void finish(int code);

    // After the loop, what is still queued for stdout is written, waiting
    // for a slow reader as long as --timeout allows (none: as long as it
    // takes, like any tool in a pipeline); a run that already failed does
    // not wait. Then what that came to (`output_error`: the line for a write
    // error) may change the exit status.
    std::optional<Clock::time_point> drain_deadline() const;
    void on_drained(FdSink::Drain drained, int signo, const std::string& output_error);

    // The session is ending by its own decision, or has ended: a drop now is
    // not one to reconnect after.
    bool ending() const;
    bool finished() const { return finished_; }
    bool opened() const { return opened_; }
    int result() const { return result_; }

private:
    void schedule_close();
    void close_when_silent();
    void close_with_deadline(int code, const std::string& reason);
    void on_timeout();
    bool condition_met(const Event& message) const;
    std::string unmet_condition() const;
    int close_result(ExitCode client_code) const;

    const ConnectOptions& o_;
    Connection& connection_;
    Timers& timers_;
    Effects effects_;
    const Clock::time_point started_;   // for --timeout
    std::unique_ptr<re2::RE2> until_;
    bool wants_messages_ = false;       // --count, --once or --until decides when to stop
    bool satisfied_ = false;            // ... and it is met
    std::size_t received_ = 0;          // messages shown, for --count
    bool input_ended_ = false;
    bool opened_ = false;               // the current attempt has opened
    Clock::time_point last_heard_;      // the last frame from the server, or byte written to it
    bool closing_timer_ = false;        // the 1 s for the server to answer our close is running
    bool closing_by_us_ = false;
    bool awaiting_written_ = false;     // the silence count waits for what is queued to be written
    bool finished_ = false;
    std::optional<std::pair<int, std::string>> pending_close_;  // asked for while still connecting
    std::optional<int> exit_override_;  // decided before the close (a signal, bad input, a condition unmet)
    int result_ = 0;
};

}  // namespace wskit::detail
