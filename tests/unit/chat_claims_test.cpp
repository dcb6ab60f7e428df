// Names claimed through the bus (lib/src/chat/claims.cpp): hubs that share
// a room through a bus which answers claims later, as Redis does.
#include "support.hpp"

#include <wskit/chat/room.hpp>

#include <algorithm>
#include <memory>
#include <set>

using namespace std::chrono_literals;
using namespace wskit::chat;
using wskit::ConnId;

namespace {

const Time t0 = Time{} + 1'700'000'000s;
using Lines = std::vector<std::string>;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return s;
}

// Events delivered at once; claims answered by answer(), in order, against
// one table of names, as Redis' SET NX would.
struct ClaimingBus final : Bus {
    Subscription subscribe(const std::string& room, Handler handler) override {
        return local.subscribe(room, std::move(handler));
    }
    void unsubscribe(Subscription s) override { local.unsubscribe(s); }
    void publish(const RoomEvent& e) override { local.publish(e); }
    void claim_name(const std::string& room, const std::string& name, const Presence& owner,
                    ClaimDone done) override {
        waiting.push_back({room + " " + lower(name), owner.origin + "/" + std::to_string(owner.conn), std::move(done)});
    }
    void release_name(const std::string& room, const std::string& name, const Presence& owner) override {
        auto it = names.find(room + " " + lower(name));
        if (it != names.end() && it->second == owner.origin + "/" + std::to_string(owner.conn)) names.erase(it);
        ++releases;
    }
    // Answers every claim, and those that the refusals bring.
    void answer() {
        while (!waiting.empty()) {
            auto c = std::move(waiting.front());
            waiting.erase(waiting.begin());
            bool free = !names.count(c.key);  // NX: even its owner cannot claim it again
            if (free) names[c.key] = c.owner;
            c.done(free);
        }
    }
    struct Claim {
        std::string key, owner;
        ClaimDone done;
    };
    LocalBus local;
    std::vector<Claim> waiting;
    std::map<std::string, std::string> names;
    int releases = 0;
};

// A hub (a process) on the shared bus, its outputs kept.
struct Process {
    Process(Bus& bus, std::string node, HubOptions options = {})
        : hub(bus, options, [this](Output&& o) { outputs.push_back(std::move(o)); }, std::move(node)) {}
    Lines take(ConnId conn) {
        Lines got;
        for (auto& o : outputs)
            if (o.kind == Output::Kind::deliver && std::find(o.to.begin(), o.to.end(), conn) != o.to.end())
                got.push_back(o.text);
        for (auto& o : outputs) o.to.erase(std::remove(o.to.begin(), o.to.end(), conn), o.to.end());
        return got;
    }
    std::vector<Output> outputs;
    Hub hub;
};

}  // namespace

TEST_CASE("Claims: two processes giving one name at the same moment give it once", "[chat]") {
    ClaimingBus bus;
    Process a(bus, "a"), b(bus, "b");
    for (ConnId c = 1; c <= 3; ++c) {
        a.hub.join(c, "/?name=alice", WireFormat::text, t0);
        b.hub.join(c, "/?name=Alice", WireFormat::text, t0);
    }
    CHECK(a.take(1).empty());  // nobody is greeted before its name is granted
    CHECK(a.hub.name_of(1).empty());
    bus.answer();
    std::set<std::string> given;
    for (ConnId c = 1; c <= 3; ++c) {
        given.insert(lower(a.hub.name_of(c)));
        given.insert(lower(b.hub.name_of(c)));
    }
    CHECK(given == std::set<std::string>{"alice", "alice-2", "alice-3", "alice-4", "alice-5", "alice-6"});
    CHECK(bus.names.size() == 6);
    CHECK(a.take(1).at(1) == "* you are alice in /; /help lists the commands");  // greeted once granted
}

