#include "support.hpp"

#include <wskit/tool/listen.hpp>
#include <wskit/tool/slash.hpp>

using Catch::Matchers::Contains;
using wskit::Opcode;
using wskit::parse_slash_command;
using Kind = wskit::SlashCommand::Kind;

TEST_CASE("slash: lines without a leading / are messages as they are", "[slash]") {
    for (std::string_view line : {"hello", "", " /ping", "a/b", "\t/close"}) {
        auto c = parse_slash_command(line);
        CHECK(c.kind == Kind::message);
        CHECK(c.message.opcode == Opcode::text);
        CHECK(c.message.payload == line);
    }
}

TEST_CASE("slash: //x sends the literal /x", "[slash]") {
    auto c = parse_slash_command("//ping");
    CHECK(c.kind == Kind::message);
    CHECK(c.message.opcode == Opcode::text);
    CHECK(c.message.payload == "/ping");
    CHECK(parse_slash_command("//").message.payload == "/");
    CHECK(parse_slash_command("///x y").message.payload == "//x y");
}

TEST_CASE("slash: /ping and /pong", "[slash]") {
    auto ping = parse_slash_command("/ping");
    CHECK(ping.kind == Kind::ping);
    CHECK(ping.message.opcode == Opcode::ping);
    CHECK(ping.message.payload.empty());

    auto with_data = parse_slash_command("/ping are you there");
    CHECK(with_data.kind == Kind::ping);
    CHECK(with_data.message.payload == "are you there");

    auto pong = parse_slash_command("/pong x");
    CHECK(pong.kind == Kind::pong);
    CHECK(pong.message.opcode == Opcode::pong);
    CHECK(pong.message.payload == "x");

    // Control frames carry at most 125 bytes (RFC 6455 5.5).
    CHECK(parse_slash_command("/ping " + std::string(125, 'a')).kind == Kind::ping);
    auto too_long = parse_slash_command("/ping " + std::string(126, 'a'));
    CHECK(too_long.kind == Kind::invalid);
    CHECK_THAT(too_long.error, Contains("125 bytes"));
    CHECK(parse_slash_command("/pong " + std::string(126, 'a')).kind == Kind::invalid);
}

TEST_CASE("slash: /close with no arguments is 1000", "[slash]") {
    auto c = parse_slash_command("/close");
    CHECK(c.kind == Kind::close);
    CHECK(c.close_code == 1000);
    CHECK(c.close_reason.empty());
}

TEST_CASE("slash: /close code and reason", "[slash]") {
    auto c = parse_slash_command("/close 4000");
    CHECK(c.kind == Kind::close);
    CHECK(c.close_code == 4000);
    CHECK(c.close_reason.empty());

    auto r = parse_slash_command("/close 1001 going away now");
    CHECK(r.kind == Kind::close);
    CHECK(r.close_code == 1001);
    CHECK(r.close_reason == "going away now");

    auto spaces = parse_slash_command("/close  3000  bye");
    CHECK(spaces.kind == Kind::close);
    CHECK(spaces.close_code == 3000);
    CHECK(spaces.close_reason == "bye");
}

TEST_CASE("slash: /close accepts exactly the codes an endpoint may send", "[slash]") {
    for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000,
                     4999}) {
        INFO("code " << code);
        auto c = parse_slash_command("/close " + std::to_string(code));
        CHECK(c.kind == Kind::close);
        CHECK(c.close_code == code);
    }
    for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535}) {
        INFO("code " << code);
        auto c = parse_slash_command("/close " + std::to_string(code));
        CHECK(c.kind == Kind::invalid);
        CHECK_THAT(c.error, Contains(std::to_string(code)) && Contains("cannot be sent"));
    }
}

TEST_CASE("slash: /close with a bad code", "[slash]") {
    for (std::string_view line : {"/close abc", "/close 10x0", "/close -1000", "/close 99999999999999999999",
                                  "/close 1000.0"}) {
        INFO(line);
        auto c = parse_slash_command(line);
        CHECK(c.kind == Kind::invalid);
        CHECK_THAT(c.error, Contains("bad close code"));
    }
}

TEST_CASE("slash: a close reason is at most 123 bytes", "[slash]") {
    CHECK(parse_slash_command("/close 1000 " + std::string(123, 'r')).close_reason.size() == 123);
    auto c = parse_slash_command("/close 1000 " + std::string(124, 'r'));
    CHECK(c.kind == Kind::invalid);
    CHECK_THAT(c.error, Contains("123 bytes"));
    // Bytes, not characters: 62 two-byte characters are 124 bytes.
    std::string accents;
    for (int i = 0; i < 62; ++i) accents += "\xc3\xa9";
    CHECK(parse_slash_command("/close 1000 " + accents).kind == Kind::invalid);
}

