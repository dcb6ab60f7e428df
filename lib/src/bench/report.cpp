// What wskit bench prints: the progress line, the summary table, --json.
#include "bench/text.hpp"

#include <wskit/tool/bench.hpp>
#include <wskit/encoding.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace wskit {
namespace {

using detail::counted;
using detail::duration_text;
using detail::rounded;
using detail::summary_row;

const char* one_of(BenchMode mode) {
    switch (mode) {
        case BenchMode::echo: return "echo";
        case BenchMode::fanout: return "delivery";
        case BenchMode::handshake: return "handshake";
        case BenchMode::idle: return "connection";
    }
    return "";
}

// Fan-out over several servers: the receivers of each, and what they got.
void per_server_rows(std::string& out, const BenchResult& r, const std::vector<Url>& servers) {
    for (std::size_t s = 0; s < servers.size(); ++s) {
        std::uint64_t receivers = 0, received = 0, lost = 0, duplicated = 0;
        for (const auto& rec : r.receivers) {
            if (rec.server != s) continue;
            ++receivers;
            received += rec.received;
            lost += rec.lost;
            duplicated += rec.duplicated;
        }
        summary_row(out, s == 0 ? "per server" : "",
            fmt::format("{}: {}, {} received, {} lost, {} duplicated", escape_controls(servers[s].str()),
                        counted(receivers, "receiver"), received, lost, duplicated));
    }
}

// "1 template", "3 templates (--messages-from q.txt)", "matched by /id".
std::string traffic_shape(const BenchOptions& o) {
    std::size_t n = o.templates.size();
    std::string shape = n ? counted(n, "template") : std::string();
    if (!o.messages_from.empty()) shape += (shape.empty() ? "" : " and ") + escape_controls(o.messages_from) + "'s lines";
    if (!o.match.empty()) shape += ", replies matched by " + escape_controls(o.match);
    return shape;
}

// Echo mode's rows: echoes checked, or requests paired with replies.
void echo_rows(std::string& out, const BenchResult& r) {
    const auto& o = r.options;
    std::uint64_t answered = r.sent - std::min(r.sent, r.unanswered);
    if (!o.script.empty()) {
        summary_row(out, "sent / received", fmt::format("{} / {} messages", r.sent, r.received));
        return;
    }
    if (!o.templated() && o.first.empty()) {
        summary_row(out, "throughput", fmt::format("{:.2f} MB/s of echoed payload", r.mb_per_second));
        summary_row(out, "sent / echoed", fmt::format("{} / {} ({} unanswered at the end)", r.sent, r.received, r.unanswered));
        return;
    }
    summary_row(out, "throughput", fmt::format("{:.2f} MB/s of replies", r.mb_per_second));
    summary_row(out, "sent / answered", fmt::format("{} / {} ({} unanswered at the end)", r.sent, answered, r.unanswered));
    if (!o.first.empty()) summary_row(out, "first messages", fmt::format("{} sent, not measured", r.first_sent));
    if (!o.match.empty() || r.unmatched > 0)
        summary_row(out, "unmatched", fmt::format("{} (replies paired with no request in flight)", r.unmatched));
}

std::string stages_text(const std::vector<BenchStage>& stages) {
    std::string text;
    for (const auto& st : stages) {
        if (!text.empty()) text += ", ";
        text += fmt::format("{:g}s to {}", st.seconds, st.connections);
        if (st.rate >= 0) text += fmt::format(" at {:g} msg/s", st.rate);
    }
    return text;
}

// --stages, --connect-rate, and what an open loop could not send.
void ramp_rows(std::string& out, const BenchResult& r) {
    const auto& o = r.options;
    if (!o.stages.empty()) summary_row(out, "stages", stages_text(o.stages));
    if (o.connect_rate > 0) summary_row(out, "connect rate", fmt::format("{:g} connections/s", o.connect_rate));
    if (r.dropped > 0) summary_row(out, "dropped", fmt::format("{} (due with no open connection to send them)", r.dropped));
}

void threshold_rows(std::string& out, const BenchResult& r) {
    for (std::size_t i = 0; i < r.options.fail_if.size(); ++i) {
        const auto& t = r.options.fail_if[i];
        auto failed = bench_threshold_failure(r, t);
        summary_row(out, i == 0 ? "fail if" : "", failed ? *failed + ": FAILED" : escape_controls(t.text) + ": did not hold");
    }
}

}  // namespace

