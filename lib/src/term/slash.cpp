#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/tool/slash.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <optional>

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

constexpr const char* bin_usage = "/bin takes hex bytes, like /bin 48 69 or /bin 4869";

// "[code [reason]]" of /close and /kick: an error message, or "" with the
// code and reason set.
std::string parse_close_arguments(std::string_view args, int& code_out, std::string& reason_out) {
    auto [code, reason] = split_word(args);
    if (!code.empty()) {
        int value = 0;
        for (char ch : code) {
            if (ch < '0' || ch > '9' || value > 9999) return fmt::format("bad close code '{}'", escape_controls(code));
            value = value * 10 + (ch - '0');
        }
        if (auto problem = close_code_problem(value); !problem.empty())
            return fmt::format("close code {} cannot be sent: {}; use {}", value, problem, sendable_close_codes());
        code_out = value;
    }
    if (auto problem = close_reason_problem(reason); !problem.empty()) return "the close reason " + problem;
    reason_out = std::string(reason);
    return {};
}

template <class Command = SlashCommand>
Command invalid(std::string why) {
    Command c;
    c.kind = Command::Kind::invalid;
    c.error = std::move(why);
    return c;
}

// "3" or "#3": a client id (never 0).
std::optional<ConnId> parse_conn_id(std::string_view word) {
    if (!word.empty() && word.front() == '#') word.remove_prefix(1);
    if (word.empty() || word.size() > 18) return std::nullopt;
    ConnId id = 0;
    for (char ch : word) {
        if (ch < '0' || ch > '9') return std::nullopt;
        id = id * 10 + static_cast<ConnId>(ch - '0');
    }
    if (id == 0) return std::nullopt;
    return id;
}

std::string unknown_command(std::string_view name) {
    return fmt::format("unknown command /{} (type /help; start a message with // to send a literal /)",
                       escape_controls(name));
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
        if (auto error = parse_close_arguments(args, c.close_code, c.close_reason); !error.empty()) return invalid(error);
    } else if (name == "bin") {
        auto bytes = hex_decode(args);
        if (!bytes) return invalid(bin_usage);
        c.kind = K::binary;
        c.message = {Opcode::binary, std::move(*bytes)};
    } else if (name == "quit" || name == "exit") {
        c.kind = K::quit;
    } else if (name == "help" || name == "?") {
        c.kind = K::help;
    } else {
        c.kind = K::to_server;
        c.message = {Opcode::text, std::string(line)};
    }
    return c;
}

ListenCommand parse_listen_command(std::string_view line) {
    using K = ListenCommand::Kind;
    ListenCommand c;
    // Messages, //x and the commands a client's terminal has are parsed alike.
    auto common = parse_slash_command(line);
    switch (common.kind) {
        case SlashCommand::Kind::message: c.message = std::move(common.message); return c;
        case SlashCommand::Kind::binary: c.kind = K::binary; c.message = std::move(common.message); return c;
        case SlashCommand::Kind::close:
            c.kind = K::close;
            c.close_code = common.close_code;
            c.close_reason = std::move(common.close_reason);
            return c;
        case SlashCommand::Kind::quit: c.kind = K::quit; return c;
        case SlashCommand::Kind::help: c.kind = K::help; return c;
        default: break;
    }
    auto [name, args] = split_word(line.substr(1));
    auto [first, rest] = split_word(args);
    auto target = parse_conn_id(first);
    if (name == "to") {
        if (!target || rest.empty()) return invalid<ListenCommand>("/to takes a client id and a message, like /to 3 hello");
        c.kind = K::to;
        c.target = *target;
        c.message = {Opcode::text, std::string(rest)};
    } else if (name == "list" || name == "ls") {
        c.kind = K::list;
    } else if (name == "kick") {
        if (!target) return invalid<ListenCommand>("/kick takes a client id, like /kick 3 or /kick 3 4000 bye");
        c.kind = K::kick;
        c.target = *target;
        if (auto error = parse_close_arguments(rest, c.close_code, c.close_reason); !error.empty())
            return invalid<ListenCommand>(error);
    } else if (name == "ping") {
        if (!first.empty() && (!target || !rest.empty()))
            return invalid<ListenCommand>("/ping takes a client id, or nothing to ping every client");
        c.kind = K::ping;
        c.target = target.value_or(0);
        c.message = {Opcode::ping, {}};
    } else {
        return invalid<ListenCommand>(common.kind == SlashCommand::Kind::invalid && name != "pong" ? common.error
                                                                                                  : unknown_command(name));
    }
    return c;
}

