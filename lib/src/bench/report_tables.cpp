// The tables of wskit bench --report: parameters, summary, thresholds, latency, errors.
#include "bench/report_tables.hpp"

#include "bench/html.hpp"
#include "bench/text.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace wskit::detail {
namespace {

// The text --json writes for the field at `path` ("latency_us.p99"): a
// number as nlohmann writes it ("12.0", never "12"), a string as it is.
std::string json_text(const ReportJson& j, const std::string& path) {
    std::string pointer = "/" + path;
    std::replace(pointer.begin(), pointer.end(), '.', '/');
    ReportJson::json_pointer where(pointer);
    if (!j.contains(where)) return "-";
    const ReportJson& value = j.at(where);
    return value.is_string() ? value.get<std::string>() : value.dump();
}

// <td class="num" data-field="per_second">12031</td>
std::string field_cell(const ReportJson& j, const std::string& path) {
    return fmt::format("<td class=\"num\" data-field=\"{}\">{}</td>", path, html_escape(json_text(j, path)));
}

std::string field_row(const std::string& label, const ReportJson& j, const std::string& path,
                      const std::string& unit) {
    return fmt::format("<tr><th>{}</th>{}<td class=\"unit\">{}</td></tr>\n", label, field_cell(j, path), unit);
}

// A row that --json has no field for; `value` is HTML.
std::string text_row(const std::string& label, const std::string& value, const std::string& note = "") {
    return fmt::format("<tr><th>{}</th><td>{}</td><td class=\"unit\">{}</td></tr>\n", label, value, note);
}

// What -c counts in each mode.
const char* connections_are(BenchMode mode) {
    switch (mode) {
        case BenchMode::echo: return "echo connections";
        case BenchMode::fanout: return "receivers";
        case BenchMode::handshake: return "handshake loops";
        case BenchMode::idle: return "idle connections";
    }
    return "";
}

std::string code_list(const std::vector<std::string>& items) {
    std::string out = "<ol>";
    for (const auto& item : items) out += "<li><code>" + html_escape(item) + "</code></li>";
    return out + "</ol>";
}

std::string stages_list(const BenchOptions& o) {
    std::string out = "<ol>";
    for (const auto& s : o.stages) {
        out += fmt::format("<li>over {:g} s to {} connections", s.seconds, s.connections);
        if (s.rate >= 0) out += s.rate > 0 ? fmt::format(", {:g} msg/s", s.rate) : std::string(", closed loop");
        out += "</li>";
    }
    return out + "</ol>";
}

std::string duration_text(const BenchOptions& o) {
    if (!o.stages.empty()) {
        double total = 0;
        for (const auto& s : o.stages) total += s.seconds;
        return fmt::format("{:g} s, the stages' length", total);
    }
    if (o.messages > 0) return fmt::format("until {} messages (-n)", o.messages);
    return fmt::format("{:g} s measured", o.duration);
}

std::string load_rows(const BenchOptions& o, const ReportJson& j) {
    std::string out = field_row("connections", j, "connections",
                                o.stages.empty() ? connections_are(o.mode) : "not used: the stages set them");
    if (o.mode == BenchMode::fanout) out += field_row("senders", j, "senders", "");
    if (o.mode == BenchMode::echo) out += field_row("window", j, "window", "messages in flight per connection");
    out += field_row("size", j, "size", o.binary ? "bytes a message, binary" : "bytes a message, text");
    out += field_row("rate", j, "rate", o.rate > 0 ? "messages/s in all, open loop" : "no pacing: closed loop");
    out += field_row("threads", j, "threads", "");
    out += field_row("warm-up", j, "warmup_s", "s, run but not measured");
    return out;
}

// A string field of --json as code: <code data-field="match">/id</code>.
std::string code_field(const ReportJson& j, const std::string& path) {
    return fmt::format("<code data-field=\"{}\">{}</code>", path, html_escape(json_text(j, path)));
}

// What the traffic was made of, when not --size payloads.
std::string traffic_option_rows(const BenchOptions& o, const ReportJson& j) {
    std::string out;
    // Not shown: a login message often holds a password, and a report is a file people pass around.
    if (!o.first.empty())
        out += text_row("first", fmt::format("{} message{}", o.first.size(), o.first.size() == 1 ? "" : "s"),
                        "sent once by each connection, not measured; their text is not shown (credentials)");
    if (!o.templates.empty()) out += text_row("templates", code_list(o.templates), "sent in turn");
    if (!o.messages_from.empty()) out += text_row("messages from", code_field(j, "messages_from"), "more templates");
    if (!o.match.empty()) out += text_row("match", code_field(j, "match"), "JSON Pointer pairing replies and requests");
    return out;
}

std::string traffic_rows(const BenchResult& r, const ReportJson& j) {
    const auto mode = r.options.mode;
    std::string out;
    if (mode == BenchMode::echo || mode == BenchMode::fanout) {
        out += field_row("throughput", j, "mb_per_second", "MB/s of payload (10<sup>6</sup> bytes)");
        out += field_row("sent", j, "sent", "messages, warm-up included");
    }
    if (mode == BenchMode::echo) {
        out += field_row("received", j, "received", std::string(detail::measured_noun(r.options)) + ", warm-up included");
        out += field_row("unanswered", j, "unanswered", "at the end");
    }
    if (mode == BenchMode::fanout) {
        out += field_row("lost", j, "lost", "all receivers");
        out += field_row("duplicated", j, "duplicated", "all receivers");
    }
    if (!r.options.match.empty() || r.unmatched > 0) {
        out += field_row("unmatched", j, "unmatched", "replies paired with no request in flight");
    }
    if (!r.options.first.empty()) out += field_row("first sent", j, "first_sent", "--first messages, not measured");
    if (r.dropped > 0) out += field_row("dropped", j, "dropped", "messages due with no open connection to take them");
    return out;
}

std::string cpu_rows(const BenchResult& r, const ReportJson& j) {
    std::string out = field_row("client CPU", j, "client_cpu_s", "s");
    out += field_row("", j, "client_cpu_percent", "% of one core");
    out += field_row("", j, "client_cpu_us_per_message", "µs a message");
    if (!r.server_measured) return out;
    out += field_row("server CPU", j, "server.cpu_s", "s");
    out += field_row("", j, "server.cpu_us_per_message", "µs a message");
    out += field_row("server RSS", j, "server.rss_before_kib", "KiB before");
    out += field_row("", j, "server.rss_after_kib", "KiB after");
    if (r.options.mode == BenchMode::idle) out += field_row("", j, "server.rss_per_connection_kib", "KiB a connection");
    return out;
}

}  // namespace

