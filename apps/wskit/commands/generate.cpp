// wskit generate (hidden): renders the man pages and shell completions from
// the CLI definition itself, so that --help, man/ and completions/ cannot
// drift apart. scripts/gen-docs.sh runs it; the docs.sync test checks that
// the committed files match its output.
#include "commands.hpp"

#include "../docs/completion.hpp"
#include "../docs/man.hpp"
#include "../docs/model.hpp"

#include <wskit/error.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

namespace wskit::cli {
namespace {

struct GenerateCommand {
    enum class Form { none, man, completion, options };
    Form form = Form::none;
    std::string page;     // man: "wskit" (default), "connect", "wskit-connect", "bench-merge"...
    std::string shell;    // completion: bash, zsh or fish
    std::string out_dir;  // write every file under DIR/man and DIR/completions
};

void write_stdout(const std::string& text) {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
        throw Error(ExitCode::runtime, "cannot write to standard output");
    }
}

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) throw Error(ExitCode::runtime, "cannot create " + path.parent_path().string() + ": " + ec.message());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw Error(ExitCode::runtime, "cannot write " + path.string());
}

std::string render_completion(const docs::CommandModel& root, const std::string& shell) {
    if (shell == "bash") return docs::render_bash_completion(root);
    if (shell == "zsh") return docs::render_zsh_completion(root);
    return docs::render_fish_completion(root);
}

std::string render_man(const docs::CommandModel& root, const std::string& page) {
    if (page.empty() || page == root.name) return docs::render_root_man(root);
    std::string name = page;
    if (name.rfind(root.name + "-", 0) == 0) name.erase(0, root.name.size() + 1);
    const auto* cmd = docs::find_command(root, name);
    if (!cmd) {
        std::string pages = root.name;
        for (const auto* c : docs::all_commands(root)) {
            pages += ", " + docs::man_page_name(root, c).substr(root.name.size() + 1);  // "bench-merge"
        }
        throw Error(ExitCode::usage, "no man page '" + page + "'; pick one of: " + pages);
    }
    return docs::render_command_man(root, *cmd);
}

// One escaped TSV field: tabs, newlines and backslashes would break the row.
std::string tsv(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\t': out += "\\t"; break;
            case '\n': out += "\\n"; break;
            default: out += c;
        }
    }
    return out;
}

// A table of every option of every visible command, for the docs.sync test:
// command, kind, names, placeholder, help, long help.
std::string options_table(const docs::CommandModel& root) {
    std::string out = "command\tkind\tnames\tplaceholder\thelp\tlong_help\n";
    auto rows = [&out](const std::string& command, const docs::CommandModel& c) {
        for (const auto* list : {&c.options, &c.positionals}) {
            for (const auto& o : *list) {
                std::string names;
                for (const auto& n : o.names()) names += (names.empty() ? "" : " ") + n;
                out += tsv(command) + "\t" + (list == &c.options ? "option" : "positional") + "\t" + tsv(names) +
                       "\t" + tsv(o.placeholder) + "\t" + tsv(o.help) + "\t" + tsv(o.long_help) + "\n";
            }
        }
    };
    rows("", root);
    for (const auto* c : docs::all_commands(root)) rows(docs::command_path(*c), *c);
    return out;
}

int run(const GenerateCommand& g, const CLI::App& app, const Context& ctx) {
    std::vector<std::string> problems;
    auto root = docs::describe(app, ctx, problems);
    if (!problems.empty()) {
        for (const auto& p : problems) std::fprintf(stderr, "wskit: %s\n", p.c_str());
        return to_int(ExitCode::runtime);
    }
    if (!g.out_dir.empty()) {
        if (g.form != GenerateCommand::Form::none) {
            throw Error(ExitCode::usage, "--out-dir writes every file; give it without man, completion or options");
        }
        std::filesystem::path dir(g.out_dir);
        write_file(dir / "man" / docs::man_file_name(root, nullptr), docs::render_root_man(root));
        for (const auto* c : docs::all_commands(root)) {
            write_file(dir / "man" / docs::man_file_name(root, c), docs::render_command_man(root, *c));
        }
        write_file(dir / "completions" / (root.name + ".bash"), docs::render_bash_completion(root));
        write_file(dir / "completions" / ("_" + root.name), docs::render_zsh_completion(root));
        write_file(dir / "completions" / (root.name + ".fish"), docs::render_fish_completion(root));
        return 0;
    }
    switch (g.form) {
        case GenerateCommand::Form::man: write_stdout(render_man(root, g.page)); break;
        case GenerateCommand::Form::completion: write_stdout(render_completion(root, g.shell)); break;
        case GenerateCommand::Form::options: write_stdout(options_table(root)); break;
        case GenerateCommand::Form::none:
            throw Error(ExitCode::usage, "say what to generate: man [PAGE], completion SHELL, or --out-dir DIR");
    }
    return 0;
}

}  // namespace

void register_generate(CLI::App& app, Context& ctx) {
    auto g = std::make_shared<GenerateCommand>();
    auto* sub = add_command(ctx, app, "generate", "", "Render the man pages and shell completions",
                            {"wskit generate man [PAGE] | completion SHELL | --out-dir DIR",
                             "Writes the man pages and shell completions rendered from the command line "
                             "definition. Used by scripts/gen-docs.sh.",
                             {}});
    add_option(ctx, *sub, "--out-dir", g->out_dir,
               "Write man/*.1 and completions/* under DIR instead of one document to stdout", {}, Complete::file);
    sub->require_subcommand(0, 1);

    auto* man = sub->add_subcommand("man", "Write a man page to stdout (default: wskit)");
    add_option(ctx, *man, "page", g->page, "The page: wskit, or a command such as connect or bench-merge", {},
               Complete::text);
    man->callback([g] { g->form = GenerateCommand::Form::man; });

    auto* completion = sub->add_subcommand("completion", "Write a shell's completion script to stdout");
    add_option(ctx, *completion, "shell", g->shell, "bash, zsh or fish", {}, Complete::choices, {"bash", "zsh", "fish"})
        ->required();
    completion->callback([g] { g->form = GenerateCommand::Form::completion; });

    auto* options = sub->add_subcommand("options", "List every option of every command as TSV (for tests)");
    options->callback([g] { g->form = GenerateCommand::Form::options; });

    // Hidden: a build tool, not something users run. Set last, as subcommands
    // inherit their parent's group and man/completion should show in its --help.
    sub->group("");

    const CLI::App* root = &app;
    sub->callback([g, root, &ctx] {
        ctx.run = [g, root, &ctx] { return run(*g, *root, ctx); };
    });
}

}  // namespace wskit::cli
