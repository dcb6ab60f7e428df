// --record: what a recording holds, NDJSON and HAR, and the secrets it hides.
#include "support.hpp"

#include <wskit/secrets.hpp>
#include <wskit/tool/record.hpp>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using Catch::Matchers::Contains;
using wskit::Direction;
using wskit::Event;
using wskit::EventType;
using wskit::Recorder;
using wskit::RecordOptions;
using wskit::RecordRole;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char name[] = "/tmp/wskit-record-XXXXXX";
        path = ::mkdtemp(name);
    }
    ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

std::vector<nlohmann::json> read_lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<nlohmann::json> out;
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
}

wskit::RecordedHandshake handshake() {
    wskit::RecordedHandshake hs;
    hs.url = "ws://example.test/feed?token=abc&room=1";
    hs.request.method = "GET";
    hs.request.resource = "/feed?token=abc&room=1";
    hs.request.headers = {{"Host", "example.test"}, {"Authorization", "Bearer s3cret"}, {"Cookie", "sid=42; theme=dark"}};
    hs.response.status = 101;
    hs.response.reason = "Switching Protocols";
    hs.response.headers = {{"Upgrade", "websocket"}, {"Set-Cookie", "sid=43; Path=/"}};
    return hs;
}

Event event(EventType type, Direction dir, std::string payload = {}, wskit::Opcode op = wskit::Opcode::text) {
    Event e;
    e.type = type;
    e.direction = dir;
    e.message = {op, std::move(payload)};
    return e;
}

void play(Recorder& r) {
    auto open = event(EventType::open, Direction::in);
    open.text = "ws://example.test/feed?token=abc&room=1";
    r.opened(open, handshake());
    r.record(event(EventType::message, Direction::out, "hello"));
    r.record(event(EventType::message, Direction::in, std::string("\x00\xff", 2), wskit::Opcode::binary));
    r.record(event(EventType::drained, Direction::in));
    auto close = event(EventType::close, Direction::out);
    close.code = 1000;
    close.clean = true;
    r.record(close);
}

}  // namespace

TEST_CASE("mask_query_secrets hides the values of secret-looking parameters only", "[record]") {
    CHECK(wskit::mask_query_secrets("/feed?token=abc&room=1") == "/feed?token=[hidden]&room=1");
    CHECK(wskit::mask_query_secrets("/x?Access_Token=a&API_KEY=b&sig=c") ==
          "/x?Access_Token=[hidden]&API_KEY=[hidden]&sig=[hidden]");
    CHECK(wskit::mask_query_secrets("/x?tokens=a&q=token") == "/x?tokens=a&q=token");
    CHECK(wskit::mask_query_secrets("/x") == "/x");
    CHECK(wskit::mask_query_secrets("/x?") == "/x?");
    CHECK(wskit::mask_query_secrets("/x?a&token=1&") == "/x?a&token=[hidden]&");
    // URLs inside a line of text: the value ends where the URL does.
    CHECK(wskit::mask_query_secrets("rejected: ws://h/n?token=abc answered HTTP 404") ==
          "rejected: ws://h/n?token=[hidden] answered HTTP 404");
    CHECK(wskit::mask_query_secrets("to 'ws://h/?x=1&sig=zz#f'") == "to 'ws://h/?x=1&sig=[hidden]#f'");
}

TEST_CASE("an NDJSON recording: a record line, the open with its handshake masked, every event as --json", "[record]") {
    TempDir dir;
    auto path = dir.path + "/session.ndjson";
    {
        auto r = Recorder::open(RecordOptions{path, RecordRole::client, false});
        play(*r);
        r->finish();
    }
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto lines = read_lines(path);
    REQUIRE(lines.size() == 5);  // the drained event is not recorded
    CHECK(lines[0]["event"] == "record");
    CHECK(lines[0]["role"] == "client");
    CHECK(lines[0]["secrets"] == "masked");
    const auto& open = lines[1];
    CHECK(open["event"] == "open");
    CHECK(open["url"] == "ws://example.test/feed?token=[hidden]&room=1");
    CHECK(open["request"]["target"] == "/feed?token=[hidden]&room=1");
    CHECK(open["request"]["headers"][1]["value"] == "Bearer [hidden]");
    CHECK(open["request"]["headers"][2]["value"] == "sid=[hidden]; theme=[hidden]");
    CHECK(open["response"]["status"] == 101);
    CHECK(open["response"]["headers"][1]["value"] == "sid=[hidden]; Path=/");
    CHECK(lines[2]["text"] == "hello");
    CHECK(lines[3]["base64"] == "AP8=");
    CHECK(lines[4]["event"] == "close");
}

