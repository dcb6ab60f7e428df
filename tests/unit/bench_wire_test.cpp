#include "bench/wire.hpp"

#include <wskit/tool/bench.hpp>
#include <wskit/encoding.hpp>

#include <catch2/catch.hpp>

#include <cstring>
#include <string>

using namespace wskit::detail;

namespace {

// Unmasks a client frame the way a server does: returns opcode and payload.
std::pair<unsigned, std::string> unmask(const unsigned char* header, std::size_t header_len, const std::string& wire) {
    REQUIRE(header_len == frame_header_size(header[1]));
    auto h = read_frame_header(header);
    REQUIRE(h.masked);
    std::string payload = wire;
    mask_payload(payload.data(), payload.size(), h.mask_key);
    return {static_cast<unsigned>(h.opcode), payload};
}

std::string server_frame(unsigned first_byte, const std::string& payload) {
    std::string f(1, static_cast<char>(first_byte));
    if (payload.size() < 126) {
        f.push_back(static_cast<char>(payload.size()));
    } else {
        f.push_back(126);
        f.push_back(static_cast<char>(payload.size() >> 8));
        f.push_back(static_cast<char>(payload.size() & 0xff));
    }
    return f + payload;
}

}  // namespace

TEST_CASE("bench frames: a fresh key per frame, and text stays printable ASCII") {
    std::uint64_t rng = 12345;
    SharedPayloadFrame text(300, false);
    unsigned char a[14], b[14];
    auto na = text.write_header(rng, a);
    auto nb = text.write_header(rng, b);
    CHECK(nb == na);
    REQUIRE(na == 8);  // 2 + 2 (length 300) + 4 (key)
    CHECK(a[0] == 0x81);
    CHECK(a[1] == (0x80 | 126));
    CHECK(std::memcmp(a + 4, b + 4, 4) != 0);
    for (int i = 0; i < 200; ++i) {
        unsigned char h[14];
        auto n = text.write_header(rng, h);
        auto [opcode, payload] = unmask(h, n, text.wire_payload());
        CHECK(opcode == 1);
        REQUIRE(payload.size() == 300);
        for (char c : payload) REQUIRE((c >= '@' && c <= '_'));
    }
    SharedPayloadFrame binary(70000, true);
    unsigned char h[14];
    CHECK(binary.write_header(rng, h) == 14);
    CHECK(h[0] == 0x82);
    CHECK(h[1] == (0x80 | 127));
}

TEST_CASE("bench frames: the reader counts messages across any split") {
    std::string stream = server_frame(0x81, "hello") + server_frame(0x89, "ping") +
                         server_frame(0x01, std::string(200, 'a')) + server_frame(0x80, "bc") +
                         server_frame(0x82, "") + server_frame(0x88, std::string("\x03\xe8", 2));
    for (std::size_t chunk : {1u, 2u, 3u, 7u, 1000u}) {
        FrameReader reader(4);
        std::vector<std::uint64_t> sizes;
        std::vector<std::string> heads;
        bool closed = false;
        for (std::size_t at = 0; at < stream.size(); at += chunk) {
            auto n = std::min(chunk, stream.size() - at);
            auto* p = reinterpret_cast<const unsigned char*>(stream.data() + at);
            std::size_t pos = 0;
            while (pos < n) {
                auto step = reader.feed(p + pos, n - pos);
                pos += step.consumed;
                if (step.event == FrameReader::Event::message) {
                    sizes.push_back(reader.message_size());
                    heads.emplace_back(reader.head());
                }
                if (step.event == FrameReader::Event::close) closed = true;
                REQUIRE(step.event != FrameReader::Event::bad);
                if (step.event == FrameReader::Event::none) break;
            }
        }
        INFO("chunk " << chunk);
        CHECK(sizes == std::vector<std::uint64_t>{5, 202, 0});
        CHECK(heads == std::vector<std::string>{"hell", "aaaa", ""});
        CHECK(closed);
    }
}

TEST_CASE("bench frames: a continuation without a message is bad") {
    FrameReader reader;
    auto f = server_frame(0x80, "x");
    auto step = reader.feed(reinterpret_cast<const unsigned char*>(f.data()), f.size());
    CHECK(step.event == FrameReader::Event::bad);
}

TEST_CASE("bench fan-out stamps round-trip") {
    char buf[fanout_stamp_size];
    write_fanout_stamp({513, 0x123456789ull, 987654321987ull}, buf);
    auto s = read_fanout_stamp(std::string_view(buf, sizeof buf));
    REQUIRE(s);
    CHECK(s->sender == 513);
    CHECK(s->seq == 0x123456789ull);
    CHECK(s->sent_ns == 987654321987ull);
    CHECK_FALSE(read_fanout_stamp("hello"));
    // Behind a relay's prefix: a chat room's name, a JSON envelope's head.
    for (std::string prefix : {"alice: ", "{\"type\":\"message\",\"room\":\"/\",\"from\":\"guest-12\",\"text\":\""}) {
        auto relayed = read_fanout_stamp(prefix + std::string(buf, sizeof buf) + "xxxx");
        REQUIRE(relayed);
        CHECK(relayed->seq == 0x123456789ull);
    }
    CHECK_FALSE(read_fanout_stamp(std::string(fanout_stamp_size, 'z')));
}

