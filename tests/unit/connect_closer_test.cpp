#include "connect_fakes.hpp"
#include "support.hpp"

#include <csignal>
#include <memory>

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using wskit::ConnectOptions;
using wskit::Event;
using wskit::EventType;
using wskit::ExitCode;
using wskit::detail::Closer;
using wskit::test::FakeConnection;
using wskit::test::FakeTimers;

namespace {

// A closer on fakes, with what it said and did.
struct Rig {
    explicit Rig(ConnectOptions o)
        : options(std::move(o)),
          closer(options, connection, timers,
                 {[this](const std::string& line) { diagnostics.push_back(line); },
                  [this](const Event& e) { shown.push_back(e); }, [this] { ++stops; }}) {}

    void open() {
        connection.open = true;
        closer.on_connecting();
        closer.on_open();
    }
    void message(const std::string& text) {
        Event e;
        e.type = EventType::message;
        e.message.payload = text;
        if (closer.wants_message()) closer.on_shown(e);
    }
    // The server answers the close (or drops the connection).
    void closed(ExitCode code = ExitCode::ok, const std::string& error = {}) {
        connection.open = false;
        closer.on_closed(code, error, false);
    }

    ConnectOptions options;
    FakeConnection connection;
    FakeTimers timers;
    std::vector<std::string> diagnostics;
    std::vector<Event> shown;
    int stops = 0;
    Closer closer;
};

ConnectOptions with_count(std::size_t n) {
    ConnectOptions o;
    o.count = n;
    return o;
}

}  // namespace

TEST_CASE("closer: --count reached closes with --close-code, exit 0", "[connect][closer]") {
    auto o = with_count(2);
    o.close_code = 4000;
    o.close_reason = "enough";
    Rig rig(o);
    rig.open();
    rig.message("one");
    CHECK(rig.connection.closes.empty());
    rig.message("two");
    REQUIRE(rig.connection.closes.size() == 1);
    CHECK(rig.connection.closes[0] == std::make_pair(4000, std::string("enough")));
    CHECK(rig.closer.ending());
    rig.closed();
    CHECK(rig.stops == 1);
    CHECK(rig.closer.result() == 0);
    CHECK(rig.diagnostics.empty());
}

TEST_CASE("closer: what arrives after --count is met is not shown", "[connect][closer]") {
    Rig rig(with_count(1));
    rig.open();
    Event late;
    late.type = EventType::message;
    CHECK(rig.closer.wants_message());
    rig.closer.on_shown(late);
    CHECK_FALSE(rig.closer.wants_message());
}

TEST_CASE("closer: --until matches a text message", "[connect][closer]") {
    ConnectOptions o;
    o.until = "d[o]ne";
    Rig rig(o);
    rig.open();
    rig.message("working");
    CHECK(rig.connection.closes.empty());
    rig.message("all done.");
    CHECK(rig.connection.closes.size() == 1);
    rig.closed();
    CHECK(rig.closer.result() == 0);
}

TEST_CASE("closer: an invalid --until is a usage error", "[connect][closer]") {
    ConnectOptions o;
    o.until = "(";
    auto message = wskit::test::error_message([&] { Rig rig(o); }, ExitCode::usage);
    CHECK_THAT(message, Contains("invalid --until regex '('"));
}

TEST_CASE("closer: silence after the end of input with --count unmet: exit 7", "[connect][closer]") {
    Rig rig(with_count(2));
    rig.open();
    rig.message("one");
    rig.closer.on_input_end(std::nullopt);
    rig.timers.advance(499ms);
    CHECK(rig.connection.closes.empty());
    rig.timers.advance(1ms);
    REQUIRE(rig.connection.closes.size() == 1);
    REQUIRE(rig.diagnostics.size() == 1);
    CHECK(rig.diagnostics[0] == "--count not reached (1 of 2) after the server was silent for 0.5 s (-w) "
                                "(--keep-open waits as long as it takes)");
    rig.closed();
    CHECK(rig.closer.result() == to_int(ExitCode::timeout));
}

TEST_CASE("closer: -w 0 gives up at the end of input", "[connect][closer]") {
    auto o = with_count(1);
    o.once = true;
    o.wait_seconds = 0;
    Rig rig(o);
    rig.open();
    rig.closer.on_input_end(std::nullopt);
    REQUIRE(rig.diagnostics.size() == 1);
    CHECK(rig.diagnostics[0] == "-1/--once: no message received at the end of input (-w 0) "
                                "(--keep-open waits as long as it takes)");
}

