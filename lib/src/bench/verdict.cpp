// Whether a wskit bench run measured the server: a pure reading of its
// results, so that "it printed numbers" never passes for "it measured".
#include "bench/text.hpp"

#include <wskit/tool/bench.hpp>
#include <wskit/encoding.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace wskit {
namespace {

using detail::counted;
using detail::seconds_text;

// "the sender" or "all 4 senders".
std::string all_of(std::size_t n, const std::string& noun) { return n == 1 ? "the " + noun : "all " + counted(n, noun); }

// "1 reply was not an echo", "3 replies were not echoes".
std::string not_echoes(std::uint64_t n) { return counted(n, "reply was not an echo", "replies were not echoes"); }

// "(1008: more than 10 messages per second)", "(dropped, without a close frame)".
std::string close_said(const BenchErrors& e) {
    if (e.first_close_code == 1006) return "(dropped, without a close frame)";
    if (e.first_close_code == 1005) return "(a close frame without a code)";
    if (e.first_close_reason.empty()) return fmt::format("({})", e.first_close_code);
    return fmt::format("({}: {})", e.first_close_code, escape_controls(e.first_close_reason));
}

// Every connection the measure needs was closed by the server before the end.
BenchVerdict ended_early(const BenchResult& r) {
    const auto& o = r.options;
    const auto& e = r.errors;
    const std::string role = e.first_closed_role.empty() ? "connection" : e.first_closed_role;
    std::size_t n = role == "sender" ? o.senders : role == "receiver" ? o.connections : r.opened;
    std::string message = fmt::format("{} {} closed by the server after {} {}", all_of(n, role),
                                      n == 1 ? "was" : "were", seconds_text(r.gone_after), close_said(e));
    if (o.mode == BenchMode::echo && (e.protocol > 0 || e.first_close_code == 1008)) {
        if (e.protocol > 0) message += ", and " + not_echoes(e.protocol);
        message += ": not an echo server? try --mode fanout";
    } else if (o.mode == BenchMode::fanout && e.first_close_code == 1008) {
        message += fmt::format(": a rate limit? lower --rate ({:g} msg/s over {}), or lift the server's (wskit chat "
                               "--rate 0)",
                               o.rate, counted(o.senders, "sender"));
    }
    bool normal = e.first_close_code != 0 && exit_code_for_close(e.first_close_code) == ExitCode::ok;
    return {normal ? ExitCode::runtime : ExitCode::abnormal_close, message};
}

// Connections stayed open, and nothing came back in the whole measured time.
BenchVerdict nothing_measured(const BenchResult& r) {
    const auto& o = r.options;
    const auto& e = r.errors;
    switch (o.mode) {
        case BenchMode::echo: {
            if (!o.script.empty()) {
                std::string first = e.first_message.empty() ? "" : "; the first failure: " + escape_controls(e.first_message);
                return {ExitCode::timeout,
                        fmt::format("no expect of {} was met in {}{}", escape_controls(o.script), seconds_text(r.seconds), first)};
            }
            if (!o.templates.empty() || !o.messages_from.empty()) {
                std::string hint = !o.match.empty()
                                       ? fmt::format(" ({} matched no request by {}: is that where the server puts "
                                                     "the request's id?)",
                                                     counted(r.unmatched, "reply", "replies"), escape_controls(o.match))
                                       : "";
                return {ExitCode::timeout, fmt::format("no reply came back in {}{}", seconds_text(r.seconds), hint)};
            }
            std::string replies = e.protocol ? " (" + not_echoes(e.protocol) + ")" : "";
            return {ExitCode::timeout, fmt::format("no echo came back in {}{}: not an echo server? for a room "
                                                   "that relays to everyone, try --mode fanout",
                                                   seconds_text(r.seconds), replies)};
        }
        case BenchMode::fanout:
            return {ExitCode::timeout,
                    fmt::format("no message was relayed to the receivers in {}: does the server send each message "
                                "to every client?",
                                seconds_text(r.seconds))};
        case BenchMode::handshake:
            return {ExitCode::timeout, fmt::format("no handshake completed in the measured {}", seconds_text(r.seconds))};
        case BenchMode::idle:
            break;
    }
    return {};
}

}  // namespace

BenchVerdict bench_verdict(const BenchResult& r) {
    const auto& o = r.options;
    const auto& e = r.errors;
    if (r.opened == 0) {
        if (e.first_opening) return {e.first_opening->code, "no connection opened: " + e.first_opening->message};
        return {ExitCode::runtime, "no connection opened"};
    }
    if (r.ended_early) return ended_early(r);
    // A fan-out starts sending only once every connection is open.
    std::size_t planned = o.connections + (o.mode == BenchMode::fanout ? o.senders : 0);
    if (o.mode == BenchMode::fanout && e.first_opening && r.measured == 0)
        return {e.first_opening->code, fmt::format("{} of {} connections did not open, and a fan-out needs them all: {}",
                                                   planned - std::min(planned, r.opened), planned,
                                                   e.first_opening->message)};
    if (r.measured == 0) return nothing_measured(r);
    return {};
}

}  // namespace wskit
