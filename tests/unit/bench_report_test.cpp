// What wskit bench reports about a fan-out over several servers: the URLs,
// which server each receiver was on, and a row per server; and where the
// receivers go. Results are built by hand: no connection is opened.
#include <wskit/bench.hpp>

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
