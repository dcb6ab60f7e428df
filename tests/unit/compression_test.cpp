#include "support.hpp"

#include "proto/deflate_codec.hpp"

#include <wskit/compression.hpp>

#include <random>

using Catch::Matchers::Contains;
using wskit::check_deflate_answer;
using wskit::choose_deflate;
using wskit::DeflateOffer;
using wskit::DeflateParams;
using wskit::DeflatePolicy;
using wskit::ExitCode;
using wskit::parse_compress_option;
using wskit::parse_extensions;
using wskit::test::error_message;

TEST_CASE("parse_extensions: elements, parameters, quoted values", "[compression]") {
    auto list = parse_extensions("permessage-deflate; client_max_window_bits=\"10\"; server_no_context_takeover, x-foo");
    REQUIRE(list);
    REQUIRE(list->size() == 2);
    CHECK((*list)[0].name == "permessage-deflate");
    REQUIRE((*list)[0].params.size() == 2);
    CHECK((*list)[0].params[0].name == "client_max_window_bits");
    CHECK((*list)[0].params[0].value == "10");
    CHECK_FALSE((*list)[0].params[1].value);
    CHECK((*list)[1].name == "x-foo");
    CHECK(parse_extensions("")->empty());
    CHECK_FALSE(parse_extensions("permessage-deflate;"));
    CHECK_FALSE(parse_extensions("permessage-deflate; a="));
    CHECK_FALSE(parse_extensions("permessage-deflate; a=\"1 0\""));
    CHECK_FALSE(parse_extensions("permessage-deflate x"));
}

TEST_CASE("parse_compress_option: the offer a user asks for", "[compression]") {
    auto plain = parse_compress_option("");
    CHECK(wskit::format_offer(plain) == "permessage-deflate; client_max_window_bits");
    auto all = parse_compress_option("server_no_context_takeover,client_no_context_takeover,server_max_window_bits=10,"
                                     "client_max_window_bits=9");
    CHECK(wskit::format_offer(all) ==
          "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; "
          "client_max_window_bits=9");
    CHECK_THAT(error_message([] { parse_compress_option("bogus"); }, ExitCode::usage), Contains("unknown parameter bogus"));
    CHECK_THAT(error_message([] { parse_compress_option("server_max_window_bits=16"); }, ExitCode::usage),
               Contains("not a window size"));
    CHECK_THAT(error_message([] { parse_compress_option("server_no_context_takeover=1"); }, ExitCode::usage),
               Contains("takes no value"));
    CHECK_THAT(error_message([] { parse_compress_option("server_no_context_takeover,server_no_context_takeover"); },
                             ExitCode::usage),
               Contains("appears twice"));
}

TEST_CASE("choose_deflate: the server's choice (RFC 7692 7.1)", "[compression]") {
    DeflatePolicy policy;
    SECTION("a browser's offer: no context takeover for the server by default") {
        auto p = choose_deflate("permessage-deflate; client_max_window_bits", policy);
        REQUIRE(p);
        CHECK(p->server_no_context_takeover);
        CHECK_FALSE(p->client_no_context_takeover);
        CHECK(p->client_max_window_bits == 15);
        CHECK(wskit::format_response(*p) == "permessage-deflate; server_no_context_takeover");
    }
    SECTION("the policy can keep the context") {
        auto p = choose_deflate("permessage-deflate", DeflatePolicy{false});
        REQUIRE(p);
        CHECK(wskit::format_response(*p) == "permessage-deflate");
    }
    SECTION("window sizes and the client's no-context-takeover are acknowledged") {
        auto p = choose_deflate("permessage-deflate; server_max_window_bits=10; client_max_window_bits=9; "
                                "client_no_context_takeover",
                                policy);
        REQUIRE(p);
        CHECK(wskit::format_response(*p) ==
              "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; "
              "client_max_window_bits=9");
    }
    SECTION("invalid offers are declined and the next one accepted") {
        for (const char* bad : {"permessage-deflate; server_max_window_bits=16", "permessage-deflate; server_max_window_bits",
                                "permessage-deflate; client_max_window_bits=7", "permessage-deflate; x=1",
                                "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
                                "permessage-deflate; client_no_context_takeover=yes",
                                "permessage-deflate; server_max_window_bits=010"}) {
            INFO(bad);
            CHECK_FALSE(choose_deflate(bad, policy));
            auto next = choose_deflate(std::string(bad) + ", permessage-deflate; server_max_window_bits=11", policy);
            REQUIRE(next);
            CHECK(next->server_max_window_bits == 11);
        }
    }
    SECTION("a 256-byte window cannot be met: the next offer is") {
        auto p = choose_deflate("permessage-deflate; server_max_window_bits=8, permessage-deflate", policy);
        REQUIRE(p);
        CHECK(p->server_max_window_bits == 15);
    }
    SECTION("two acceptable offers: the first wins") {
        auto p = choose_deflate("permessage-deflate; server_max_window_bits=9, permessage-deflate", policy);
        REQUIRE(p);
        CHECK(p->server_max_window_bits == 9);
    }
    SECTION("other extensions and unparsable headers") {
        CHECK_FALSE(choose_deflate("x-webkit-deflate-frame", policy));
        CHECK(choose_deflate("x-webkit-deflate-frame, permessage-deflate", policy));
        CHECK_FALSE(choose_deflate("permessage-deflate;;", policy));
    }
}