TEST_CASE("closer: each message restarts the wait for silence", "[connect][closer]") {
    Rig rig(ConnectOptions{});
    rig.open();
    rig.closer.on_input_end(std::nullopt);
    rig.timers.advance(400ms);
    rig.message("reply");
    rig.timers.advance(400ms);
    CHECK(rig.connection.closes.empty());
    rig.timers.advance(100ms);
    CHECK(rig.connection.closes.size() == 1);
    rig.closed();
    CHECK(rig.closer.result() == 0);
}

TEST_CASE("closer: silence counts from the last byte written", "[connect][closer]") {
    Rig rig(ConnectOptions{});
    rig.open();
    rig.connection.unsent = 100;
    rig.closer.on_input_end(std::nullopt);
    rig.timers.advance(2000ms);
    CHECK(rig.connection.closes.empty());
    rig.connection.unsent = 0;
    rig.closer.on_written();
    rig.timers.advance(499ms);
    CHECK(rig.connection.closes.empty());
    rig.timers.advance(3ms);
    CHECK(rig.connection.closes.size() == 1);
}

TEST_CASE("closer: the end of input before the open waits for it", "[connect][closer]") {
    Rig rig(ConnectOptions{});
    rig.closer.on_connecting();
    rig.closer.on_input_end(std::nullopt);
    rig.timers.advance(5000ms);
    CHECK(rig.connection.closes.empty());
    rig.open();
    rig.timers.advance(500ms);
    CHECK(rig.connection.closes.size() == 1);
}

TEST_CASE("closer: --keep-open does not close at the end of input", "[connect][closer]") {
    ConnectOptions o;
    o.keep_open = true;
    Rig rig(o);
    rig.open();
    rig.closer.on_input_end(std::nullopt);
    rig.timers.advance(60000ms);
    CHECK(rig.connection.closes.empty());
    CHECK_FALSE(rig.closer.ending());
}

TEST_CASE("closer: bad input closes even with --keep-open, exit 1", "[connect][closer]") {
    ConnectOptions o;
    o.keep_open = true;
    Rig rig(o);
    rig.open();
    rig.closer.on_bad_input("input line 2 is not valid UTF-8");
    CHECK(rig.diagnostics == std::vector<std::string>{"input line 2 is not valid UTF-8"});
    rig.timers.advance(500ms);
    REQUIRE(rig.connection.closes.size() == 1);
    CHECK(rig.connection.closes[0].first == 1000);
    rig.closed();
    CHECK(rig.closer.result() == to_int(ExitCode::runtime));
}

TEST_CASE("closer: a close asked for while connecting goes out after the open", "[connect][closer]") {
    Rig rig(ConnectOptions{});
    rig.closer.on_connecting();
    rig.closer.close_now(4001, "bye");
    CHECK(rig.connection.closes.empty());
    rig.open();
    REQUIRE(rig.connection.closes.size() == 1);
    CHECK(rig.connection.closes[0] == std::make_pair(4001, std::string("bye")));
}

TEST_CASE("closer: SIGINT closes, the answer ends with 130", "[connect][closer]") {
    Rig rig(ConnectOptions{});
    rig.open();
    rig.closer.on_signal(SIGINT);
    REQUIRE(rig.connection.closes.size() == 1);
    CHECK(rig.connection.closes[0].first == 1000);
    CHECK(rig.closer.ending());
    rig.closed();
    CHECK(rig.closer.result() == to_int(ExitCode::interrupted));
}

TEST_CASE("closer: a second SIGTERM ends at once", "[connect][closer]") {
    Rig rig(ConnectOptions{});
    rig.open();
    rig.closer.on_signal(SIGTERM);
    CHECK(rig.stops == 0);
    rig.closer.on_signal(SIGTERM);
    CHECK(rig.stops == 1);
    CHECK(rig.closer.result() == to_int(ExitCode::terminated));
}

TEST_CASE("closer: a server that never answers the close is abandoned after 1 s", "[connect][closer]") {
    Rig rig(ConnectOptions{});
    rig.open();
    rig.closer.on_signal(SIGINT);
    rig.timers.advance(999ms);
    CHECK(rig.stops == 0);
    rig.timers.advance(1ms);
    CHECK(rig.stops == 1);
    REQUIRE(rig.shown.size() == 1);
    CHECK(rig.shown[0].type == EventType::close);
    CHECK(rig.shown[0].code == 1006);
    CHECK_FALSE(rig.shown[0].clean);
    CHECK(rig.closer.result() == to_int(ExitCode::interrupted));
}

