// The slash commands of `wskit proxy`'s terminal (and of --slash): parsing,
// and the /help table that documents them.
#include "support.hpp"

#include <wskit/tool/slash.hpp>

#include <algorithm>
#include <string>

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using wskit::Leg;
using wskit::Opcode;
using wskit::parse_proxy_command;
using wskit::proxy_slash_commands;
using Kind = wskit::ProxyCommand::Kind;

TEST_CASE("proxy slash: /send ID c|s TEXT injects a text message", "[proxy_slash]") {
    auto to_server = parse_proxy_command("/send 3 s hello there");
    CHECK(to_server.kind == Kind::send);
    CHECK(to_server.target == 3);
    CHECK(to_server.to == Leg::upstream);
    CHECK(to_server.message.opcode == Opcode::text);
    CHECK(to_server.message.payload == "hello there");

    auto to_client = parse_proxy_command("/send #12 c {\"op\":\"ping\"}");
    CHECK(to_client.kind == Kind::send);
    CHECK(to_client.target == 12);
    CHECK(to_client.to == Leg::client);
    CHECK(to_client.message.payload == "{\"op\":\"ping\"}");

    // Spaces between the words are one separator; the text's own are kept.
    auto spaced = parse_proxy_command("/send  7  s  two  spaces ");
    CHECK(spaced.kind == Kind::send);
    CHECK(spaced.target == 7);
    CHECK(spaced.message.payload == "two  spaces ");
}

TEST_CASE("proxy slash: /send needs a pair id, a side and the text", "[proxy_slash]") {
    for (std::string_view line : {"/send", "/send 3", "/send 3 s", "/send 3 c ", "/send 3 x hello", "/send 3 S hello", "/send 3 client hello",
                                  "/send s 3 hello", "/send 0 s hello", "/send -1 s hello", "/send abc s hello",
                                  "/send # s hello", "/send 1234567890123456789 s hello", "/send 3s hello"}) {
        INFO(line);
        auto c = parse_proxy_command(line);
        CHECK(c.kind == Kind::invalid);
        CHECK_THAT(c.error, Contains("/send"));
    }
}

TEST_CASE("proxy slash: /close ID [code [reason]] closes a pair", "[proxy_slash]") {
    auto plain = parse_proxy_command("/close 3");
    CHECK(plain.kind == Kind::close);
    CHECK(plain.target == 3);
    CHECK(plain.close_code == 1000);
    CHECK(plain.close_reason.empty());

    auto code = parse_proxy_command("/close #4 4000");
    CHECK(code.kind == Kind::close);
    CHECK(code.target == 4);
    CHECK(code.close_code == 4000);
    CHECK(code.close_reason.empty());

    auto reason = parse_proxy_command("/close 5 1001 going away now");
    CHECK(reason.kind == Kind::close);
    CHECK(reason.target == 5);
    CHECK(reason.close_code == 1001);
    CHECK(reason.close_reason == "going away now");
}

TEST_CASE("proxy slash: /close refuses a missing id and codes that cannot be sent", "[proxy_slash]") {
    for (std::string_view line : {"/close", "/close 0", "/close x", "/close 4000 bye"}) {
        INFO(line);
        auto c = parse_proxy_command(line);
        // "/close 4000 bye" is pair 4000 with the code "bye": refused either way.
        CHECK(c.kind == Kind::invalid);
    }
    CHECK_THAT(parse_proxy_command("/close").error, Contains("pair id"));
    for (std::string_view line : {"/close 3 999", "/close 3 1005", "/close 3 1006", "/close 3 1015", "/close 3 5000",
                                  "/close 3 abc", "/close 3 99999999999"}) {
        INFO(line);
        auto c = parse_proxy_command(line);
        CHECK(c.kind == Kind::invalid);
        CHECK_THAT(c.error, Contains("close code"));
    }
    auto long_reason = parse_proxy_command("/close 3 4000 " + std::string(124, 'r'));
    CHECK(long_reason.kind == Kind::invalid);
    CHECK_THAT(long_reason.error, Contains("reason"));
    CHECK(parse_proxy_command("/close 3 4000 " + std::string(123, 'r')).kind == Kind::close);
}

TEST_CASE("proxy slash: /list, /quit and /help", "[proxy_slash]") {
    CHECK(parse_proxy_command("/list").kind == Kind::list);
    CHECK(parse_proxy_command("/quit").kind == Kind::quit);
    CHECK(parse_proxy_command("/help").kind == Kind::help);
}

TEST_CASE("proxy slash: a line without a slash is not sent anywhere", "[proxy_slash]") {
    for (std::string_view line : {"hello", "", " /list", "send 3 s hi"}) {
        INFO("'" << line << "'");
        auto c = parse_proxy_command(line);
        CHECK(c.kind == Kind::invalid);
        CHECK_THAT(c.error, Contains("/send ID c|s TEXT"));
    }
}

TEST_CASE("proxy slash: an unknown command is an error naming it", "[proxy_slash]") {
    for (std::string_view name : {"ping", "to", "bin", "nick", "sendx", "LIST"}) {
        INFO(name);
        auto c = parse_proxy_command("/" + std::string(name) + " 3");
        CHECK(c.kind == Kind::invalid);
        CHECK_THAT(c.error, Contains("unknown command /" + std::string(name)));
    }
    CHECK(parse_proxy_command("/").kind == Kind::invalid);
    CHECK(parse_proxy_command("//send 3 s x").kind == Kind::invalid);
    // The name is quoted escaped: one line on the terminal.
    auto escaped = parse_proxy_command("/a\x1b[2Jb");
    CHECK(escaped.kind == Kind::invalid);
    CHECK(escaped.error.find('\x1b') == std::string::npos);
}

TEST_CASE("proxy slash: every command has a row in the /help table, and every row is a command", "[proxy_slash]") {
    const auto& table = proxy_slash_commands();
    // An example of each command parse_proxy_command accepts.
    const std::vector<std::pair<std::string, Kind>> accepted{
        {"/send 1 s hi", Kind::send}, {"/close 1", Kind::close}, {"/list", Kind::list},
        {"/quit", Kind::quit},        {"/help", Kind::help}};
    for (const auto& [line, kind] : accepted) {
        INFO(line);
        REQUIRE(parse_proxy_command(line).kind == kind);
        auto name = line.substr(0, line.find(' '));
        bool documented = std::any_of(table.begin(), table.end(), [&](const wskit::SlashCommandDoc& row) {
            return row.usage == name || row.usage.rfind(name + " ", 0) == 0;
        });
        CHECK(documented);
    }
    for (const auto& row : table) {
        INFO(row.usage);
        CHECK_THAT(row.usage, StartsWith("/"));
        CHECK_FALSE(row.help.empty());
        auto name = row.usage.substr(0, row.usage.find(' '));
        bool is_command = std::any_of(accepted.begin(), accepted.end(), [&](const auto& example) {
            return example.first.substr(0, example.first.find(' ')) == name;
        });
        CHECK(is_command);
        CHECK(parse_proxy_command(name).error.find("unknown command") == std::string::npos);
    }
    CHECK(table.size() == accepted.size());
    // /help shows every row.
    auto help = wskit::format_slash_help(table);
    for (const auto& row : table) CHECK_THAT(help, Contains(row.usage));
}
