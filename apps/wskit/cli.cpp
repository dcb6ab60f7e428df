// Parsing the command line, usage errors, and the registry of commands. The
// option groups are in cli/, one file each.
#include "cli.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

namespace wskit::cli {

// --- parsing and usage errors ---------------------------------------------------

namespace {

// Root options (-h, -V) take no value, so the first argument that is not an
// option names the command. CLI11 would take an unknown name for an extra
// argument, and `wskit lisen --help` would print the top help and exit 0.
void check_command_name(const CLI::App& app, const std::vector<std::string>& args) {
    for (const auto& arg : args) {
        if (arg == "--") return;
        if (!arg.empty() && arg[0] == '-') continue;
        std::vector<std::string> suggestions;
        for (const auto* sub : app.get_subcommands([](const CLI::App* a) { return !a->get_name().empty(); })) {
            if (sub->check_name(arg)) return;
            if (sub->get_group().empty()) continue;  // hidden: never suggested
            suggestions.push_back(sub->get_name());
            for (const auto& alias : sub->get_aliases()) suggestions.push_back(alias);
        }
        std::string message = "unknown command '" + escape_controls(arg) + "'";
        auto guess = closest_name(arg, suggestions);
        if (!guess.empty()) message += "; did you mean '" + guess + "'?";
        throw CLI::ParseError(message, CLI::ExitCodes::ExtrasError);
    }
}

// See Context::rest_of_line. The command is the first argument that is not
// an option (as in check_command_name); the option counts only after it and
// before a "--". An option that ends the line is taken out, and its usage
// error returned, for after the command is parsed (so that it names the
// command's --help).
std::string split_rest_of_line(const Context& ctx, std::vector<std::string>& args) {
    auto command = std::find_if(args.begin(), args.end(), [](const std::string& a) { return a.empty() || a[0] != '-'; });
    if (command == args.end()) return {};
    for (const auto& r : ctx.rest_of_line) {
        if (!r.command->check_name(*command)) continue;
        for (auto it = command + 1; it != args.end(); ++it) {
            if (*it == "--") break;
            bool joined = it->rfind(r.option + "=", 0) == 0;
            if (*it != r.option && !joined) continue;
            if (!joined && it + 1 == args.end()) {
                args.erase(it);
                return r.missing;
            }
            auto rest = joined ? it + 1 : std::min(it + 2, args.end());
            r.rest->assign(rest, args.end());
            args.erase(rest, args.end());
            return {};
        }
    }
    return {};
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
    // Optimal string alignment: insertions, deletions, substitutions and
    // swaps of two neighbours ("ecoh" is one step from "echo").
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

}  // namespace

std::string closest_name(const std::string& typed, const std::vector<std::string>& names) {
    std::string best;
    std::size_t best_distance = 3;
    for (const auto& name : names) {
        auto d = edit_distance(typed, name);
        // One step per three letters at most, so that "x" does not suggest "c".
        if (d < best_distance && d * 3 <= name.size()) {
            best = name;
            best_distance = d;
        }
    }
    return best;
}

void parse_command_line(CLI::App& app, Context& ctx, std::vector<std::string> args) {
    check_command_name(app, args);
    auto missing_value = split_rest_of_line(ctx, args);
    std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last first
    app.parse(args);
    if (!missing_value.empty()) throw CLI::ParseError(missing_value, CLI::ExitCodes::ArgumentMismatch);
    for (const auto& [command, check] : ctx.checks) {
        if (command->parsed()) check();
    }
}

std::string usage_error_line(const CLI::App& app, std::string message, const std::string& read_more) {
    if (message.empty()) message = "invalid command line";
    // CLI11's messages start with a capital ("The following argument..."); wskit's do not.
    if (message.size() > 1 && std::isupper(static_cast<unsigned char>(message[0])) &&
        (std::islower(static_cast<unsigned char>(message[1])) || message[1] == ' ')) {
        message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
    }
    if (!read_more.empty()) return message + " (see '" + read_more + "')";
    std::string command = app.get_name();
    for (const CLI::App* current = &app; current;) {
        const CLI::App* chosen = nullptr;
        for (const auto* sub : current->get_subcommands()) {  // those given on the command line
            if (!sub->get_name().empty()) chosen = sub;
        }
        if (chosen) command += " " + chosen->get_name();
        current = chosen;
    }
    return message + " (see '" + command + " --help')";
}

CLI::App* add_command(Context& ctx, CLI::App& parent, const std::string& name, const std::string& alias,
                      const std::string& help, CommandDoc doc) {
    auto* sub = parent.add_subcommand(name, help);
    if (!alias.empty()) sub->alias(alias);
    ctx.command_docs[sub] = std::move(doc);
    return sub;
}

}  // namespace wskit::cli