TEST_CASE("closer: --timeout closes with reason 'timeout', exit 7", "[connect][closer]") {
    ConnectOptions o;
    o.timeout_seconds = 2;
    Rig rig(o);
    rig.closer.start();
    rig.open();
    rig.timers.advance(1999ms);
    CHECK(rig.connection.closes.empty());
    rig.timers.advance(1ms);
    CHECK(rig.diagnostics == std::vector<std::string>{"timed out after 2 s (--timeout)"});
    REQUIRE(rig.connection.closes.size() == 1);
    CHECK(rig.connection.closes[0] == std::make_pair(1000, std::string("timeout")));
    rig.closed();
    CHECK(rig.closer.result() == to_int(ExitCode::timeout));
}

TEST_CASE("closer: the connection closing before --count is met", "[connect][closer]") {
    Rig rig(with_count(3));
    rig.open();
    rig.message("one");
    rig.closed();
    CHECK(rig.diagnostics == std::vector<std::string>{"--count not reached (1 of 3): the connection closed first"});
    CHECK(rig.closer.result() == to_int(ExitCode::timeout));
}

TEST_CASE("closer: a failed connection says why unless the close line does", "[connect][closer]") {
    Rig rig(ConnectOptions{});
    rig.open();
    rig.connection.open = false;
    rig.closer.on_closed(ExitCode::abnormal_close, "the connection dropped", true);
    CHECK(rig.diagnostics.empty());
    CHECK(rig.closer.result() == to_int(ExitCode::abnormal_close));

    Rig quiet(ConnectOptions{});
    quiet.open();
    quiet.closed(ExitCode::abnormal_close, "the connection dropped");
    CHECK(quiet.diagnostics == std::vector<std::string>{"the connection dropped"});
}

TEST_CASE("closer: stdout's reader leaving ends with 0, a write error with 1", "[connect][closer]") {
    Rig gone(with_count(5));
    gone.open();
    gone.closer.on_output_closed(std::nullopt);
    CHECK(gone.connection.closes.size() == 1);
    gone.closed();
    CHECK(gone.diagnostics.empty());
    CHECK(gone.closer.result() == 0);

    Rig failed(ConnectOptions{});
    failed.open();
    failed.closer.on_output_closed(std::string("cannot write to standard output: No space left on device"));
    failed.closed();
    CHECK(failed.diagnostics.size() == 1);
    CHECK(failed.closer.result() == to_int(ExitCode::runtime));
}

TEST_CASE("closer: finishing twice keeps the first result", "[connect][closer]") {
    Rig rig(ConnectOptions{});
    rig.closer.finish(3);
    rig.closer.finish(0);
    CHECK(rig.stops == 1);
    CHECK(rig.closer.result() == 3);
    CHECK(rig.closer.ending());
}

TEST_CASE("closer: stdout is written for as long as --timeout allows, from the start", "[connect][closer]") {
    Rig untimed(ConnectOptions{});
    CHECK_FALSE(untimed.closer.drain_deadline());

    ConnectOptions o;
    o.timeout_seconds = 5;
    Rig rig(o);
    auto start = rig.timers.now();
    rig.timers.advance(2000ms);
    CHECK(rig.closer.drain_deadline() == start + 5000ms);

    Rig failed(o);
    failed.closer.finish(3);
    failed.timers.advance(1000ms);
    CHECK(failed.closer.drain_deadline() == failed.timers.now());  // a failed run does not wait
}

TEST_CASE("closer: what writing the rest of stdout makes of the exit status", "[connect][closer]") {
    using Drain = wskit::detail::FdSink::Drain;
    ConnectOptions o;
    o.timeout_seconds = 3;
    auto after = [&](Drain drained, int signo = 0) {
        auto rig = std::make_unique<Rig>(o);
        rig->closer.finish(0);
        rig->closer.on_drained(drained, signo, "cannot write to standard output: EIO");
        return rig;
    };
    CHECK(after(Drain::done)->closer.result() == 0);
    CHECK(after(Drain::reader_gone)->closer.result() == 0);
    auto failed = after(Drain::failed);
    CHECK(failed->closer.result() == to_int(ExitCode::runtime));
    CHECK(failed->diagnostics == std::vector<std::string>{"cannot write to standard output: EIO"});
    auto slow = after(Drain::timed_out);
    CHECK(slow->closer.result() == to_int(ExitCode::timeout));
    CHECK(slow->diagnostics == std::vector<std::string>{
                                   "timed out after 3 s (--timeout) writing the output; its reader is not keeping up"});
    CHECK(after(Drain::interrupted, SIGINT)->closer.result() == to_int(ExitCode::interrupted));
    CHECK(after(Drain::interrupted, SIGTERM)->closer.result() == to_int(ExitCode::terminated));

    Rig already(o);
    already.closer.finish(6);
    already.closer.on_drained(Drain::failed, 0, "cannot write");
    CHECK(already.closer.result() == 6);
    CHECK(already.diagnostics.empty());
}