std::string bench_progress_line(const BenchProgress& p) {
    std::string left = p.target ? fmt::format("{}/{}", p.done, p.target)
                                : fmt::format("{:.0f}s left", std::max(0.0, p.planned - p.elapsed));
    return fmt::format("{:6.1f}s  {:>10.0f}/s  p99 {:>9}  errors {}  open {}  {}", p.elapsed, p.per_second,
                       p.p99_ns ? duration_text(p.p99_ns) : "-", p.errors, p.open, left);
}

std::string bench_summary(const BenchResult& r) {
    const auto& o = r.options;
    auto servers = bench_servers(o);
    std::string out = fmt::format("wskit bench --mode {}", bench_mode_name(o.mode));
    for (const auto& url : servers) out += " " + escape_controls(url.str());
    out += "\n";
    std::string shape = counted(o.connections, "connection");
    if (!o.script.empty()) shape += " playing " + escape_controls(o.script);
    else if (o.mode == BenchMode::echo && o.templated()) shape += fmt::format(" x {} in flight, {}", o.window, traffic_shape(o));
    else if (o.mode == BenchMode::echo) shape += fmt::format(" x {} in flight x {} B {}", o.window, o.size, o.binary ? "binary" : "text");
    if (o.mode == BenchMode::fanout)
        shape = fmt::format("{}, {}, {} B", counted(o.connections, "receiver"), counted(o.senders, "sender"), o.size);
    if (o.rate > 0) shape += fmt::format(", open loop at {:g} msg/s", o.rate);
    if (o.threads > 1) shape += ", " + counted(o.threads, "thread");
    summary_row(out, "load", shape);
    summary_row(out, "measured", fmt::format("{:.3f} s{}", r.seconds, o.warmup > 0 ? fmt::format(" after {:g} s of warm-up", o.warmup) : ""));
    ramp_rows(out, r);
    if (o.mode == BenchMode::idle) {
        summary_row(out, "open", fmt::format("{} of {}", r.open_at_end, o.connections));
    } else {
        summary_row(out, detail::measured_noun(o), fmt::format("{} ({:.0f}/s)", r.measured, r.per_second));
    }
    if (o.mode == BenchMode::echo) echo_rows(out, r);
    if (o.mode == BenchMode::fanout) {
        summary_row(out, "throughput", fmt::format("{:.2f} MB/s delivered", r.mb_per_second));
        summary_row(out, "sent", counted(r.sent, "message"));
        summary_row(out, "lost / duplicated", fmt::format("{} / {} (all receivers)", r.lost, r.duplicated));
        std::size_t worst = 0;
        for (std::size_t i = 0; i < r.receivers.size(); ++i) {
            if (r.receivers[i].lost + r.receivers[i].duplicated > r.receivers[worst].lost + r.receivers[worst].duplicated) worst = i;
        }
        if (!r.receivers.empty()) {
            const auto& w = r.receivers[worst];
            summary_row(out, "worst receiver", fmt::format("#{}: {} received, {} lost, {} duplicated", worst, w.received, w.lost, w.duplicated));
        }
        if (servers.size() > 1) per_server_rows(out, r, servers);
    }
    if (o.client.compress) {
        summary_row(out, "compression", r.compression ? fmt::format("{} (on {} of {})", describe(*r.compression),
                                                            r.compressed, counted(r.opened, "connection"))
                                              : std::string("offered, not agreed: messages were sent uncompressed"));
    }
    if (r.latency.count > 0) {
        const auto& l = r.latency;
        summary_row(out, o.mode == BenchMode::handshake ? "handshake latency" : "latency",
            fmt::format("p50 {}  p90 {}  p99 {}  p99.9 {}  max {}", duration_text(l.p50), duration_text(l.p90),
                        duration_text(l.p99), duration_text(l.p999), duration_text(l.max)));
        if (o.rate > 0) summary_row(out, "", "(from the intended send times)");
    }
    const auto& e = r.errors;
    summary_row(out, "errors", e.total() == 0 ? std::string("none")
                                      : fmt::format("{} (connect {}, tls {}, handshake {}, timeout {}, closed {}, "
                                                    "protocol {})",
                                                    e.total(), e.connect, e.tls, e.handshake, e.timeout, e.closed,
                                                    e.protocol));
    if (!e.first_message.empty()) summary_row(out, "first error", escape_controls(e.first_message));
    summary_row(out, "client CPU", fmt::format("{:.2f} s ({:.0f} % of a core, {:.2f} us per {})", r.client_cpu_seconds,
                                       r.client_cpu_percent, r.client_cpu_us_per_message,
                                       !o.script.empty() ? "expect met" : o.templated() ? "reply" : one_of(o.mode)));
    threshold_rows(out, r);
    if (r.server_measured) {
        summary_row(out, "server CPU", fmt::format("{:.2f} s ({:.2f} us per {})", r.server_cpu_seconds, r.server_cpu_us_per_message,
                                           o.mode == BenchMode::echo ? "message" : one_of(o.mode)));
        if (o.mode == BenchMode::idle) {
            summary_row(out, "server RSS", fmt::format("{} KiB -> {} KiB ({:.2f} KiB per connection)", r.server_rss_before_kib,
                                               r.server_rss_after_kib, r.server_rss_per_connection_kib));
        }
    }
    return out;
}

