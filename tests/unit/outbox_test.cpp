// What the proxy sends on one leg, on its way (proxy/outbox.hpp): held until
// the leg opens, then delayed, throttled and thinned by the faults, in order,
// on a real EventLoop.
#include "proxy/outbox.hpp"

#include <wskit/loop.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

using namespace wskit;
using detail::Outbox;
using Clock = Outbox::Clock;
using std::chrono::milliseconds;

namespace {

// A guard, not a synchronisation: each test stops its loop once what it
// waits for has been delivered; this only keeps a broken Outbox from hanging
// the suite.
constexpr milliseconds give_up{5000};

Message text(std::string payload) { return {Opcode::text, std::move(payload)}; }

// An Outbox on its own loop that records what it hands on, and when.
struct Bench {
    EventLoop loop;
    ProxyFaults faults;
    std::vector<Message> delivered;
    std::vector<Clock::time_point> delivered_at;
    std::vector<Message> dropped;
    int emptied = 0;
    std::vector<std::size_t> held_when_emptied;
    std::size_t expected = 0;  // the loop stops once this many have been delivered
    std::unique_ptr<Outbox> box;

    void make(bool faulty) {
        Outbox::Handlers h;
        h.deliver = [this](Message& m) {
            delivered_at.push_back(Clock::now());
            delivered.push_back(std::move(m));
            if (expected && delivered.size() == expected) loop.stop();
        };
        h.dropped = [this](const Message& m) { dropped.push_back(m); };
        h.emptied = [this] {
            ++emptied;
            held_when_emptied.push_back(box->held_bytes());
        };
        box = std::make_unique<Outbox>(loop, faults, faulty, std::move(h));
    }

    // Runs the loop until `expected` messages have been delivered (or the guard).
    void run_until(std::size_t count) {
        expected = count;
        if (delivered.size() >= count) return;
        auto guard = loop.after(give_up, [this] { loop.stop(); });
        loop.run();
        loop.cancel(guard);
    }

    std::vector<std::string> payloads() const {
        std::vector<std::string> out;
        for (const auto& m : delivered) out.push_back(m.payload);
        return out;
    }
};

}  // namespace

TEST_CASE("outbox: nothing goes out before open(), then everything in order", "[outbox]") {
    Bench b;
    b.make(true);
    b.box->push(text("one"));
    b.box->push({Opcode::ping, "p"});
    b.box->push({Opcode::binary, std::string(10, '\0')});
    CHECK(b.delivered.empty());
    CHECK(b.box->held_bytes() == 3 + 1 + 10);
    CHECK(b.box->delivered() == 0);
    CHECK(b.emptied == 0);

    b.box->open();
    REQUIRE(b.delivered.size() == 3);
    CHECK(b.payloads() == std::vector<std::string>{"one", "p", std::string(10, '\0')});
    CHECK(b.delivered[1].opcode == Opcode::ping);
    CHECK(b.delivered[2].opcode == Opcode::binary);
    CHECK(b.box->held_bytes() == 0);
    CHECK(b.box->delivered() == 2);  // data messages only
    CHECK(b.emptied == 1);
    CHECK(b.held_when_emptied == std::vector<std::size_t>{0});

    // Once open and without faults, a message goes out as it comes.
    b.box->push(text("four"));
    CHECK(b.payloads().back() == "four");
    CHECK(b.box->delivered() == 3);
    CHECK(b.box->held_bytes() == 0);
}

TEST_CASE("outbox: a leg the faults are not on ignores them", "[outbox]") {
    Bench b;
    b.faults.delay = milliseconds(500);
    b.faults.jitter = milliseconds(100);
    b.faults.throttle = 1;
    b.faults.drop_every = 1;
    b.make(false);
    b.box->open();
    for (int i = 0; i < 5; ++i) b.box->push(text("m" + std::to_string(i)));
    // All of them at once: no delay, no throttle, none dropped.
    CHECK(b.payloads() == std::vector<std::string>{"m0", "m1", "m2", "m3", "m4"});
    CHECK(b.dropped.empty());
    CHECK(b.box->held_bytes() == 0);
    CHECK(b.box->delivered() == 5);
}

TEST_CASE("outbox: drop_every drops every Nth data message, never a ping", "[outbox]") {
    Bench b;
    b.faults.drop_every = 3;
    b.make(true);
    b.box->open();
    for (int i = 1; i <= 7; ++i) {
        b.box->push({Opcode::ping, "before " + std::to_string(i)});
        b.box->push({i % 2 ? Opcode::text : Opcode::binary, std::to_string(i)});
        b.box->push({Opcode::pong, "after " + std::to_string(i)});
    }
    std::vector<std::string> data;
    int controls = 0;
    for (const auto& m : b.delivered) {
        if (m.opcode == Opcode::text || m.opcode == Opcode::binary) data.push_back(m.payload);
        else ++controls;
    }
    CHECK(data == std::vector<std::string>{"1", "2", "4", "5", "7"});
    CHECK(controls == 14);  // every ping and pong went out
    REQUIRE(b.dropped.size() == 2);
    CHECK(b.dropped[0].payload == "3");
    CHECK(b.dropped[0].opcode == Opcode::text);
    CHECK(b.dropped[1].payload == "6");
    CHECK(b.dropped[1].opcode == Opcode::binary);
    CHECK(b.box->delivered() == 5);
}

