#include "model.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <stdexcept>

namespace wskit::cli::docs {
namespace {

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// The value placeholder, as --help would show it but without the validator
// descriptions CLI11 appends ("TEXT:{a,b}", "FLOAT:POSITIVE"), which read
// badly in a synopsis line.
std::string placeholder(const CLI::Option& opt, const OptionDoc* doc) {
    if (!opt.get_option_text().empty()) return opt.get_option_text();
    if (opt.get_positional() && !opt.nonpositional()) return upper(opt.get_name(true, false));
    if (doc) {
        if (doc->complete == Complete::choices && !doc->choices.empty()) {
            std::string s;
            for (const auto& c : doc->choices) s += (s.empty() ? "" : "|") + c;
            return s;
        }
        if (doc->complete == Complete::file) return "FILE";
        if (doc->complete == Complete::url) return "URL";
    }
    std::string type = opt.get_type_name();
    auto colon = type.find(':');
    if (colon != std::string::npos) type.erase(colon);
    return type.empty() ? "VALUE" : type;
}

// Options of `app` itself plus those of its option groups, which CLI11 keeps
// as nameless subcommands.
// An option group gets a copy of its parent's help flag, which the parser
// never reaches; it is left out.
void collect_options(const CLI::App& app, std::vector<const CLI::Option*>& out, bool group = false) {
    for (const auto* opt : app.get_options()) {
        if (group && (opt == app.get_help_ptr() || opt == app.get_help_all_ptr())) continue;
        out.push_back(opt);
    }
    for (const auto* sub : app.get_subcommands([](const CLI::App* a) { return a->get_name().empty(); })) {
        collect_options(*sub, out, true);
    }
}

bool visible_command(const CLI::App* app) {
    return !app->get_name().empty() && !app->get_group().empty() && !app->get_disabled();
}

// `where` names the command in problems ("wskit bench merge"); `path` is
// the model's path of it ({"bench", "merge"}).
CommandModel describe_app(const CLI::App& app, const Context& ctx, const std::string& where,
                          std::vector<std::string> path, std::vector<std::string>& problems) {
    CommandModel m;
    m.name = app.get_name();
    m.path = std::move(path);
    m.aliases = app.get_aliases();
    m.help = app.get_description();
    if (auto it = ctx.command_docs.find(&app); it != ctx.command_docs.end()) m.doc = it->second;

    std::vector<const CLI::Option*> options;
    collect_options(app, options);
    std::map<const CLI::Option*, std::size_t> order;
    for (std::size_t i = 0; i < options.size(); ++i) order[options[i]] = i;

    std::vector<OptionModel> models;
    for (const auto* opt : options) {
        OptionModel o;
        for (const auto& s : opt->get_snames()) o.shorts.push_back("-" + s);
        for (const auto& l : opt->get_lnames()) o.longs.push_back("--" + l);
        if (opt->get_positional()) o.positional = opt->get_name(true, false);
        o.help = opt->get_description();
        o.flag = opt->get_expected_max() == 0;  // add_flag sets expected(0)
        o.repeatable = o.flag ? opt->get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll
                              : opt->get_expected_max() > 1;
        o.required = opt->get_required();
        o.builtin = opt == app.get_help_ptr() || opt == app.get_version_ptr();

        const OptionDoc* doc = nullptr;
        if (auto it = ctx.option_docs.find(opt); it != ctx.option_docs.end()) doc = &it->second;
        if (doc) {
            o.long_help = doc->long_help;
            o.complete = doc->complete;
            o.choices = doc->choices;
        } else if (opt == app.get_help_ptr()) {
            o.long_help = app.get_parent() ? "Print this command's options and exit."
                                           : "Print the commands and the top-level options, and exit.";
        } else if (opt == app.get_version_ptr()) {
            o.long_help = "Print the version of wskit and of the libraries it was built with (websocketpp, Asio, "
                          "OpenSSL), and exit.";
        } else {
            problems.push_back(where + ": option " + o.main_name() +
                               " was not registered through wskit::cli::add_option or add_flag "
                               "(apps/wskit/cli.hpp), so it has no man page text or completion kind");
        }
        if (o.help.empty() || (!o.builtin && doc && o.long_help.empty())) {
            problems.push_back(where + ": option " + o.main_name() + " has an empty help text");
        }
        if (!o.flag) o.placeholder = placeholder(*opt, doc);
        auto excludes = opt->get_excludes();  // returned by value
        std::vector<const CLI::Option*> excluded(excludes.begin(), excludes.end());
        // A set of pointers has no stable order; registration order does.
        std::sort(excluded.begin(), excluded.end(), [&](const CLI::Option* a, const CLI::Option* b) {
            return order[a] < order[b];
        });
        for (const auto* ex : excluded) {
            o.excludes.push_back(ex->get_lnames().empty() ? "-" + ex->get_snames().front()
                                                          : "--" + ex->get_lnames().front());
        }
        if (o.positional.empty() || !o.shorts.empty() || !o.longs.empty()) {
            o.positional.clear();
            models.push_back(std::move(o));
        } else {
            m.positionals.push_back(std::move(o));
        }
    }
    m.options = std::move(models);

    for (const auto* sub : app.get_subcommands(visible_command)) {
        auto sub_path = m.path;
        sub_path.push_back(sub->get_name());
        m.commands.push_back(describe_app(*sub, ctx, where + " " + sub->get_name(), std::move(sub_path), problems));
    }
    return m;
}

bool is_named(const CommandModel& c, const std::string& name) {
    return c.name == name || std::find(c.aliases.begin(), c.aliases.end(), name) != c.aliases.end();
}

void collect_commands(const CommandModel& parent, std::vector<const CommandModel*>& out) {
    for (const auto& c : parent.commands) {
        out.push_back(&c);
        collect_commands(c, out);
    }
}

std::string join(const std::vector<std::string>& words, const std::string& sep) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : sep) + w;
    return out;
}

}  // namespace