TEST_CASE("a recording with secrets kept (--record-secrets) has them as they are", "[record]") {
    TempDir dir;
    auto path = dir.path + "/s.ndjson";
    {
        auto r = Recorder::open(RecordOptions{path, RecordRole::client, true});
        play(*r);
    }
    auto lines = read_lines(path);
    CHECK(lines[0]["secrets"] == "kept");
    CHECK(lines[1]["request"]["headers"][1]["value"] == "Bearer s3cret");
    CHECK(lines[1]["url"] == "ws://example.test/feed?token=abc&room=1");
}

TEST_CASE("a HAR recording: Chromium's form, the client's view", "[record]") {
    TempDir dir;
    auto path = dir.path + "/s.har";
    auto r = Recorder::open(RecordOptions{path, RecordRole::client, false});
    play(*r);
    CHECK(::access(path.c_str(), F_OK) != 0);  // written at the end only
    r->finish();
    r->finish();  // idempotent
    std::ifstream in(path);
    auto har = nlohmann::json::parse(in);
    CHECK(har["log"]["version"] == "1.2");
    REQUIRE(har["log"]["entries"].size() == 1);
    const auto& entry = har["log"]["entries"][0];
    CHECK(entry["_resourceType"] == "websocket");
    CHECK(entry["request"]["url"] == "ws://example.test/feed?token=[hidden]&room=1");
    CHECK(entry["request"]["queryString"][0]["value"] == "[hidden]");
    CHECK(entry["response"]["status"] == 101);
    const auto& messages = entry["_webSocketMessages"];
    REQUIRE(messages.size() == 2);
    CHECK(messages[0]["type"] == "send");
    CHECK(messages[0]["opcode"] == 1);
    CHECK(messages[0]["data"] == "hello");
    CHECK(messages[1]["type"] == "receive");
    CHECK(messages[1]["opcode"] == 2);
    CHECK(messages[1]["data"] == "AP8=");
    CHECK(entry["_webSocketClose"]["code"] == 1000);
    CHECK(entry["_webSocketClose"]["by"] == "client");
}

TEST_CASE("a server's recording sends what the client sent", "[record]") {
    TempDir dir;
    auto path = dir.path + "/server.har";
    {
        auto r = Recorder::open(RecordOptions{path, RecordRole::server, false});
        play(*r);
    }  // written by the destructor
    std::ifstream in(path);
    auto har = nlohmann::json::parse(in);
    const auto& messages = har["log"]["entries"][0]["_webSocketMessages"];
    CHECK(messages[0]["type"] == "receive");  // the server sent "hello"
    CHECK(messages[1]["type"] == "send");
}

TEST_CASE("a recording that cannot be written is a runtime error naming the file", "[record]") {
    auto ndjson = wskit::test::error_message(
        [] { Recorder::open(RecordOptions{"/nonexistent-dir/x.ndjson", RecordRole::client, false}); },
        wskit::ExitCode::runtime);
    CHECK_THAT(ndjson, Contains("--record: cannot write /nonexistent-dir/x.ndjson"));
    auto har = wskit::test::error_message(
        [] { Recorder::open(RecordOptions{"/nonexistent-dir/x.har", RecordRole::client, false}); },
        wskit::ExitCode::runtime);
    CHECK_THAT(har, Contains("/nonexistent-dir/x.har"));
}

TEST_CASE("finish_recording keeps a run's failure, and fails a good run whose HAR is lost", "[record]") {
    TempDir dir;
    auto path = dir.path + "/gone/x.har";
    ::mkdir((dir.path + "/gone").c_str(), 0700);
    auto r = Recorder::open(RecordOptions{path, RecordRole::client, false});
    ::rmdir((dir.path + "/gone").c_str());
    std::string said;
    CHECK(wskit::finish_recording(r.get(), 6, [&](const std::string& s) { said = s; }) == 6);
    CHECK_THAT(said, Contains("cannot write"));
    CHECK(wskit::finish_recording(nullptr, 0, [](const std::string&) {}) == 0);
}
