// The values of proxy's fault options: --delay, --close-after, --kill-after.
#include "proto/duration.hpp"
#include "proto/numbers.hpp"

#include <wskit/close_code.hpp>
#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/tool/proxy.hpp>

#include <fmt/format.h>

#include <cmath>

namespace wskit {
namespace {

[[noreturn]] void bad(std::string_view what, std::string_view text, std::string_view expected) {
    throw Error(ExitCode::usage, fmt::format("{} '{}': {}", what, escape_controls(text), expected));
}

}  // namespace

std::pair<std::chrono::milliseconds, std::chrono::milliseconds> parse_fault_delay(std::string_view text) {
    constexpr std::string_view expected = "expected milliseconds, with a jitter as MS±JITTER or MS+-JITTER (250±50)";
    std::string_view base = text, jitter;
    for (std::string_view sep : {"±", "+-"}) {
        if (auto at = text.find(sep); at != std::string_view::npos) {
            base = text.substr(0, at);
            jitter = text.substr(at + sep.size());
            if (jitter.empty()) bad("--delay", text, expected);
            break;
        }
    }
    auto ms = detail::parse_whole_number(base);
    auto jitter_ms = jitter.empty() ? std::optional<std::uint64_t>(0) : detail::parse_whole_number(jitter);
    if (!ms || !jitter_ms || *ms > 3600000 || *jitter_ms > *ms) bad("--delay", text, expected);
    return {std::chrono::milliseconds(*ms), std::chrono::milliseconds(*jitter_ms)};
}

CloseFault parse_close_fault(std::string_view text, bool with_code) {
    const std::string_view what = with_code ? "--close-after" : "--kill-after";
    const std::string expected = fmt::format(
        "expected a number of messages (10) or a time (2.5s, 300ms){}", with_code ? ", then :CODE[:REASON]" : "");
    CloseFault out;
    auto colon = with_code ? text.find(':') : std::string_view::npos;
    auto when = text.substr(0, colon);
    if (auto n = detail::parse_whole_number(when); n && *n > 0) {
        out.trigger.messages = *n;
    } else if (auto d = detail::parse_duration(when); d && d->count() > 0) {
        out.trigger.after = *d;
    } else {
        bad(what, text, expected);
    }
    if (colon == std::string_view::npos) return out;
    auto rest = text.substr(colon + 1);
    auto second = rest.find(':');
    auto code = detail::parse_whole_number(rest.substr(0, second));
    if (!code || *code > 4999) bad(what, text, expected);
    if (auto problem = close_code_problem(static_cast<int>(*code)); !problem.empty())
        bad(what, text, fmt::format("close code {} cannot be sent: {}", *code, problem));
    out.code = static_cast<int>(*code);
    if (second != std::string_view::npos) {
        auto reason = rest.substr(second + 1);
        if (auto problem = close_reason_problem(reason); !problem.empty())
            bad(what, text, "the close reason " + problem);
        out.reason = std::string(reason);
    }
    return out;
}

}  // namespace wskit
