// --output, --raw, --json, --color and the other output options.
#include "cli.hpp"

#include <unistd.h>

namespace wskit::cli {

void add_output_options(Context& ctx, CLI::App& app, OutputFlags& f) {
    add_option(ctx, app, "--output", f.output, "Output format: human, raw, json (default: human on a TTY, raw otherwise)",
               "Output format. human: '< ' for incoming and '> ' for outgoing messages, binary as a hex dump, "
               "system lines dimmed. raw: message payloads only, one per line (binary written as is). json: one "
               "JSON object per event (NDJSON). Default: human when stdout is a terminal, raw otherwise.",
               Complete::choices, {"auto", "human", "raw", "json"});
    add_flag(ctx, app, "--raw", f.raw, "Same as --output raw");
    add_flag(ctx, app, "--json", f.json, "Same as --output json");
    add_option(ctx, app, "--color", f.color, "Color: auto, always, never (auto: only on a TTY without NO_COLOR)",
               "When to color human output. auto colors only when stdout is a terminal and NO_COLOR is not set.",
               Complete::choices, {"auto", "always", "never"});
    add_flag(ctx, app, "--timestamps", f.timestamps, "Prefix human output lines with the local time");
    add_flag(ctx, app, "--pretty", f.pretty, "Pretty-print JSON payloads in human output");
    add_flag(ctx, app, "-P,--show-ping-pong", f.show_control, "Show ping, pong and close frames in human output");
    ctx.checks.emplace_back(&app, [&f] {
        auto problem = f.conflict();
        if (!problem.empty()) throw CLI::ValidationError(problem);
    });
}

std::string OutputFlags::conflict() const {
    std::vector<std::pair<std::string, std::string>> asked;  // the flag as given, the format it asks for
    if (output != "auto") asked.emplace_back("--output " + output, output);
    if (raw) asked.emplace_back("--raw", "raw");
    if (json) asked.emplace_back("--json", "json");
    for (const auto& other : asked) {
        if (other.second != asked.front().second) {
            return asked.front().first + " and " + other.first + " ask for different output formats; give one";
        }
    }
    return {};
}

PrinterOptions OutputFlags::resolve() const {
    PrinterOptions p;
    bool tty = ::isatty(STDOUT_FILENO) == 1;
    std::string format = json ? "json" : raw ? "raw" : output;
    if (format == "auto") format = tty ? "human" : "raw";
    p.format = format == "json" ? OutputFormat::json : format == "raw" ? OutputFormat::raw : OutputFormat::human;
    const char* no_color = std::getenv("NO_COLOR");
    bool no_color_set = no_color && *no_color;
    p.color = color == "always" || (color == "auto" && tty && !no_color_set);
    p.timestamps = timestamps;
    p.pretty = pretty;
    p.show_control = show_control;
    return p;
}

}  // namespace wskit::cli
