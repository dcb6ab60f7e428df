#include "term/trace_printer.hpp"

#include <wskit/diagnostics.hpp>
#include <wskit/encoding.hpp>
#include <wskit/extended_connect.hpp>
#include <wskit/handshake_check.hpp>

namespace wskit {

std::string format_trace_line(const TraceLine& line) {
    const char* prefix = line.kind == TraceLine::Kind::sent ? "> " : line.kind == TraceLine::Kind::received ? "< " : "* ";
    std::string out = prefix;
    out += escape_controls(line.text);
    out += '\n';
    return out;
}

void print_trace_line(const TraceLine& line) { diagnose(DiagnosticKind::trace, format_trace_line(line)); }

void print_trace(const HandshakeTrace& t) {
    if (t.connected) diagnose(DiagnosticKind::trace, format_trace(t));
}

std::string format_trace(const HandshakeTrace& t, std::string_view line_prefix) {
    std::string out;
    if (!t.connected) return out;
    // Header lines come from the peer too: each is escaped, one line each.
    auto lines = [&out](const std::string& block, TraceLine::Kind kind) {
        std::size_t start = 0;
        while (start < block.size()) {
            auto end = block.find("\r\n", start);
            if (end == std::string::npos) end = block.size();
            out += format_trace_line({kind, block.substr(start, end - start)});
            start = end + 2;
        }
    };
    lines(t.request, TraceLine::Kind::sent);
    out += ">\n";
    if (t.status != 0) {
        lines(t.response, TraceLine::Kind::received);
        out += "<\n";
        if (!t.body.empty()) {
            std::string body;
            for (std::size_t i = 0; i < t.body.size(); ++i)
                if (!(t.body[i] == '\r' && i + 1 < t.body.size() && t.body[i + 1] == '\n')) body += t.body[i];
            out += escape_controls(body, true);
            if (body.back() != '\n') out += '\n';
        }
        // The verdict inspect gives, from the same checks.
        auto checks = t.http2 ? check_connect_exchange(t.request, t.response) : check_exchange(t.request, t.response);
        out += format_trace_line({TraceLine::Kind::info, "handshake checks: " + verdict_summary(checks)});
    }
    if (t.compression) out += format_trace_line({TraceLine::Kind::info, describe(*t.compression)});
    if (line_prefix.empty()) return out;
    std::string prefixed;
    for (std::size_t start = 0; start < out.size();) {
        auto end = out.find('\n', start) + 1;  // every line ends with one
        prefixed.append(line_prefix).append(out, start, end - start);
        start = end;
    }
    return prefixed;
}

}  // namespace wskit