TEST_CASE("check_deflate_answer: the client's check (RFC 7692 5, 7.1)", "[compression]") {
    DeflateOffer offer;  // the default: client_max_window_bits
    SECTION("declined") {
        auto a = check_deflate_answer(offer, "");
        CHECK_FALSE(a.params);
        CHECK(a.problem.empty());
    }
    SECTION("accepted, with every parameter the offer allows") {
        auto a = check_deflate_answer(offer, "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
                                             "server_max_window_bits=10; client_max_window_bits=9");
        REQUIRE(a.params);
        CHECK(a.problem.empty());
        DeflateParams expected{true, true, 10, 9};
        CHECK(*a.params == expected);
    }
    SECTION("problems") {
        DeflateOffer narrow;
        narrow.client_max_window_bits = false;
        narrow.server_max_window_bits = 10;
        struct Case {
            DeflateOffer offer;
            const char* answer;
            const char* problem;
        };
        for (const auto& c : {
                 Case{offer, "permessage-deflate; foo", "unknown parameter foo"},
                 Case{offer, "permessage-deflate; server_max_window_bits=7", "not a window size"},
                 Case{offer, "permessage-deflate; client_max_window_bits", "needs a value"},
                 Case{offer, "permessage-deflate; server_no_context_takeover; server_no_context_takeover", "twice"},
                 Case{offer, "permessage-deflate, permessage-deflate", "accepted permessage-deflate twice"},
                 Case{offer, "x-foo", "extension 'x-foo', which was not offered"},
                 Case{offer, "permessage-deflate;", "does not parse"},
                 Case{narrow, "permessage-deflate; server_max_window_bits=10; client_max_window_bits=10",
                      "client_max_window_bits, which was not offered"},
                 Case{narrow, "permessage-deflate; server_max_window_bits=11", "above the 10 offered"},
                 Case{narrow, "permessage-deflate", "leaves out server_max_window_bits"},
             }) {
            INFO(c.answer);
            auto a = check_deflate_answer(c.offer, c.answer);
            CHECK_FALSE(a.params);
            CHECK_THAT(a.problem, Contains(c.problem));
        }
    }
}

namespace {

std::string deflate(wskit::detail::Deflater& d, const std::string& in) {
    std::string out;
    d.compress(in, out);
    REQUIRE(out.size() >= 4);
    CHECK(out.substr(out.size() - 4) == std::string("\x00\x00\xff\xff", 4));
    out.resize(out.size() - 4);  // RFC 7692 7.2.1
    return out;
}

std::string inflate(wskit::detail::Inflater& i, const std::string& in, std::size_t limit = 1 << 20) {
    std::string out;
    auto* p = reinterpret_cast<const std::uint8_t*>(in.data());
    REQUIRE(i.feed(p, in.size(), out, limit) == wskit::detail::InflateResult::ok);
    REQUIRE(i.finish(out, limit) == wskit::detail::InflateResult::ok);
    return out;
}

}  // namespace

TEST_CASE("Deflater and Inflater: round trips, state only while needed", "[compression]") {
    using wskit::detail::Deflater;
    using wskit::detail::Inflater;
    std::string text;
    std::mt19937 rng(7);
    for (int i = 0; i < 2000; ++i) text += "{\"id\":" + std::to_string(rng() % 1000) + ",\"name\":\"item\"} ";
    for (int bits : {8, 9, 12, 15}) {
        for (bool reset : {false, true}) {
            INFO("bits " << bits << " reset " << reset);
            Deflater d(bits, reset);
            Inflater in(bits, reset);
            for (const std::string& m : {text, std::string(), std::string("x"), text}) CHECK(inflate(in, deflate(d, m)) == m);
            CHECK(d.holds_state() == !reset);
            CHECK(in.holds_state() == !reset);
        }
    }
    SECTION("context takeover makes a repeated message smaller") {
        Deflater d(15, false);
        auto message = text.substr(0, 8000);  // within the window
        auto first = deflate(d, message);
        CHECK(deflate(d, message).size() < first.size() / 4);
    }
    SECTION("nothing is allocated before the first message") {
        Inflater in(15, false);
        CHECK_FALSE(in.holds_state());
    }
}

TEST_CASE("Inflater: a bomb stops at the limit, garbage is corrupt", "[compression]") {
    using wskit::detail::Deflater;
    using wskit::detail::InflateResult;
    using wskit::detail::Inflater;
    Deflater d(15, true);
    std::string zeros(8 << 20, '\0');
    std::string bomb;
    d.compress(zeros, bomb);
    bomb.resize(bomb.size() - 4);
    CHECK(bomb.size() < 16 * 1024);
    Inflater in(15, false);
    std::string out;
    auto r = in.feed(reinterpret_cast<const std::uint8_t*>(bomb.data()), bomb.size(), out, 100000);
    CHECK(r == InflateResult::too_big);
    CHECK(out.size() <= 100001);

    Inflater bad(15, false);
    std::string garbage = "\xff\xff\xff\xff\xff";
    out.clear();
    CHECK(bad.feed(reinterpret_cast<const std::uint8_t*>(garbage.data()), garbage.size(), out, 1000) ==
          InflateResult::corrupt);
}