TEST_CASE("bench upgrade request and response") {
    wskit::ClientOptions o;
    o.url = wskit::parse_url("ws://user:pw@127.0.0.1:9000/room?x=1");
    o.subprotocols = {"a", "b"};
    o.headers = {{"X-One", "1"}};
    o.origin = "http://example.test";
    std::uint64_t rng = 99;
    auto req = upgrade_request(o, rng);
    CHECK(req.rfind("GET /room?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9000\r\n", 0) == 0);
    CHECK(req.find("Sec-WebSocket-Protocol: a, b\r\n") != std::string::npos);
    CHECK(req.find("X-One: 1\r\n") != std::string::npos);
    CHECK(req.find("Origin: http://example.test\r\n") != std::string::npos);
    CHECK(req.find("Authorization: Basic " + wskit::base64_encode("user:pw") + "\r\n") != std::string::npos);
    CHECK(req.find("Sec-WebSocket-Version: 13\r\n") != std::string::npos);
    CHECK(req.substr(req.size() - 4) == "\r\n\r\n");
    auto key_at = req.find("Sec-WebSocket-Key: ") + 19;
    CHECK(req.substr(key_at + 22, 4) == "==\r\n");  // 16 bytes in base64
    CHECK(upgrade_request(o, rng) != req);        // a fresh key each time

    CHECK(read_upgrade_response("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket").switched);
    auto refused = read_upgrade_response("HTTP/1.1 503 Service Unavailable\r\nX: 101");
    CHECK_FALSE(refused.switched);
    CHECK(refused.status_line == "HTTP/1.1 503 Service Unavailable");
    CHECK_FALSE(read_upgrade_response("HTTP/1.1 1010 x").switched);
}

TEST_CASE("bench upgrade response: status, reason and Location for the classifier") {
    auto redirect = read_upgrade_response("HTTP/1.1 302 Found\r\nLocation: ws://elsewhere.test/\r\nX: y");
    CHECK(redirect.status == 302);
    CHECK(redirect.reason == "Found");
    CHECK(redirect.location == "ws://elsewhere.test/");
    CHECK(read_upgrade_response("garbage").status == 0);
}

TEST_CASE("bench frames: a close frame's code and reason are kept, across any split") {
    std::string stream = server_frame(0x81, "hi") + server_frame(0x88, std::string("\x03\xf0too fast", 10));
    for (std::size_t chunk : {1u, 3u, 1000u}) {
        FrameReader reader;
        bool closed = false;
        for (std::size_t at = 0; at < stream.size() && !closed; at += chunk) {
            auto n = std::min(chunk, stream.size() - at);
            auto* p = reinterpret_cast<const unsigned char*>(stream.data() + at);
            for (std::size_t pos = 0; pos < n;) {
                auto step = reader.feed(p + pos, n - pos);
                pos += step.consumed;
                if (step.event == FrameReader::Event::close) closed = true;
                if (step.event == FrameReader::Event::none || closed) break;
            }
        }
        INFO("chunk " << chunk);
        REQUIRE(closed);
        CHECK(reader.close_code() == 1008);
        CHECK(reader.close_reason() == "too fast");
    }
    FrameReader bare;
    auto f = server_frame(0x88, "");
    CHECK(bare.feed(reinterpret_cast<const unsigned char*>(f.data()), f.size()).event == FrameReader::Event::close);
    CHECK(bare.close_code() == 1005);
    CHECK(bare.close_reason().empty());
}

TEST_CASE("bench sizes take k and m suffixes") {
    CHECK(wskit::parse_byte_size("32") == 32u);
    CHECK(wskit::parse_byte_size("0") == 0u);
    CHECK(wskit::parse_byte_size("4k") == 4096u);
    CHECK(wskit::parse_byte_size("64K") == 65536u);
    CHECK(wskit::parse_byte_size("1m") == 1048576u);
    CHECK(wskit::parse_byte_size("1024m") == 1073741824u);
    CHECK_FALSE(wskit::parse_byte_size("1025m"));
    CHECK_FALSE(wskit::parse_byte_size(""));
    CHECK_FALSE(wskit::parse_byte_size("k"));
    CHECK_FALSE(wskit::parse_byte_size("12q"));
    CHECK_FALSE(wskit::parse_byte_size("-1"));
    CHECK_FALSE(wskit::parse_byte_size("99999999999"));
}

