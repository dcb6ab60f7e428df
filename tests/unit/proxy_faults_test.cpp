// The values of `wskit proxy`'s fault options (--delay, --close-after,
// --kill-after) and the legs a fault acts on.
#include "support.hpp"

#include <wskit/tool/proxy.hpp>

#include <string>

using Catch::Matchers::Contains;
using wskit::CloseFault;
using wskit::ExitCode;
using wskit::Leg;
using wskit::parse_close_fault;
using wskit::parse_fault_delay;
using wskit::ProxyFaults;
using wskit::test::error_message;
using std::chrono::milliseconds;

// --- --delay -----------------------------------------------------------------

TEST_CASE("parse_fault_delay: milliseconds alone have no jitter", "[proxy_faults]") {
    auto [delay, jitter] = parse_fault_delay("250");
    CHECK(delay == milliseconds(250));
    CHECK(jitter == milliseconds(0));
    CHECK(parse_fault_delay("0").first == milliseconds(0));
    CHECK(parse_fault_delay("3600000").first == milliseconds(3600000));  // an hour at most
}

TEST_CASE("parse_fault_delay: MS±JITTER and MS+-JITTER", "[proxy_faults]") {
    auto plus_minus = parse_fault_delay("250±50");
    CHECK(plus_minus.first == milliseconds(250));
    CHECK(plus_minus.second == milliseconds(50));
    auto ascii = parse_fault_delay("250+-50");
    CHECK(ascii.first == milliseconds(250));
    CHECK(ascii.second == milliseconds(50));
    // A jitter as large as the delay is the most there can be.
    CHECK(parse_fault_delay("100±100").second == milliseconds(100));
    CHECK(parse_fault_delay("100±0").second == milliseconds(0));
}

TEST_CASE("parse_fault_delay: what is not MS[±JITTER] is a usage error", "[proxy_faults]") {
    for (std::string_view text : {"abc", "", "250±", "250+-", "±50", "+-50", "5±10", "250ms", "-5", "+5", "2.5",
                                  "250±50±10", "250 ± 50", "3600001", "99999999999999999999999"}) {
        INFO("'" << text << "'");
        auto message = error_message([&] { parse_fault_delay(text); }, ExitCode::usage);
        CHECK_THAT(message, Contains("--delay"));
        CHECK_THAT(message, Contains("250±50"));  // says what is expected
    }
}

TEST_CASE("parse_fault_delay: the text quoted in the error is escaped", "[proxy_faults]") {
    auto message = error_message([] { parse_fault_delay("1\n2"); }, ExitCode::usage);
    CHECK(message.find('\n') == std::string::npos);
}

// --- --close-after, --kill-after -------------------------------------------------

TEST_CASE("parse_close_fault: a number is a count of messages", "[proxy_faults]") {
    auto f = parse_close_fault("10", true);
    CHECK(f.trigger.messages == 10);
    CHECK(f.trigger.after == milliseconds(0));
    CHECK(f.code == 1000);
    CHECK(f.reason.empty());
    CHECK(parse_close_fault("1", false).trigger.messages == 1);
}

TEST_CASE("parse_close_fault: SECSs and MSms are a time", "[proxy_faults]") {
    auto secs = parse_close_fault("2.5s", true);
    CHECK(secs.trigger.messages == 0);
    CHECK(secs.trigger.after == milliseconds(2500));
    auto ms = parse_close_fault("300ms", false);
    CHECK(ms.trigger.messages == 0);
    CHECK(ms.trigger.after == milliseconds(300));
    CHECK(parse_close_fault("30s", false).trigger.after == milliseconds(30000));
    CHECK(parse_close_fault("0.25s", true).trigger.after == milliseconds(250));
}

TEST_CASE("parse_close_fault: :CODE and :CODE:REASON", "[proxy_faults]") {
    auto code = parse_close_fault("3:4000", true);
    CHECK(code.trigger.messages == 3);
    CHECK(code.code == 4000);
    CHECK(code.reason.empty());

    auto reason = parse_close_fault("3:4000:bye", true);
    CHECK(reason.trigger.messages == 3);
    CHECK(reason.code == 4000);
    CHECK(reason.reason == "bye");

    // The reason is the rest of the text, colons and spaces included.
    auto rest = parse_close_fault("2.5s:1001:going away: now", true);
    CHECK(rest.trigger.after == milliseconds(2500));
    CHECK(rest.code == 1001);
    CHECK(rest.reason == "going away: now");

    CHECK(parse_close_fault("1:1011:", true).reason.empty());
}

TEST_CASE("parse_close_fault: a reason of 123 bytes is the longest", "[proxy_faults]") {
    CHECK(parse_close_fault("1:4000:" + std::string(123, 'r'), true).reason.size() == 123);
    auto message =
        error_message([] { parse_close_fault("1:4000:" + std::string(124, 'r'), true); }, ExitCode::usage);
    CHECK_THAT(message, Contains("--close-after"));
    CHECK_THAT(message, Contains("reason"));
}

TEST_CASE("parse_close_fault: a code that cannot be sent is refused", "[proxy_faults]") {
    for (std::string_view text : {"3:999", "3:1004", "3:1005", "3:1006", "3:1015", "3:1016", "3:2999", "3:5000"}) {
        INFO(text);
        auto message = error_message([&] { parse_close_fault(text, true); }, ExitCode::usage);
        CHECK_THAT(message, Contains("--close-after"));
    }
    CHECK_THAT(error_message([] { parse_close_fault("3:1006", true); }, ExitCode::usage),
               Contains("cannot be sent"));
}

TEST_CASE("parse_close_fault: what is not N or a time is a usage error", "[proxy_faults]") {
    for (std::string_view text : {"0", "-1", "abc", "", "s", "ms", "5m", "1.5", "-2s", "x:4000", ":4000", "3:",
                                  "3:abc", "3:4000x", "infs", "nans", "0s", "0ms", "0.0s", "0x10s", " 5s", "1e3s",
                                  "+5s", ".s", "1.2.3s"}) {
        INFO("'" << text << "'");
        auto message = error_message([&] { parse_close_fault(text, true); }, ExitCode::usage);
        CHECK_THAT(message, Contains("--close-after"));
    }
}

TEST_CASE("parse_close_fault: --kill-after takes no :CODE", "[proxy_faults]") {
    for (std::string_view text : {"3:4000", "3:4000:bye", "2.5s:1000"}) {
        INFO(text);
        auto message = error_message([&] { parse_close_fault(text, false); }, ExitCode::usage);
        CHECK_THAT(message, Contains("--kill-after"));
        CHECK_THAT(message, !Contains(":CODE"));
    }
    CHECK_THAT(error_message([] { parse_close_fault("0", false); }, ExitCode::usage), Contains("--kill-after"));
}

// --- ProxyFaults::on -------------------------------------------------------------

TEST_CASE("proxy faults: --leg chooses the legs they act on", "[proxy_faults]") {
    ProxyFaults f;
    CHECK(f.on(Leg::client));  // both by default
    CHECK(f.on(Leg::upstream));
    f.legs = ProxyFaults::Legs::client;
    CHECK(f.on(Leg::client));
    CHECK_FALSE(f.on(Leg::upstream));
    f.legs = ProxyFaults::Legs::upstream;
    CHECK_FALSE(f.on(Leg::client));
    CHECK(f.on(Leg::upstream));
}
