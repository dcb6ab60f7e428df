// What wskit bench reports about a fan-out over several servers: the URLs,
// which server each receiver was on, and a row per server; and where the
// receivers go. Results are built by hand: no connection is opened.
#include <wskit/tool/bench.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using namespace wskit;

namespace {

BenchResult two_server_fanout() {
    BenchResult r;
    r.options.mode = BenchMode::fanout;
    r.options.client.url = parse_url("ws://127.0.0.1:9001/room");
    r.options.other_servers = {parse_url("ws://127.0.0.1:9002/room")};
    r.options.connections = 4;
    r.receivers = {{100, 0, 0, 0}, {98, 2, 0, 1}, {100, 0, 0, 0}, {101, 0, 1, 1}};
    r.lost = 2;
    r.duplicated = 1;
    return r;
}

}  // namespace

TEST_CASE("bench: receivers spread round robin over the servers, from the first", "[bench]") {
    std::vector<std::size_t> seen;
    for (std::size_t i = 0; i < 5; ++i) seen.push_back(bench_server_of_receiver(i, 2));
    CHECK(seen == std::vector<std::size_t>{0, 1, 0, 1, 0});
    CHECK(bench_server_of_receiver(7, 1) == 0);
    CHECK(bench_server_of_receiver(7, 3) == 1);
}

TEST_CASE("bench: the servers of a run are its URL, then the others in order", "[bench]") {
    BenchOptions o;
    o.client.url = parse_url("ws://a:1/");
    CHECK(bench_servers(o).size() == 1);
    o.other_servers = {parse_url("wss://b:2/x"), parse_url("ws://c:3/")};
    auto servers = bench_servers(o);
    REQUIRE(servers.size() == 3);
    CHECK(servers[0].str() == "ws://a:1/");
    CHECK(servers[1].str() == "wss://b:2/x");
    CHECK(servers[2].str() == "ws://c:3/");
}

TEST_CASE("bench: a fan-out over two servers lists both and adds up each one's receivers", "[bench]") {
    auto text = bench_summary(two_server_fanout());
    CHECK(text.rfind("wskit bench --mode fanout ws://127.0.0.1:9001/room ws://127.0.0.1:9002/room\n", 0) == 0);
    CHECK_THAT(text, Catch::Matchers::Contains(
                         "per server            ws://127.0.0.1:9001/room: 2 receivers, 200 received, 0 lost, "
                         "0 duplicated\n"
                         "                        ws://127.0.0.1:9002/room: 2 receivers, 199 received, 2 lost, "
                         "1 duplicated\n"));

    auto j = nlohmann::json::parse(bench_json(two_server_fanout()));
    CHECK(j["url"] == "ws://127.0.0.1:9001/room");
    CHECK(j["urls"] == nlohmann::json::array({"ws://127.0.0.1:9001/room", "ws://127.0.0.1:9002/room"}));
    REQUIRE(j["receivers"].size() == 4);
    CHECK(j["receivers"][1] == nlohmann::json({{"received", 98}, {"lost", 2}, {"duplicated", 0}, {"server", 1}}));
    CHECK(j["receivers"][2]["server"] == 0);
}

TEST_CASE("bench: one server reads as before, with its URL alone in urls", "[bench]") {
    auto r = two_server_fanout();
    r.options.other_servers.clear();
    for (auto& rec : r.receivers) rec.server = 0;
    auto text = bench_summary(r);
    CHECK(text.rfind("wskit bench --mode fanout ws://127.0.0.1:9001/room\n", 0) == 0);
    CHECK_THAT(text, !Catch::Matchers::Contains("per server"));
    auto j = nlohmann::json::parse(bench_json(r));
    CHECK(j["urls"] == nlohmann::json::array({"ws://127.0.0.1:9001/room"}));
}

TEST_CASE("bench: only fan-out takes several servers", "[bench]") {
    BenchOptions o;
    o.mode = BenchMode::echo;
    o.client.url = parse_url("ws://127.0.0.1:1/");
    o.other_servers = {parse_url("ws://127.0.0.1:2/")};
    try {
        run_bench(o, {}, {});
        FAIL("an echo run over two servers was accepted");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::usage);
        CHECK(std::string(e.what()) == "--mode echo takes one URL; only fanout spreads over several");
    }
}

namespace {

BenchResult echo_run() {
    BenchResult r;
    r.options.mode = BenchMode::echo;
    r.options.client.url = parse_url("ws://127.0.0.1:9000/");
    r.options.connections = 10;
    r.opened = 10;
    r.open_at_end = 10;
    r.seconds = 10;
    r.measured = 5000;
    return r;
}

// Every connection of `role` gone after `after` seconds, the first with this close.
void closed_early(BenchResult& r, double after, int code, std::string reason, std::string role) {
    r.ended_early = true;
    r.gone_after = after;
    r.errors.first_close_code = code;
    r.errors.first_close_reason = std::move(reason);
    r.errors.first_closed_role = std::move(role);
}

}  // namespace

TEST_CASE("bench verdict: a run that measured is ok, errors and all", "[bench]") {
    auto r = echo_run();
    r.errors.closed = 2;
    CHECK(bench_verdict(r).code == ExitCode::ok);
    CHECK(bench_verdict(r).message.empty());
}

