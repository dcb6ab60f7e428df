// The documentation model: the CLI11 tree and the Context's docs, flattened
// into plain values once, so the man page and completion renderers need no
// CLI11 and cannot disagree about what an option is called.
#pragma once

#include "../cli.hpp"

#include <string>
#include <vector>

namespace wskit::cli::docs {

struct OptionModel {
    std::vector<std::string> shorts;  // "-H"
    std::vector<std::string> longs;   // "--header"
    std::string positional;           // "url" for a positional argument, empty otherwise
    std::string placeholder;          // "FILE", "auto|human|raw|json"...; empty for a flag
    std::string help;                 // --help's line
    std::string long_help;            // the man page's paragraph
    Complete complete = Complete::none;
    std::vector<std::string> choices;
    bool flag = false;                // takes no value
    bool repeatable = false;          // may be given more than once (vectors, counting flags)
    bool required = false;
    bool builtin = false;             // CLI11's own --help / --version
    std::vector<std::string> excludes;  // the main name of each option it cannot be combined with

    // "-H", "--header" (shorts first), or the positional name.
    std::vector<std::string> names() const;
    // The name shown when one is enough: the first long name, else the short, else the positional.
    std::string main_name() const;
};

struct CommandModel {
    std::string name;                 // "connect"; "wskit" for the root
    std::vector<std::string> path;    // the words after the root's: {"bench", "merge"}; empty for the root
    std::vector<std::string> aliases; // "c"
    std::string help;                 // one line, from CLI11
    CommandDoc doc;                   // synopsis, description, examples
    std::vector<OptionModel> options; // named options, in registration order
    std::vector<OptionModel> positionals;
    std::vector<CommandModel> commands;  // visible subcommands, in registration order
};

// Walks `root` and every visible subcommand below it (hidden ones, like
// generate, are left out). Each option that was not registered through
// add_option/add_flag, or has an empty help, adds a line to `problems`.
CommandModel describe(const CLI::App& root, const Context& ctx, std::vector<std::string>& problems);

// The command named `name` (or one of its aliases) among root.commands, or
// a nested one by its man page name without the root's: "bench-merge" for
// wskit bench merge. nullptr when there is none.
const CommandModel* find_command(const CommandModel& root, const std::string& name);

// Every command below `root` at any depth, each before the commands below it
// (connect, ..., bench, bench merge): one man page each.
std::vector<const CommandModel*> all_commands(const CommandModel& root);

// The commands from root.commands down to `cmd` ({bench, merge}); empty for
// the root itself. `cmd` must be part of root's tree.
std::vector<const CommandModel*> lineage(const CommandModel& root, const CommandModel& cmd);

// The command `cmd` belongs to: the root for connect, bench for bench merge.
const CommandModel& parent_of(const CommandModel& root, const CommandModel& cmd);

// "bench merge" (the command column of `wskit generate options`); "" for the root.
std::string command_path(const CommandModel& cmd);

// What a user types to run `cmd`: "wskit bench merge"; "wskit" for the root.
std::string command_line(const CommandModel& root, const CommandModel& cmd);

// The man page of a command, git's way for nested ones: "wskit" for the root
// (nullptr), "wskit-connect", "wskit-bench-merge".
std::string man_page_name(const CommandModel& root, const CommandModel* cmd);

// The same with its section: "wskit.1", "wskit-connect.1", "wskit-bench-merge.1".
std::string man_file_name(const CommandModel& root, const CommandModel* cmd);

}  // namespace wskit::cli::docs