TEST_CASE("slash: /bin HEX", "[slash]") {
    auto c = parse_slash_command("/bin 48 69 00 ff");
    CHECK(c.kind == Kind::binary);
    CHECK(c.message.opcode == Opcode::binary);
    CHECK(c.message.payload == std::string("Hi\0\xff", 4));
    CHECK(parse_slash_command("/bin 4869").message.payload == "Hi");
    CHECK(parse_slash_command("/bin 48:69").message.payload == "Hi");

    for (std::string_view line : {"/bin zz", "/bin 486", "/bin 4 869", "/bin 0x48"}) {
        INFO(line);
        auto bad = parse_slash_command(line);
        CHECK(bad.kind == Kind::invalid);
        CHECK_THAT(bad.error, Contains("/bin takes hex bytes"));
    }
}

TEST_CASE("slash: /quit and /help", "[slash]") {
    CHECK(parse_slash_command("/quit").kind == Kind::quit);
    CHECK(parse_slash_command("/exit").kind == Kind::quit);
    CHECK(parse_slash_command("/help").kind == Kind::help);
    std::string help = wskit::format_slash_help(wskit::client_slash_commands());
    for (const char* command : {"/ping", "/pong", "/close", "/bin", "/quit", "/help", "//"}) {
        CHECK_THAT(help, Contains(command));
    }
    CHECK(help.back() == '\n');
}

TEST_CASE("slash: any other /command is the server's, sent as typed", "[slash]") {
    for (std::string_view line : {"/nick bob", "/me waves at  you", "/who", "/", "/ x", "/PING", "/pingx", "/help2"}) {
        INFO(line);
        auto c = parse_slash_command(line);
        CHECK(c.kind == Kind::to_server);
        CHECK(c.message.opcode == Opcode::text);
        CHECK(c.message.payload == line);
    }
    // A command of the client's own with bad arguments stays an error.
    CHECK(parse_slash_command("/bin zz").kind == Kind::invalid);
    CHECK(parse_slash_command("/close 1006").kind == Kind::invalid);
}

TEST_CASE("slash: /help says where the other commands go", "[slash]") {
    std::string help = wskit::format_slash_help(wskit::client_slash_commands());
    CHECK_THAT(help, Contains("sent as a message"));
    CHECK_THAT(help, Contains("//help sends /help to the server"));
}

// --- listen's commands ---------------------------------------------------------

using LKind = wskit::ListenCommand::Kind;
using wskit::parse_listen_command;

TEST_CASE("listen commands: /to, /kick and /ping name a client by id", "[slash][listen]") {
    auto to = parse_listen_command("/to #3 hello there");
    CHECK(to.kind == LKind::to);
    CHECK(to.target == 3);
    CHECK(to.message.payload == "hello there");
    CHECK(parse_listen_command("/to 12 x").target == 12);

    auto kick = parse_listen_command("/kick 2 4000 bye now");
    CHECK(kick.kind == LKind::kick);
    CHECK(kick.target == 2);
    CHECK(kick.close_code == 4000);
    CHECK(kick.close_reason == "bye now");
    CHECK(parse_listen_command("/kick 2").close_code == 1000);

    CHECK(parse_listen_command("/ping").kind == LKind::ping);
    CHECK(parse_listen_command("/ping").target == 0);  // every client
    CHECK(parse_listen_command("/ping #5").target == 5);
    CHECK(parse_listen_command("/list").kind == LKind::list);
}

TEST_CASE("listen commands: the client's commands and messages work alike", "[slash][listen]") {
    CHECK(parse_listen_command("hello").kind == LKind::message);
    CHECK(parse_listen_command("//to 3 x").message.payload == "/to 3 x");
    auto bin = parse_listen_command("/bin 48 69");
    CHECK(bin.kind == LKind::binary);
    CHECK(bin.message.payload == "Hi");
    auto close = parse_listen_command("/close 4001 going");
    CHECK(close.kind == LKind::close);
    CHECK(close.close_code == 4001);
    CHECK(parse_listen_command("/quit").kind == LKind::quit);
    CHECK(parse_listen_command("/help").kind == LKind::help);
}

TEST_CASE("listen commands: bad ids and arguments say what is expected", "[slash][listen]") {
    for (std::string_view line : {"/to", "/to 3", "/to x hello", "/to 0 hello", "/kick", "/kick #", "/ping x",
                                  "/ping 3 4", "/kick 3 99", "/close 1006", "/pong", "/frobnicate"}) {
        INFO(line);
        auto c = parse_listen_command(line);
        CHECK(c.kind == LKind::invalid);
        CHECK_FALSE(c.error.empty());
    }
    CHECK_THAT(parse_listen_command("/to x hello").error, Contains("/to 3 hello"));
    CHECK_THAT(parse_listen_command("/kick 3 99").error, Contains("close code"));
    CHECK_THAT(parse_listen_command("/frobnicate").error, Contains("unknown command /frobnicate"));
}

TEST_CASE("listen commands: /help lists every command of the table", "[slash][listen]") {
    auto help = wskit::format_slash_help(wskit::listen_slash_commands());
    for (const char* command : {"/to", "/list", "/kick", "/ping", "/close", "/bin", "/quit", "/help", "//"})
        CHECK_THAT(help, Contains(command));
}