std::string parameters_section(const BenchResult& r, const ReportJson& j) {
    const auto& o = r.options;
    std::string out = "<section id=\"parameters\">\n<h2>Parameters</h2>\n<table class=\"parameters\">\n";
    out += load_rows(o, j);
    out += text_row("duration", duration_text(o));
    if (!o.stages.empty()) out += text_row("stages", stages_list(o), "each from the previous stage's connections");
    out += field_row("connect rate", j, "connect_rate",
                     o.connect_rate > 0 ? "openings/s in all" : "no pacing: as fast as they complete");
    out += traffic_option_rows(o, j);
    out += text_row("compression", o.client.compress ? code_field(j, "compression.offer") : "not offered");
    return out + "</table>\n</section>\n";
}

std::string summary_section(const BenchResult& r, const ReportJson& j) {
    const char* noun = detail::measured_noun(r.options);
    std::string out = "<section id=\"summary\">\n<h2>Summary</h2>\n<table>\n";
    out += field_row("measured window", j, "seconds", "s");
    out += field_row(noun, j, "measured", "in the measured window");
    out += field_row("per second", j, "per_second", std::string(noun) + " a second");
    out += traffic_rows(r, j);
    out += field_row("opened", j, "opened", "connections that completed the handshake");
    out += field_row("open at the end", j, "open_at_end", "connections");
    if (!j["compression"].is_null()) out += field_row("compressed", j, "compression.agreed", "connections agreed");
    out += field_row("errors", j, "errors.total", "by class below");
    out += cpu_rows(r, j);
    return out + "</table>\n</section>\n";
}

std::string thresholds_section(const BenchResult& r, const ReportJson& j) {
    const auto& conditions = r.options.fail_if;
    if (conditions.empty()) return "";
    std::string out = "<section id=\"thresholds\">\n<h2>Thresholds</h2>\n<table>\n"
                      "<tr><th>--fail-if</th><th>holds</th><th></th></tr>\n";
    for (std::size_t i = 0; i < conditions.size(); ++i) {
        auto at = "thresholds." + std::to_string(i);
        bool held = json_text(j, at + ".held") == "true";
        out += fmt::format("<tr><th>{}</th>{}<td class=\"unit\">{}</td></tr>\n", code_field(j, at + ".condition"),
                           field_cell(j, at + ".held"),
                           held ? "the run fails: " + html_escape(json_text(j, at + ".message")) : "passed");
    }
    return out + "</table>\n</section>\n";
}

std::string latency_table(const BenchResult& r, const ReportJson& j) {
    if (r.latency.count == 0) return "<p>No latency was measured.</p>\n";
    static const char* const columns[][2] = {{"count", "count"}, {"min", "min"}, {"mean", "mean"},
                                             {"p50", "p50"},     {"p90", "p90"}, {"p99", "p99"},
                                             {"p99.9", "p99_9"}, {"max", "max"}};
    std::string names, cells;
    for (const auto& column : columns) {
        names += fmt::format("<th>{}</th>", column[0]);
        cells += field_cell(j, std::string("latency_us.") + column[1]);
    }
    const char* what = r.options.mode == BenchMode::handshake ? "handshake latency" : "latency";
    return fmt::format("<table class=\"across\">\n<tr><th></th>{}</tr>\n<tr><th>{}, µs</th>{}</tr>\n</table>\n",
                       names, what, cells);
}

std::string errors_section(const BenchResult& r, const ReportJson& j) {
    static const char* const classes[] = {"connect", "tls", "handshake", "timeout", "closed", "protocol"};
    std::string names, cells;
    for (const char* name : classes) {
        names += fmt::format("<th>{}</th>", name);
        cells += field_cell(j, std::string("errors.") + name);
    }
    std::string out = fmt::format("<section id=\"errors\">\n<h2>Errors</h2>\n<table class=\"across\">\n"
                                  "<tr>{}</tr>\n<tr>{}</tr>\n</table>\n",
                                  names, cells);
    const auto& e = r.errors;
    if (!e.first_message.empty()) {
        out += "<p>First error: " + code_field(j, "errors.first") + "</p>\n";
    }
    if (e.first_opening) {
        out += fmt::format("<p>First failed opening (exit status {}): <code>{}</code></p>\n",
                           static_cast<int>(e.first_opening->code), html_escape(e.first_opening->message));
    }
    if (e.first_close_code != 0) {
        std::string reason = e.first_close_reason.empty()
                                 ? std::string()
                                 : ", reason <code>" + html_escape(e.first_close_reason) + "</code>";
        out += fmt::format("<p>The first {} the server closed: close code {}{}</p>\n",
                           html_escape(e.first_closed_role.empty() ? "connection" : e.first_closed_role),
                           e.first_close_code, reason);
    }
    return out + "</section>\n";
}

}  // namespace wskit::detail
