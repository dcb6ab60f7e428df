#include "support.hpp"

#include <wskit/chat/room.hpp>

#include <nlohmann/json.hpp>

using namespace std::chrono_literals;
using namespace wskit::chat;
using wskit::ConnId;

namespace {

const Time t0 = Time{} + 1'700'000'000s;

// A hub on a LocalBus whose outputs are kept, as values.
struct Fixture {
    explicit Fixture(HubOptions options = {}, Bus* shared = nullptr, std::string node = "local")
        : hub(shared ? *shared : local, options, [this](Output&& o) { outputs.push_back(std::move(o)); },
              std::move(node)) {}

    // What `conn` was sent, in order, and forgets it.
    std::vector<std::string> take(ConnId conn) {
        std::vector<std::string> got;
        for (auto& o : outputs)
            if (o.kind == Output::Kind::deliver && std::find(o.to.begin(), o.to.end(), conn) != o.to.end())
                got.push_back(o.text);
        for (auto& o : outputs) o.to.erase(std::remove(o.to.begin(), o.to.end(), conn), o.to.end());
        return got;
    }
    std::vector<Output> of_kind(Output::Kind kind) const {
        std::vector<Output> out;
        for (const auto& o : outputs)
            if (o.kind == kind) out.push_back(o);
        return out;
    }