TEST_CASE("Claims: what a client sends before its name is granted is handled after, in order", "[chat]") {
    ClaimingBus bus;
    Process a(bus, "a");
    a.hub.join(1, "/?name=bob", WireFormat::text, t0);
    bus.answer();
    a.take(1);
    a.hub.join(2, "/?name=carol", WireFormat::text, t0);
    a.hub.receive(2, "first", t0);
    a.hub.receive(2, "/nick dave", t0);
    a.hub.receive(2, "second", t0);
    a.hub.receive(2, "/who", t0);
    CHECK(a.take(1).empty());
    bus.answer();  // carol, then dave (asked for once carol was granted)
    CHECK(a.take(1) == Lines{"* carol joined", "carol: first", "* carol is now known as dave", "dave: second"});
    CHECK(a.take(2) == Lines{"* online in / (2): bob, carol", "* you are carol in /; /help lists the commands",
                             "* you are now known as dave", "* online in / (2): bob, dave"});
    CHECK(bus.names.count("/ carol") == 0);  // released by the rename
    CHECK(bus.names.count("/ dave") == 1);
}

TEST_CASE("Claims: a refused /nick takes the next suffix; a case change claims nothing", "[chat]") {
    ClaimingBus bus;
    Process a(bus, "a"), b(bus, "b");
    a.hub.join(1, "/?name=erin", WireFormat::text, t0);
    bus.answer();
    bus.names["/ frank"] = "elsewhere/7";  // claimed, its join not heard here yet
    a.hub.receive(1, "/nick frank", t0);
    bus.answer();
    CHECK(a.hub.name_of(1) == "frank-2");
    a.hub.receive(1, "/nick Frank-2", t0);
    CHECK(bus.waiting.empty());
    CHECK(a.hub.name_of(1) == "Frank-2");
    CHECK(bus.names.count("/ frank-2") == 1);
}

TEST_CASE("Claims: a client gone before the answer gives its name back; the room closes", "[chat]") {
    ClaimingBus bus;
    Process a(bus, "a");
    a.hub.join(1, "/quick?name=gina", WireFormat::text, t0);
    a.hub.receive(1, "never said", t0);
    a.hub.leave(1, t0);
    CHECK(a.hub.client_count() == 0);
    bus.answer();
    CHECK(bus.names.empty());
    CHECK(a.hub.rooms().empty());
    CHECK(std::none_of(a.outputs.begin(), a.outputs.end(), [](const Output& o) {
        return o.kind == Output::Kind::record;  // no join, no message, no leave
    }));
}

TEST_CASE("Claims: a leave gives the name back, and an answer after the hub is gone does nothing", "[chat]") {
    ClaimingBus bus;
    {
        Process a(bus, "a");
        a.hub.join(1, "/?name=hal", WireFormat::text, t0);
        bus.answer();
        a.hub.leave(1, t0);
        CHECK(bus.names.empty());
        a.hub.join(2, "/?name=ivy", WireFormat::text, t0);
    }
    bus.answer();  // the hub that asked is gone
    CHECK(bus.names.size() == 1);
}

TEST_CASE("Claims: a client that floods while it waits is closed, what it sent before is kept", "[chat]") {
    ClaimingBus bus;
    HubOptions options;
    options.rate = 0;
    Process a(bus, "a", options);
    a.hub.join(1, "/?name=jo", WireFormat::text, t0);
    for (int i = 0; i < 70; ++i) a.hub.receive(1, "m" + std::to_string(i), t0);
    auto closes = std::count_if(a.outputs.begin(), a.outputs.end(), [](const Output& o) {
        return o.kind == Output::Kind::close && o.code == 1008 && o.conn == 1;
    });
    CHECK(closes == 1);
    bus.answer();
    auto said = std::count_if(a.outputs.begin(), a.outputs.end(), [](const Output& o) {
        return o.kind == Output::Kind::record && o.event.type == RoomEvent::Type::message;
    });
    CHECK(said == 64);
}