namespace {

// null without --compress; the offer, how many connections agreed, and the
// first agreement's parameters (null when none agreed).
nlohmann::ordered_json compression_json(const BenchResult& r) {
    if (!r.options.client.compress) return nullptr;
    nlohmann::ordered_json c;
    c["offer"] = format_offer(*r.options.client.compress);
    c["agreed"] = r.compressed;
    if (r.compression) {
        const auto& p = *r.compression;
        c["params"] = {{"server_no_context_takeover", p.server_no_context_takeover},
                       {"client_no_context_takeover", p.client_no_context_takeover},
                       {"server_max_window_bits", p.server_max_window_bits},
                       {"client_max_window_bits", p.client_max_window_bits}};
    } else {
        c["params"] = nullptr;
    }
    return c;
}

double us(std::uint64_t ns) { return detail::json_us(static_cast<double>(ns)); }

}  // namespace

std::string bench_json(const BenchResult& r) {
    const auto& o = r.options;
    nlohmann::ordered_json j;
    j["mode"] = bench_mode_name(o.mode);
    j["url"] = o.client.url.str();
    auto urls = nlohmann::ordered_json::array();
    for (const auto& url : bench_servers(o)) urls.push_back(url.str());
    j["urls"] = urls;
    j["connections"] = o.connections;
    j["senders"] = o.mode == BenchMode::fanout ? o.senders : 0;
    j["window"] = o.window;
    j["size"] = o.size;
    j["binary"] = o.binary;
    j["rate"] = o.rate;
    j["threads"] = o.threads;
    j["warmup_s"] = o.warmup;
    j["connect_rate"] = o.connect_rate;
    auto stages = nlohmann::ordered_json::array();
    for (const auto& st : o.stages) {
        stages.push_back({{"seconds", st.seconds}, {"connections", st.connections},
                          {"rate", st.rate >= 0 ? nlohmann::ordered_json(st.rate) : nlohmann::ordered_json(nullptr)}});
    }
    j["stages"] = stages;
    j["templates"] = o.templates.size();
    j["messages_from"] = o.messages_from.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(o.messages_from);
    j["match"] = o.match.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(o.match);
    j["script"] = o.script.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(o.script);
    j["seconds"] = rounded(r.seconds, 3);
    j["sent"] = r.sent;
    j["received"] = r.received;
    j["unanswered"] = r.unanswered;
    j["first_sent"] = r.first_sent;
    j["unmatched"] = r.unmatched;
    j["dropped"] = r.dropped;
    j["measured"] = r.measured;
    j["per_second"] = std::llround(r.per_second);
    j["mb_per_second"] = rounded(r.mb_per_second, 3);
    j["latency_us"] = {{"count", r.latency.count},
                       {"min", us(r.latency.min)},
                       {"mean", rounded(r.latency.mean / 1e3, 1)},
                       {"p50", us(r.latency.p50)},
                       {"p90", us(r.latency.p90)},
                       {"p99", us(r.latency.p99)},
                       {"p99_9", us(r.latency.p999)},
                       {"max", us(r.latency.max)}};
    j["lost"] = r.lost;
    j["duplicated"] = r.duplicated;
    auto receivers = nlohmann::ordered_json::array();
    for (const auto& rec : r.receivers) {
        receivers.push_back({{"received", rec.received}, {"lost", rec.lost}, {"duplicated", rec.duplicated},
                             {"server", rec.server}});
    }
    j["receivers"] = receivers;
    j["opened"] = r.opened;
    j["open_at_end"] = r.open_at_end;
    j["compression"] = compression_json(r);
    j["errors"] = {{"total", r.errors.total()},   {"connect", r.errors.connect}, {"tls", r.errors.tls},
                   {"handshake", r.errors.handshake}, {"timeout", r.errors.timeout}, {"closed", r.errors.closed},
                   {"protocol", r.errors.protocol}, {"first", r.errors.first_message}};
    j["client_cpu_s"] = rounded(r.client_cpu_seconds, 3);
    j["client_cpu_percent"] = rounded(r.client_cpu_percent, 1);
    j["client_cpu_us_per_message"] = rounded(r.client_cpu_us_per_message, 2);
    j["client_saturated"] = r.client_saturated;
    if (r.server_measured) {
        j["server"] = {{"cpu_s", rounded(r.server_cpu_seconds, 3)},
                       {"cpu_us_per_message", rounded(r.server_cpu_us_per_message, 2)},
                       {"rss_before_kib", r.server_rss_before_kib},
                       {"rss_after_kib", r.server_rss_after_kib},
                       {"rss_per_connection_kib", rounded(r.server_rss_per_connection_kib, 2)}};
    } else {
        j["server"] = nullptr;
    }
    auto thresholds = nlohmann::ordered_json::array();
    for (const auto& t : o.fail_if) {
        auto failed = bench_threshold_failure(r, t);
        thresholds.push_back({{"condition", t.text}, {"held", failed.has_value()},
                              {"message", failed ? nlohmann::ordered_json(*failed) : nlohmann::ordered_json(nullptr)}});
    }
    j["thresholds"] = thresholds;
    auto verdict = bench_verdict(r);
    j["error"] = verdict.code == ExitCode::ok ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(verdict.message);
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace wskit

namespace wskit {

std::optional<std::size_t> parse_byte_size(std::string_view text) {
    std::size_t multiplier = 1;
    if (!text.empty() && (text.back() == 'k' || text.back() == 'K')) multiplier = 1024;
    if (!text.empty() && (text.back() == 'm' || text.back() == 'M')) multiplier = 1024 * 1024;
    if (multiplier > 1) text.remove_suffix(1);
    if (text.empty() || text.size() > 10) return std::nullopt;
    std::size_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<std::size_t>(c - '0');
    }
    value *= multiplier;
    if (value > (std::size_t{1} << 30)) return std::nullopt;
    return value;
}

}  // namespace wskit