TEST_CASE("bench verdict: nothing opened is the first failure's class, in the classifier's words", "[bench]") {
    auto r = echo_run();
    r.opened = r.open_at_end = 0;
    r.measured = 0;
    r.errors.first_opening = ConnectFailure{ExitCode::timeout, "ws://127.0.0.1:9000/ did not answer the upgrade request"};
    auto v = bench_verdict(r);
    CHECK(v.code == ExitCode::timeout);
    CHECK(v.message == "no connection opened: ws://127.0.0.1:9000/ did not answer the upgrade request");
}

TEST_CASE("bench verdict: every connection closed early is exit 6 with the close, and a hint in echo mode", "[bench]") {
    auto r = echo_run();
    closed_early(r, 0.012, 1008, "too \x1b[31mfast", "connection");
    r.open_at_end = 0;
    r.errors.closed = 10;
    r.errors.protocol = 1;
    auto v = bench_verdict(r);
    CHECK(v.code == ExitCode::abnormal_close);
    CHECK(v.message == "all 10 connections were closed by the server after 12 ms (1008: too \\x1b[31mfast), and 1 "
                       "reply was not an echo: not an echo server? try --mode fanout");
    closed_early(r, 2.5, 1000, "", "connection");
    r.errors.protocol = 0;
    v = bench_verdict(r);
    CHECK(v.code == ExitCode::runtime);  // closed normally, but the run could not go on
    CHECK(v.message == "all 10 connections were closed by the server after 2.50 s (1000)");
}

TEST_CASE("bench verdict: a fan-out sender closed for its rate names the way out", "[bench]") {
    BenchResult r;
    r.options.mode = BenchMode::fanout;
    r.options.connections = 3;
    r.options.senders = 1;
    r.options.rate = 1000;
    r.opened = 4;
    r.measured = 30;
    closed_early(r, 0.2, 1008, "more than 10 messages per second", "sender");
    auto v = bench_verdict(r);
    CHECK(v.code == ExitCode::abnormal_close);
    CHECK(v.message == "the sender was closed by the server after 200 ms (1008: more than 10 messages per second): a "
                       "rate limit? lower --rate (1000 msg/s over 1 sender), or lift the server's (wskit chat --rate 0)");
}

TEST_CASE("bench verdict: open connections and nothing measured is a timeout", "[bench]") {
    auto r = echo_run();
    r.measured = 0;
    r.seconds = 0.5;
    auto v = bench_verdict(r);
    CHECK(v.code == ExitCode::timeout);
    CHECK(v.message == "no echo came back in 500 ms: not an echo server? for a room that relays to everyone, try "
                       "--mode fanout");
    r.options.mode = BenchMode::fanout;
    r.options.senders = 1;
    r.errors.first_opening = ConnectFailure{ExitCode::handshake, "handshake rejected: 503"};
    r.opened = 10;
    v = bench_verdict(r);
    CHECK(v.code == ExitCode::handshake);
    CHECK(v.message == "1 of 11 connections did not open, and a fan-out needs them all: handshake rejected: 503");
}

TEST_CASE("bench json: numbers rounded to what they tell, and the verdict's error", "[bench]") {
    auto r = echo_run();
    r.per_second = 1234.5678;
    r.mb_per_second = 0.0395061728;
    r.seconds = 10.000123456;
    r.latency = {5000, 12345, 23456, 34567, 45678, 56789, 67890, 23456.789};
    r.client_cpu_percent = 12.3456;
    auto j = nlohmann::json::parse(bench_json(r));
    CHECK(j["per_second"] == 1235);
    CHECK(j["per_second"].is_number_integer());
    CHECK(j["mb_per_second"] == 0.04);
    CHECK(j["seconds"] == 10.0);
    CHECK(j["latency_us"]["min"] == 12.3);
    CHECK(j["latency_us"]["mean"] == 23.5);
    CHECK(j["latency_us"]["p99_9"] == 56.8);
    CHECK(j["client_cpu_percent"] == 12.3);
    CHECK(j["error"].is_null());
    r.measured = 0;
    CHECK(nlohmann::json::parse(bench_json(r))["error"] == bench_verdict(r).message);
}

TEST_CASE("bench summary: one of a kind is not plural", "[bench]") {
    BenchResult r;
    r.options.mode = BenchMode::fanout;
    r.options.client.url = parse_url("ws://127.0.0.1:9001/room");
    r.options.other_servers = {parse_url("ws://127.0.0.1:9002/room")};
    r.options.connections = 2;
    r.options.senders = 1;
    r.sent = 1;
    r.receivers = {{1, 0, 0, 0}, {1, 0, 0, 1}};
    auto text = bench_summary(r);
    CHECK_THAT(text, Catch::Matchers::Contains("load                  2 receivers, 1 sender, 32 B"));
    CHECK_THAT(text, Catch::Matchers::Contains("sent                  1 message\n"));
    CHECK_THAT(text, Catch::Matchers::Contains("ws://127.0.0.1:9001/room: 1 receiver, 1 received"));
}