std::vector<std::string> OptionModel::names() const {
    if (shorts.empty() && longs.empty()) return {positional};
    std::vector<std::string> all = shorts;
    all.insert(all.end(), longs.begin(), longs.end());
    return all;
}

std::string OptionModel::main_name() const {
    if (!longs.empty()) return longs.front();
    if (!shorts.empty()) return shorts.front();
    return positional;
}

CommandModel describe(const CLI::App& root, const Context& ctx, std::vector<std::string>& problems) {
    return describe_app(root, ctx, root.get_name(), {}, problems);
}

const CommandModel* find_command(const CommandModel& root, const std::string& name) {
    for (const auto& c : root.commands) {
        if (is_named(c, name)) return &c;
    }
    // "bench-merge": bench's page name part, then merge's below it. Names
    // with a '-' of their own (broadcast-chat) were matched whole above.
    for (const auto& c : root.commands) {
        const std::string prefix = c.name + "-";
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        if (const auto* nested = find_command(c, name.substr(prefix.size()))) return nested;
    }
    return nullptr;
}

std::vector<const CommandModel*> all_commands(const CommandModel& root) {
    std::vector<const CommandModel*> out;
    collect_commands(root, out);
    return out;
}

std::vector<const CommandModel*> lineage(const CommandModel& root, const CommandModel& cmd) {
    std::vector<const CommandModel*> out;
    const CommandModel* at = &root;
    for (const auto& word : cmd.path) {
        auto next = std::find_if(at->commands.begin(), at->commands.end(),
                                 [&](const CommandModel& c) { return c.name == word; });
        if (next == at->commands.end()) {
            throw std::logic_error("docs: '" + join(cmd.path, " ") + "' is not in the tree");
        }
        at = &*next;
        out.push_back(at);
    }
    return out;
}

const CommandModel& parent_of(const CommandModel& root, const CommandModel& cmd) {
    auto chain = lineage(root, cmd);
    return chain.size() < 2 ? root : *chain[chain.size() - 2];
}

std::string command_path(const CommandModel& cmd) { return join(cmd.path, " "); }

std::string command_line(const CommandModel& root, const CommandModel& cmd) {
    return cmd.path.empty() ? root.name : root.name + " " + command_path(cmd);
}

std::string man_page_name(const CommandModel& root, const CommandModel* cmd) {
    return cmd && !cmd->path.empty() ? root.name + "-" + join(cmd->path, "-") : root.name;
}

std::string man_file_name(const CommandModel& root, const CommandModel* cmd) {
    return man_page_name(root, cmd) + ".1";
}

}  // namespace wskit::cli::docs