namespace {

// A message compressed on its own, as permessage-deflate sends it (without the 00 00 ff ff).
std::string compressed(const std::string& message) {
    std::string out;
    Deflater(15, true).compress(message, out);
    return out.substr(0, out.size() - 4);
}

// Feeds a whole stream; returns the messages' sizes and heads, or the problem of a bad frame.
struct Read {
    std::vector<std::uint64_t> sizes;
    std::vector<std::string> heads;
    std::string problem;
};
Read read_all(FrameReader& reader, const std::string& stream, std::size_t chunk) {
    Read r;
    for (std::size_t at = 0; at < stream.size() && r.problem.empty(); at += chunk) {
        auto n = std::min(chunk, stream.size() - at);
        auto* p = reinterpret_cast<const unsigned char*>(stream.data() + at);
        for (std::size_t pos = 0; pos < n;) {
            auto step = reader.feed(p + pos, n - pos);
            pos += step.consumed;
            if (step.event == FrameReader::Event::bad) {
                r.problem = reader.problem();
                break;
            }
            if (step.event == FrameReader::Event::message) {
                r.sizes.push_back(reader.message_size());
                r.heads.emplace_back(reader.head());
            }
            if (step.event == FrameReader::Event::none) break;
        }
    }
    return r;
}

}  // namespace

TEST_CASE("bench frames: compressed replies are counted inflated, fragmented and mixed") {
    std::string big(5000, 'q');
    auto whole = compressed(big);
    std::string stream = server_frame(0xC1, compressed("hello world")) + server_frame(0x81, "plain") +
                         server_frame(0x41, whole.substr(0, 7)) + server_frame(0x89, "ping") +
                         server_frame(0x80, whole.substr(7));
    for (std::size_t chunk : {1u, 3u, 1000u}) {
        FrameReader reader(4);
        reader.inflate_with(15, true, 1u << 20);
        auto r = read_all(reader, stream, chunk);
        INFO("chunk " << chunk);
        CHECK(r.problem.empty());
        CHECK(r.sizes == std::vector<std::uint64_t>{11, 5, 5000});
        CHECK(r.heads == std::vector<std::string>{"hell", "plai", "qqqq"});
    }
}

TEST_CASE("bench frames: RSV1 where it does not belong, bad data and bombs are bad") {
    auto check = [](const std::string& stream, bool agreed, std::size_t limit, const std::string& words) {
        FrameReader reader;
        if (agreed) reader.inflate_with(15, false, limit);
        auto r = read_all(reader, stream, 1000);
        INFO(r.problem);
        CHECK(r.problem.find(words) != std::string::npos);
    };
    auto c = compressed("abc");
    check(server_frame(0xC1, c), false, 100, "without agreeing");
    check(server_frame(0x41, c) + server_frame(0xC0, c), true, 100, "RSV1 on a continuation");
    check(server_frame(0xC9, ""), true, 100, "RSV1 on a control frame");
    check(server_frame(0xC1, "\xff\xff\xff\xff"), true, 100, "does not inflate");
    check(server_frame(0xC1, compressed(std::string(100000, 'a'))), true, 1000, "past --max-size");
}

TEST_CASE("bench compressed frames: masked whole, RSV1, inflate to the message") {
    auto payload = compressed(std::string(300, 'A'));
    std::vector<char> out(SharedPayloadFrame::max_header + payload.size());
    std::uint64_t rng = 7;
    auto n = write_compressed_frame(payload, false, rng, out.data());
    const auto* h = reinterpret_cast<const unsigned char*>(out.data());
    CHECK(h[0] == 0xC1);  // FIN, RSV1, text
    auto header_len = n - payload.size();
    auto [opcode, unmasked] = unmask(h, header_len, std::string(out.data() + header_len, payload.size()));
    CHECK(opcode == 0x1);
    CHECK(unmasked == payload);
    auto again = write_compressed_frame(payload, true, rng, out.data());
    CHECK(again == n);
    CHECK(static_cast<unsigned char>(out[0]) == 0xC2);
}

TEST_CASE("bench upgrade: the offer goes out, the answer's extensions are read") {
    wskit::ClientOptions o;
    o.url = wskit::parse_url("ws://127.0.0.1:9000/");
    o.compress = wskit::DeflateOffer{};
    o.compress->client_no_context_takeover = true;
    std::uint64_t rng = 5;
    CHECK(upgrade_request(o, rng).find("Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; "
                                       "client_max_window_bits\r\n") != std::string::npos);
    auto v = read_upgrade_response("HTTP/1.1 101 Switching Protocols\r\nsec-websocket-EXTENSIONS:  permessage-deflate \r\n"
                                   "X-Other: 1\r\nSec-WebSocket-Extensions: x-two");
    CHECK(v.switched);
    CHECK(v.extensions == "permessage-deflate, x-two");
    CHECK(read_upgrade_response("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket").extensions.empty());
}
