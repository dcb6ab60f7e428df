#include <wskit/diagnostics.hpp>

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace wskit {
namespace {

DiagnosticSink& installed_sink() {
    static DiagnosticSink sink;
    return sink;
}

}  // namespace

DiagnosticSink set_diagnostic_sink(DiagnosticSink sink) { return std::exchange(installed_sink(), std::move(sink)); }

std::string warning_line(std::string_view text) {
    std::string line = "wskit: ";
    line += text;
    return line;
}

void diagnose(DiagnosticKind kind, std::string_view text) {
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    std::string line = kind == DiagnosticKind::warning ? warning_line(text) : std::string(text);
    if (const auto& sink = installed_sink()) return sink(kind, line);
    // No application sink: the plain fallback a program that installs
    // none expects, the lines on stderr.
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
}

void internal_error(std::string_view text) {
    std::string line = warning_line("internal error: ");
    line += text;
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::abort();
}

}  // namespace wskit