TEST_CASE("outbox: drop_every counts the messages held before open()", "[outbox]") {
    Bench b;
    b.faults.drop_every = 2;
    b.make(true);
    for (int i = 1; i <= 4; ++i) b.box->push(text(std::to_string(i)));
    CHECK(b.delivered.empty());
    CHECK(b.dropped.size() == 2);
    CHECK(b.box->held_bytes() == 2);  // what was dropped is not held
    b.box->open();
    CHECK(b.payloads() == std::vector<std::string>{"1", "3"});
}

TEST_CASE("outbox: a delay with jitter keeps the order and is never shorter than delay - jitter", "[outbox]") {
    Bench b;
    b.faults.delay = milliseconds(60);
    b.faults.jitter = milliseconds(40);
    b.make(true);
    b.box->open();
    std::vector<Clock::time_point> pushed_at;
    auto push = [&](int i) {
        pushed_at.push_back(Clock::now());
        b.box->push(i % 4 == 3 ? Message{Opcode::ping, std::to_string(i)} : text(std::to_string(i)));
    };
    // A burst, then more while the first are on their way: with ±40 ms,
    // some later messages draw a shorter delay than the ones ahead of them.
    for (int i = 0; i < 15; ++i) push(i);
    CHECK(b.delivered.empty());  // nothing goes out at once
    CHECK(b.box->held_bytes() > 0);
    b.loop.after(milliseconds(15), [&] {
        for (int i = 15; i < 30; ++i) push(i);
    });
    b.run_until(30);

    REQUIRE(b.delivered.size() == 30);
    for (std::size_t i = 0; i < b.delivered.size(); ++i) {
        INFO("message " << i);
        CHECK(b.delivered[i].payload == std::to_string(i));
        auto waited = std::chrono::duration_cast<std::chrono::microseconds>(b.delivered_at[i] - pushed_at[i]);
        CHECK(waited >= milliseconds(60 - 40));
    }
    CHECK(b.box->held_bytes() == 0);
    CHECK(b.dropped.empty());
}

TEST_CASE("outbox: a plain delay holds every message at least that long", "[outbox]") {
    Bench b;
    b.faults.delay = milliseconds(30);
    b.make(true);
    b.box->open();
    auto start = Clock::now();
    b.box->push(text("a"));
    b.box->push({Opcode::pong, "b"});
    CHECK(b.delivered.empty());
    b.run_until(2);
    REQUIRE(b.delivered.size() == 2);
    CHECK(b.delivered_at[0] - start >= milliseconds(30));
    CHECK(b.payloads() == std::vector<std::string>{"a", "b"});
}

TEST_CASE("outbox: throttle spaces the messages by their payload size", "[outbox]") {
    Bench b;
    b.faults.throttle = 1000;  // bytes per second: 50 bytes take 50 ms
    b.make(true);
    b.box->open();
    auto start = Clock::now();
    for (int i = 0; i < 5; ++i) b.box->push(text(std::string(50, static_cast<char>('a' + i))));
    CHECK(!b.delivered.empty());  // the first goes out at once
    CHECK(b.box->held_bytes() == 50 * (5 - b.delivered.size()));
    b.run_until(5);

    REQUIRE(b.delivered.size() == 5);
    for (int i = 0; i < 5; ++i) CHECK(b.delivered[i].payload == std::string(50, static_cast<char>('a' + i)));
    // Four messages wait for the 50 bytes ahead of each of them.
    CHECK(b.delivered_at.back() - start >= milliseconds(4 * 50));
    CHECK(b.box->held_bytes() == 0);
}

TEST_CASE("outbox: held_bytes counts what waits and goes back to 0", "[outbox]") {
    Bench b;
    b.faults.delay = milliseconds(20);
    b.make(true);
    b.box->open();
    b.box->push(text("12345"));
    CHECK(b.box->held_bytes() == 5);
    b.box->push({Opcode::binary, std::string(1000, 'x')});
    CHECK(b.box->held_bytes() == 1005);
    b.box->push({Opcode::ping, ""});
    CHECK(b.box->held_bytes() == 1005);
    b.run_until(3);
    REQUIRE(b.delivered.size() == 3);
    CHECK(b.box->held_bytes() == 0);
}

TEST_CASE("outbox: emptied is called when what was held has all gone out", "[outbox]") {
    Bench b;
    b.faults.delay = milliseconds(20);
    b.make(true);
    b.box->open();
    for (int i = 0; i < 4; ++i) b.box->push(text("m" + std::to_string(i)));
    CHECK(b.emptied == 0);
    b.run_until(4);
    REQUIRE(b.delivered.size() == 4);
    // Perhaps more than once (the timer may find only part of the queue due),
    // but never while something was still held, and once at the end.
    REQUIRE(b.emptied >= 1);
    for (auto held : b.held_when_emptied) CHECK(held == 0);
    CHECK(b.box->held_bytes() == 0);

    // A message that goes straight out was never held: no emptied for it.
    b.faults.delay = milliseconds(0);
    int before = b.emptied;
    b.box->push(text("direct"));
    CHECK(b.delivered.size() == 5);
    CHECK(b.emptied == before);
}

TEST_CASE("outbox: a destroyed outbox delivers nothing more", "[outbox]") {
    Bench b;
    b.faults.delay = milliseconds(20);
    b.make(true);
    b.box->open();
    b.box->push(text("never"));
    b.box.reset();  // its timer is cancelled: nothing fires into a dead Outbox
    bool waited = false;
    b.loop.after(milliseconds(60), [&] {
        waited = true;
        b.loop.stop();
    });
    b.run_until(1);
    CHECK(waited);
    CHECK(b.delivered.empty());
}