    LocalBus local;
    std::vector<Output> outputs;
    Hub hub;
};

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("Hub: rooms by path, join and leave notices, messages to the room only", "[chat]") {
    Fixture f;
    f.hub.join(1, "/?name=alice", WireFormat::text, t0);
    CHECK(f.take(1) == Lines{"* online in / (1): alice", "* you are alice in /; /help lists the commands"});
    f.hub.join(2, "/?name=bob", WireFormat::text, t0);
    f.hub.join(3, "/rust?name=carol", WireFormat::text, t0);
    CHECK(f.take(1) == Lines{"* bob joined"});
    f.take(2);
    f.take(3);
    f.hub.receive(2, "hello", t0);
    f.hub.receive(3, "in rust", t0);
    CHECK(f.take(1) == Lines{"bob: hello"});
    CHECK(f.take(2).empty());  // not echoed to its author
    CHECK(f.take(3).empty());
    f.hub.leave(2, t0);
    CHECK(f.take(1) == Lines{"* bob left"});
    CHECK(f.hub.client_count() == 2);
    CHECK(f.hub.room_of(3) == "/rust");
    CHECK(f.hub.name_of(1) == "alice");
}

TEST_CASE("Hub: one delivery per format for all the others (framed once)", "[chat]") {
    Fixture f;
    for (ConnId c = 1; c <= 4; ++c) f.hub.join(c, "/", c % 2 ? WireFormat::text : WireFormat::json, t0);
    f.outputs.clear();
    f.hub.receive(1, "hi", t0);
    auto deliveries = f.of_kind(Output::Kind::deliver);
    REQUIRE(deliveries.size() == 2);
    CHECK(deliveries[0].to == std::vector<ConnId>{3});
    CHECK(deliveries[0].text == "guest-1: hi");
    CHECK(deliveries[1].to == std::vector<ConnId>{2, 4});
    auto j = nlohmann::json::parse(deliveries[1].text);
    CHECK(j["type"] == "message");
    CHECK(j["from"] == "guest-1");
    CHECK(j["text"] == "hi");
    CHECK(j["room"] == "/");
    CHECK(j["ts"] == "2023-11-14T22:13:20.000Z");
    CHECK(j["id"].is_number_unsigned());
}

TEST_CASE("Hub: a JSON author gets its own message marked self", "[chat]") {
    Fixture f;
    f.hub.join(1, "/?name=alice", WireFormat::json, t0);
    f.take(1);
    f.hub.receive(1, "mine", t0);
    auto got = f.take(1);
    REQUIRE(got.size() == 1);
    auto j = nlohmann::json::parse(got[0]);
    CHECK(j["self"] == true);
    CHECK(j["text"] == "mine");
}

TEST_CASE("Hub: names are cleaned, unique per room, guest-N by default", "[chat]") {
    Fixture f({}, nullptr);
    f.hub.join(1, "/?name=%20alice%20", WireFormat::text, t0);
    f.hub.join(2, "/?name=Alice", WireFormat::text, t0);
    f.hub.join(3, "/other?name=alice", WireFormat::text, t0);  // another room: free
    f.hub.join(4, "/", WireFormat::text, t0);
    f.hub.join(5, "/?name=x%1b%5b2J", WireFormat::text, t0);
    CHECK(f.hub.name_of(1) == "alice");
    CHECK(f.hub.name_of(2) == "Alice-2");
    CHECK(f.hub.name_of(3) == "alice");
    CHECK(f.hub.name_of(4) == "guest-1");
    CHECK(f.hub.name_of(5) == "x[2J");
}

TEST_CASE("Hub: /nick renames (unique), /who, /me, /rooms, /help, unknown commands, //", "[chat]") {
    Fixture f;
    f.hub.join(1, "/?name=alice", WireFormat::text, t0);
    f.hub.join(2, "/?name=bob", WireFormat::text, t0);
    f.hub.join(3, "/rust?name=carol", WireFormat::text, t0);
    f.take(1), f.take(2), f.take(3);

    f.hub.receive(2, "/nick  Alice ", t0);
    CHECK(f.hub.name_of(2) == "Alice-2");
    CHECK(f.take(1) == Lines{"* bob is now known as Alice-2"});
    CHECK(f.take(2) == Lines{"* you are now known as Alice-2"});
    f.hub.receive(2, "/nick Alice-2", t0);
    CHECK(f.take(2) == Lines{"* you are already Alice-2"});
    f.hub.receive(2, "/nick", t0);
    CHECK(f.take(2) == Lines{"* usage: /nick NAME"});

    f.hub.receive(1, "/who", t0);
    CHECK(f.take(1) == Lines{"* online in / (2): alice, Alice-2"});
    f.hub.receive(1, "/me waves", t0);
    CHECK(f.take(2) == Lines{"* alice waves"});
    CHECK(f.take(1).empty());
    f.hub.receive(1, "/rooms", t0);
    CHECK(f.take(1) == Lines{"* rooms: / (2), /rust (1)"});
    f.hub.receive(1, "/help", t0);
    auto help = f.take(1);
    REQUIRE(help.size() == 1);
    for (const auto& c : chat_slash_commands()) CHECK(help[0].find(c.usage) != std::string::npos);
    f.hub.receive(1, "/dance", t0);
    auto unknown = f.take(1);
    REQUIRE(unknown.size() == 1);
    CHECK(unknown[0].find("unknown command /dance") != std::string::npos);
    f.hub.receive(1, "//dance", t0);
    CHECK(f.take(2) == Lines{"alice: /dance"});
}

TEST_CASE("Hub: history of the last N messages, replayed to newcomers as history", "[chat]") {
    HubOptions o;
    o.history = 2;
    o.rate = 0;
    Fixture f(o);
    f.hub.join(1, "/?name=alice", WireFormat::text, t0);
    for (auto m : {"one", "two", "three"}) f.hub.receive(1, m, t0);
    f.hub.receive(1, "/me sighs", t0);
    f.hub.join(2, "/?name=bob", WireFormat::text, t0);
    CHECK(f.take(2) == Lines{"[history] alice: three", "[history] * alice sighs", "* online in / (2): alice, bob",
                             "* you are bob in /; /help lists the commands"});
    f.hub.join(3, "/?name=carol", WireFormat::json, t0);
    auto got = f.take(3);
    REQUIRE(got.size() == 3);
    auto h = nlohmann::json::parse(got[0]);
    CHECK(h["type"] == "history");
    CHECK(h["text"] == "three");
    CHECK(h["from"] == "alice");
    auto who = nlohmann::json::parse(got[2]);
    CHECK(who["type"] == "who");
    CHECK(who["names"] == nlohmann::json::array({"alice", "bob", "carol"}));
    CHECK(who["you"] == "carol");
}

TEST_CASE("Hub: an emptied room keeps its history for the next visitor", "[chat]") {
    HubOptions o;
    o.idle_rooms = 1;
    Fixture f(o);
    f.hub.join(1, "/a?name=alice", WireFormat::text, t0);
    f.hub.receive(1, "remember me", t0);
    f.hub.leave(1, t0);
    CHECK(f.hub.rooms().empty());
    f.hub.join(2, "/a", WireFormat::text, t0);
    CHECK(f.take(2).front() == "[history] alice: remember me");
    f.hub.leave(2, t0);
    f.hub.join(3, "/b", WireFormat::text, t0);
    f.hub.receive(3, "b", t0);
    f.hub.leave(3, t0);  // /b idle now: /a is forgotten (one idle room kept)
    f.hub.join(4, "/a", WireFormat::text, t0);
    CHECK(f.take(4).front().rfind("* online", 0) == 0);
}

TEST_CASE("Hub: too fast gets a warning, then a close with 1008", "[chat]") {
    HubOptions o;
    o.rate = 2;
    Fixture f(o);
    f.hub.join(1, "/", WireFormat::text, t0);
    f.hub.join(2, "/", WireFormat::text, t0);
    f.take(1), f.take(2);
    f.hub.receive(1, "a", t0);
    f.hub.receive(1, "b", t0);
    f.hub.receive(1, "c", t0);  // dropped, with a warning
    CHECK(f.take(2) == Lines{"guest-1: a", "guest-1: b"});
    auto warning = f.take(1);
    REQUIRE(warning.size() == 1);
    CHECK(warning[0].find("slow down") != std::string::npos);
    CHECK(f.of_kind(Output::Kind::notice).size() == 1);
    f.hub.receive(1, "d", t0 + 10ms);
    auto closes = f.of_kind(Output::Kind::close);
    REQUIRE(closes.size() == 1);
    CHECK(closes[0].conn == 1);
    CHECK(closes[0].code == 1008);
    f.hub.receive(1, "e", t0 + 20ms);  // closing: ignored
    CHECK(f.of_kind(Output::Kind::close).size() == 1);
    CHECK(f.take(2).empty());
}

TEST_CASE("Hub: message text loses control characters, continuation lines are indented", "[chat]") {
    Fixture f;
    f.hub.join(1, "/?name=eve", WireFormat::text, t0);
    f.hub.join(2, "/", WireFormat::text, t0);
    f.take(2);
    f.hub.receive(1, "hi\x1b[2J\n* bob joined\n", t0);
    CHECK(f.take(2) == Lines{"eve: hi[2J\n  * bob joined"});
    f.hub.receive(1, "   ", t0);  // nothing to say
    CHECK(f.take(2).empty());
}

TEST_CASE("Hub: the transcript records every room event with its connection", "[chat]") {
    Fixture f;
    f.hub.join(7, "/?name=alice", WireFormat::text, t0);
    f.hub.receive(7, "hi", t0);
    f.hub.receive(7, "/nick al", t0);
    f.hub.leave(7, t0);
    auto records = f.of_kind(Output::Kind::record);
    REQUIRE(records.size() == 4);
    CHECK(records[0].event.type == RoomEvent::Type::join);
    CHECK(records[1].event.type == RoomEvent::Type::message);
    CHECK(records[1].event.text == "hi");
    CHECK(records[2].event.type == RoomEvent::Type::rename);
    CHECK(records[2].event.old_name == "alice");
    CHECK(records[3].event.type == RoomEvent::Type::leave);
    CHECK(records[3].event.from == "al");
    for (const auto& r : records) CHECK(r.conn == 7);
}

TEST_CASE("Hub: two hubs on one bus share rooms, as two processes would", "[chat]") {
    LocalBus bus;
    Fixture a({}, &bus, "a");
    Fixture b({}, &bus, "b");
    // A hub hears of the people of a room from the time it serves the room:
    // presence from before that is the bus's job (the Redis step).
    b.hub.join(9, "/?name=bob", WireFormat::text, t0);
    a.hub.join(1, "/?name=alice", WireFormat::text, t0);
    CHECK(b.take(9) == Lines{"* online in / (1): bob", "* you are bob in /; /help lists the commands",
                             "* alice joined"});
    b.hub.join(1, "/?name=alice", WireFormat::text, t0);  // same id, other process: another person
    CHECK(b.hub.name_of(1) == "alice-2");
    CHECK(a.take(1) == Lines{"* online in / (1): alice", "* you are alice in /; /help lists the commands",
                             "* alice-2 joined"});
    b.take(1);
    b.take(9);
    a.hub.receive(1, "from a", t0);
    CHECK(b.take(1) == Lines{"alice: from a"});
    CHECK(b.take(9) == Lines{"alice: from a"});
    CHECK(a.take(1).empty());
    b.hub.receive(1, "/who", t0);
    CHECK(b.take(1) == Lines{"* online in / (3): bob, alice, alice-2"});
    a.hub.leave(1, t0);
    CHECK(b.take(9) == Lines{"* alice left"});
}

namespace {

// A bus that returns events only when told (as one over Redis does, later),
// and knows what a shared bus would of a room.
struct LaterBus final : Bus {
    Subscription subscribe(const std::string& room, Handler handler) override { return local.subscribe(room, std::move(handler)); }
    void unsubscribe(Subscription s) override { local.unsubscribe(s); }
    void publish(const RoomEvent& e) override { queued.push_back(e); }
    void load_room(const std::string&, Loaded done) override { done(known); }
    void flush() {
        auto events = std::move(queued);
        queued.clear();
        for (const auto& e : events) local.publish(e);
    }
    LocalBus local;
    std::vector<RoomEvent> queued;
    RoomState known;
};

}  // namespace

TEST_CASE("Hub on a bus that answers later: one order, nothing said twice", "[chat]") {
    LaterBus bus;
    Fixture f({}, &bus);
    f.hub.join(1, "/?name=alice", WireFormat::text, t0);
    f.hub.join(2, "/?name=bob", WireFormat::text, t0);  // alice's join not back yet
    CHECK(f.take(2) == Lines{"* online in / (2): alice, bob", "* you are bob in /; /help lists the commands"});
    f.hub.receive(1, "hi", t0);
    CHECK(f.take(2).empty());  // nothing until the bus returns it
    bus.flush();
    CHECK(f.take(2) == Lines{"alice: hi"});  // and not "* alice joined": bob was shown alice
    CHECK(f.take(1) == Lines{"* online in / (1): alice", "* you are alice in /; /help lists the commands",
                             "* bob joined"});
}

namespace {

// What zed, in another process, said in `room` before this one served it.
RoomEvent said_elsewhere(const char* room, const char* text) {
    RoomEvent said;
    said.type = RoomEvent::Type::message;
    said.room = room;
    said.from = "zed";
    said.text = text;
    said.origin = "elsewhere";
    return said;
}

}  // namespace

TEST_CASE("Hub: a room opening here starts with what the bus knows of it", "[chat]") {
    LaterBus bus;
    bus.known.history.push_back(said_elsewhere("/", "earlier"));
    bus.known.members.push_back({"elsewhere", 9, "zed"});
    Fixture f({}, &bus);
    f.hub.join(1, "/?name=zed", WireFormat::text, t0);
    CHECK(f.take(1) == Lines{"[history] zed: earlier", "* online in / (2): zed, zed-2",
                             "* you are zed-2 in /; /help lists the commands"});
}

TEST_CASE("Hub: a busy room announces joins and leaves together, each newcomer hearing of those after it", "[chat]") {
    HubOptions options;
    options.presence_burst = 3;
    Fixture f(options);
    for (ConnId id = 1; id <= 3; ++id)
        f.hub.join(id, "/?name=p" + std::to_string(id), id == 3 ? WireFormat::json : WireFormat::text, t0);
    CHECK(f.take(1) == Lines{"* online in / (1): p1", "* you are p1 in /; /help lists the commands", "* p2 joined",
                             "* p3 joined"});
    f.take(2);
    f.take(3);
    CHECK(f.of_kind(Output::Kind::wake).empty());  // the burst went at once
    // The bucket is empty: what comes now waits for a wake.
    for (ConnId id = 4; id <= 11; ++id) f.hub.join(id, "/?name=p" + std::to_string(id), WireFormat::text, t0);
    f.hub.join(12, "/?name=q", WireFormat::json, t0);
    f.hub.leave(2, t0);
    auto wakes = f.of_kind(Output::Kind::wake);
    REQUIRE(wakes.size() == 1);
    CHECK(wakes[0].at == t0 + options.presence_interval);
    CHECK(f.take(1).empty());
    f.take(4);  // greetings
    f.take(10);
    f.take(11);
    f.take(12);
    f.hub.flush(t0 + options.presence_interval / 2);  // too early: nothing, and another wake
    CHECK(f.take(1).empty());
    CHECK(f.of_kind(Output::Kind::wake).size() == 2);
    f.hub.flush(t0 + options.presence_interval);
    CHECK(f.take(1) == Lines{"* p4, p5, p6, p7, p8 and 4 others joined; p2 left (11 online)"});
    CHECK(f.take(10) == Lines{"* p11 and q joined; p2 left (11 online)"});
    CHECK(f.take(11) == Lines{"* q joined; p2 left (11 online)"});
    auto batch = f.take(3);
    REQUIRE(batch.size() == 1);
    auto envelope = nlohmann::json::parse(batch[0]);
    CHECK(envelope["type"] == "presence");
    CHECK(envelope["joined"] == nlohmann::json::array({"p4", "p5", "p6", "p7", "p8", "p9", "p10", "p11", "q"}));
    CHECK(envelope["left"] == nlohmann::json::array({"p2"}));
    CHECK(envelope["online"] == 11);
    CHECK(!envelope.contains("more_joined"));
    auto single = f.take(12);  // one event: the plain envelope
    REQUIRE(single.size() == 1);
    CHECK(nlohmann::json::parse(single[0])["type"] == "leave");
}

TEST_CASE("Hub: joins held back are announced before the next message of the room", "[chat]") {
    HubOptions options;
    options.presence_burst = 1;
    Fixture f(options);
    f.hub.join(1, "/?name=alice", WireFormat::text, t0);
    f.hub.join(2, "/?name=bob", WireFormat::text, t0);
    f.hub.join(3, "/?name=carol", WireFormat::text, t0);
    f.take(1);
    f.hub.receive(3, "hi", t0);
    CHECK(f.take(1) == Lines{"* bob and carol joined (3 online)", "carol: hi"});
    CHECK(f.take(2) == Lines{"* online in / (2): alice, bob", "* you are bob in /; /help lists the commands",
                             "* carol joined", "carol: hi"});
    f.hub.flush(t0 + 1s);  // nothing left to say
    CHECK(f.take(1).empty());
}

TEST_CASE("Hub: a terminal's greeting in a crowded room names the first 50 and counts the others", "[chat]") {
    Fixture f;
    for (ConnId id = 1; id <= 60; ++id) f.hub.join(id, "/?name=p" + std::to_string(id), WireFormat::text, t0);
    auto greeting = f.take(60);
    REQUIRE(!greeting.empty());
    CHECK(greeting[0].rfind("* online in / (60): p1, p2, ", 0) == 0);
    CHECK(greeting[0].find("p50 and 10 others (/who lists everyone)") != std::string::npos);
    f.hub.receive(60, "/who", t0);
    CHECK(f.take(60).front().find("p59, p60") != std::string::npos);
}

TEST_CASE("Hub: every room's history together within history_memory, the oldest messages going first", "[chat]") {
    HubOptions o;
    o.history = 5;
    o.rate = 0;
    const std::string text(1000, 'x');
    // Room for five of these messages (a room name of 2 bytes, a name of 1, node "local").
    o.history_memory = 5 * (sizeof(RoomEvent) + text.size() + 1 + 2 + 5) + 10;
    Fixture f(o);
    ConnId next = 1;
    for (const char* room : {"/a", "/b", "/c"}) {
        auto conn = next++;
        f.hub.join(conn, std::string(room) + "?name=w", WireFormat::text, t0);
        for (int i = 0; i < 3; ++i) f.hub.receive(conn, text + std::to_string(i), t0);
    }
    f.hub.leave(1, t0);  // /a idle: its history would be kept, were there room for it
    auto history_of = [&](const char* room) {
        auto conn = next++;
        f.hub.join(conn, std::string(room) + "?name=reader", WireFormat::text, t0);
        std::vector<std::string> got;
        for (auto& line : f.take(conn))
            if (line.rfind("[history] ", 0) == 0) got.push_back(line.substr(line.size() - 1));
        f.hub.leave(conn, t0);
        return got;
    };
    CHECK(history_of("/a").empty());
    CHECK(history_of("/b") == std::vector<std::string>{"1", "2"});
    CHECK(history_of("/c") == std::vector<std::string>{"0", "1", "2"});
    f.hub.receive(3, text + "3", t0);  // one more in /c: /b's oldest goes
    CHECK(history_of("/b") == std::vector<std::string>{"2"});
    CHECK(history_of("/c") == std::vector<std::string>{"0", "1", "2", "3"});
}

namespace {

// A bus that reads a room later, when told, and knows rooms elsewhere.
struct SlowBus final : Bus {
    Subscription subscribe(const std::string& room, Handler handler) override { return local.subscribe(room, std::move(handler)); }
    void unsubscribe(Subscription s) override { local.unsubscribe(s); }
    void publish(const RoomEvent& e) override { local.publish(e); }
    void load_room(const std::string& room, Loaded done) override { loads.emplace_back(room, std::move(done)); }
    void list_rooms(Listed done) override { done(elsewhere); }
    void finish_load(RoomState state) {
        auto [room, done] = std::move(loads.front());
        loads.erase(loads.begin());
        done(std::move(state));
    }
    LocalBus local;
    std::vector<std::pair<std::string, Loaded>> loads;
    std::vector<RoomCount> elsewhere;
};

}  // namespace

TEST_CASE("Hub: clients arriving while the bus reads their room wait for it, and what they say too", "[chat]") {
    SlowBus bus;
    Fixture f({}, &bus);
    f.hub.join(1, "/r?name=zed", WireFormat::text, t0);
    f.hub.join(2, "/r?name=amy", WireFormat::text, t0);
    REQUIRE(bus.loads.size() == 1);  // one read for the room
    f.hub.receive(2, "early", t0);
    CHECK(f.take(1).empty());
    CHECK(f.take(2).empty());
    RoomState known;
    known.history.push_back(said_elsewhere("/r", "before"));
    known.members.push_back({"elsewhere", 9, "zed"});
    bus.finish_load(known);
    CHECK(f.take(1) == Lines{"[history] zed: before", "* online in /r (2): zed, zed-2",
                             "* you are zed-2 in /r; /help lists the commands", "* amy joined", "amy: early"});
    CHECK(f.take(2).front() == "[history] zed: before");

    // Left before the room was read: the room closes, and its late reading is
    // for a room that is not there any more.
    f.hub.join(3, "/s?name=gone", WireFormat::text, t0);
    f.hub.leave(3, t0);
    bus.finish_load({});
    f.hub.join(4, "/s", WireFormat::text, t0);
    bus.finish_load({});
    CHECK(f.take(4) == Lines{"* online in /s (1): guest-1", "* you are guest-1 in /s; /help lists the commands"});
}

TEST_CASE("Hub: /rooms lists the bus's rooms, and its own as it knows them", "[chat]") {
    SlowBus bus;
    bus.elsewhere = {{"/x", 3}, {"/a", 99}};
    Fixture f({}, &bus);
    f.hub.join(1, "/a?name=one", WireFormat::text, t0);
    bus.finish_load({});
    f.hub.join(2, "/a?name=two", WireFormat::text, t0);
    f.take(1), f.take(2);
    f.hub.receive(1, "/rooms", t0);
    CHECK(f.take(1) == Lines{"* rooms: /a (2), /x (3)"});
}
