#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/slash.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace wskit {
namespace {

// Splits "word rest of line" at the first space.
std::pair<std::string_view, std::string_view> split_word(std::string_view s) {
    auto space = s.find(' ');
    if (space == std::string_view::npos) return {s, {}};
    auto rest = s.substr(space + 1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    return {s.substr(0, space), rest};
}

SlashCommand invalid(std::string why) {
    SlashCommand c;
    c.kind = SlashCommand::Kind::invalid;
    c.error = std::move(why);
    return c;
}

}  // namespace

SlashCommand parse_slash_command(std::string_view line) {
    SlashCommand c;
    if (line.empty() || line.front() != '/') {
        c.message = {Opcode::text, std::string(line)};
        return c;
    }
    if (line.size() > 1 && line[1] == '/') {
        c.message = {Opcode::text, std::string(line.substr(1))};
        return c;
    }
    auto [name, args] = split_word(line.substr(1));
    using K = SlashCommand::Kind;
    if (name == "ping" || name == "pong") {
        if (args.size() > 125) return invalid("ping/pong data is limited to 125 bytes");
        c.kind = name == "ping" ? K::ping : K::pong;
        c.message = {name == "ping" ? Opcode::ping : Opcode::pong, std::string(args)};
    } else if (name == "close") {
        c.kind = K::close;
        auto [code, reason] = split_word(args);
        if (!code.empty()) {
            int value = 0;
            for (char ch : code) {
                if (ch < '0' || ch > '9' || value > 9999) return invalid(fmt::format("bad close code '{}'", escape_controls(code)));
                value = value * 10 + (ch - '0');
            }
            if (auto problem = close_code_problem(value); !problem.empty())
                return invalid(fmt::format("close code {} cannot be sent: {}; use {}", value, problem,
                                           sendable_close_codes()));
            c.close_code = value;
        }
        if (auto problem = close_reason_problem(reason); !problem.empty())
            return invalid("the close reason " + problem);
        c.close_reason = std::string(reason);
    } else if (name == "bin") {
        auto bytes = hex_decode(args);
        if (!bytes) return invalid("/bin takes hex bytes, like /bin 48 69 or /bin 4869");
        c.kind = K::binary;
        c.message = {Opcode::binary, std::move(*bytes)};
    } else if (name == "quit" || name == "exit") {
        c.kind = K::quit;
    } else if (name == "help" || name == "?") {
        c.kind = K::help;
    } else {
        return invalid(fmt::format("unknown command /{} (type /help; start a message with // to send a literal /)", escape_controls(name)));
    }
    return c;
}

const std::vector<SlashCommandDoc>& client_slash_commands() {
    static const std::vector<SlashCommandDoc> table{
        {"/ping [data]", "send a ping"},
        {"/pong [data]", "send an unsolicited pong"},
        {"/close [code [reason]]", "start the close handshake (default 1000)"},
        {"/bin HEX", "send a binary message, like /bin 48 69"},
        {"/quit", "close with 1000 and exit"},
        {"/help", "list these commands"},
        {"//text", "send the text message \"/text\""},
    };
    return table;
}

std::string format_slash_help(const std::vector<SlashCommandDoc>& table) {
    std::size_t width = 0;
    for (const auto& c : table) width = std::max(width, c.usage.size());
    std::string out;
    for (const auto& c : table) out += fmt::format("{:<{}}  {}\n", c.usage, width, c.help);
    return out;
}

}  // namespace wskit