ProxyCommand parse_proxy_command(std::string_view line) {
    using K = ProxyCommand::Kind;
    ProxyCommand c;
    if (line.empty() || line.front() != '/')
        return invalid<ProxyCommand>("the proxy sends only what its peers send: type /send ID c|s TEXT, or /help");
    auto [name, args] = split_word(line.substr(1));
    auto [first, rest] = split_word(args);
    auto target = parse_conn_id(first);
    if (name == "send") {
        auto [side, text] = split_word(rest);
        if (!target || (side != "c" && side != "s") || text.empty())
            return invalid<ProxyCommand>("/send takes a pair id, c (to the client) or s (to the server), and the "
                                         "text, like /send 3 s hello");
        c.kind = K::send;
        c.target = *target;
        c.to = side == "c" ? Leg::client : Leg::upstream;
        c.message = {Opcode::text, std::string(text)};
    } else if (name == "close" || name == "kick") {
        if (!target) return invalid<ProxyCommand>("/close takes a pair id, like /close 3 or /close 3 4000 bye");
        c.kind = K::close;
        c.target = *target;
        if (auto error = parse_close_arguments(rest, c.close_code, c.close_reason); !error.empty())
            return invalid<ProxyCommand>(error);
    } else if (name == "list" || name == "ls") {
        c.kind = K::list;
    } else if (name == "quit" || name == "exit") {
        c.kind = K::quit;
    } else if (name == "help" || name == "?") {
        c.kind = K::help;
    } else {
        return invalid<ProxyCommand>(fmt::format("unknown command /{} (type /help)", escape_controls(name)));
    }
    return c;
}

const std::vector<SlashCommandDoc>& proxy_slash_commands() {
    static const std::vector<SlashCommandDoc> table{
        {"/send ID c|s TEXT", "inject a text message into pair ID, towards its client (c) or the server (s)"},
        {"/close ID [code [reason]]", "close pair ID: both legs get the code (default 1000)"},
        {"/list", "list the pairs: id, client address, path, upstream URL, time connected, messages each way"},
        {"/quit", "close every pair with 1001 and exit"},
        {"/help", "list these commands"},
    };
    return table;
}

const std::vector<SlashCommandDoc>& listen_slash_commands() {
    static const std::vector<SlashCommandDoc> table{
        {"/to ID message", "send a text message to client ID only"},
        {"/list", "list the clients: id, address, path, subprotocol, time connected, messages in and out"},
        {"/kick ID [code [reason]]", "close client ID's connection (default 1000)"},
        {"/ping [ID]", "ping client ID, or every client"},
        {"/close [code [reason]]", "close every client's connection and go on listening"},
        {"/bin HEX", "send a binary message to every client, like /bin 48 69"},
        {"/quit", "close every connection with 1001 and exit"},
        {"/help", "list these commands"},
        {"//text", "send the text message \"/text\" to every client"},
    };
    return table;
}

const std::vector<SlashCommandDoc>& client_slash_commands() {
    static const std::vector<SlashCommandDoc> table{
        {"/ping [data]", "send a ping"},
        {"/pong [data]", "send an unsolicited pong"},
        {"/close [code [reason]]", "start the close handshake (default 1000)"},
        {"/bin HEX", "send a binary message, like /bin 48 69"},
        {"/quit", "close with 1000 and exit"},
        {"/help", "list these commands"},
        {"/WORD ...", "any other command, like a chat's /nick or /who, is the server's: sent as a message, as typed"},
        {"//text", "send the text message \"/text\" (//help sends /help to the server)"},
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
