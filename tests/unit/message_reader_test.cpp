#include "support.hpp"

#include "proto/deflate_codec.hpp"
#include "proto/frame_codec.hpp"
#include "proto/message_reader.hpp"

#include <string>

using wskit::Opcode;
using wskit::detail::FrameHeader;
using wskit::detail::MessageReader;
namespace opcode = wskit::detail::opcode;

namespace {

using Kind = MessageReader::Kind;

// One frame's bytes; masked with `key` when it is not zero.
std::string frame(int op, std::string payload, bool fin = true, std::uint32_t key = 0, bool rsv1 = false) {
    FrameHeader h;
    h.fin = fin;
    h.rsv1 = rsv1;
    h.opcode = op;
    h.masked = key != 0;
    h.mask_key = key;
    h.length = payload.size();
    unsigned char head[wskit::detail::max_frame_header];
    auto n = wskit::detail::write_frame_header(h, head);
    if (key) wskit::detail::mask_payload(payload.data(), payload.size(), key);
    return std::string(reinterpret_cast<char*>(head), n) + payload;
}

// Everything `bytes` gives, fed `chunk` bytes at a time: each event as
// "kind:payload" ("close:1000:bye", "failed:1002").
std::vector<std::string> read_all(MessageReader& reader, const std::string& bytes, std::size_t chunk = 1 << 20) {
    std::vector<std::string> events;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        auto piece = std::string_view(bytes).substr(pos, chunk);
        std::size_t used = 0;
        while (used < piece.size()) {
            auto step = reader.feed(piece.data() + used, piece.size() - used);
            used += step.consumed;
            switch (step.kind) {
                case Kind::none: break;
                case Kind::message: {
                    auto m = reader.take_message();
                    events.push_back(std::string(wskit::opcode_name(m.opcode)) + ":" + m.payload);
                    break;
                }
                case Kind::ping: events.push_back("ping:" + reader.take_message().payload); break;
                case Kind::pong: events.push_back("pong:" + reader.take_message().payload); break;
                case Kind::close:
                    events.push_back("close:" + std::to_string(reader.close_code()) + ":" + reader.close_reason());
                    break;
                case Kind::failed: events.push_back("failed:" + std::to_string(reader.failure_code())); return events;
            }
            if (step.kind == Kind::none && step.consumed == 0) break;
        }
        pos += piece.size();
    }
    return events;
}

std::string close_payload(int code, std::string reason = "") {
    return std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xff)} + reason;
}

using Events = std::vector<std::string>;

}  // namespace

TEST_CASE("message reader: messages, control frames and the close, whatever the chunking") {
    std::string bytes = frame(opcode::text, "hello") + frame(opcode::binary, std::string("\0\1\2", 3)) +
                        frame(opcode::text, "frag", false) + frame(opcode::ping, "p") +
                        frame(opcode::continuation, "men", false) + frame(opcode::continuation, "ted") +
                        frame(opcode::pong, "") + frame(opcode::text, std::string(70000, 'x')) +
                        frame(opcode::close, close_payload(1000, "bye"));
    Events expected = {"text:hello", std::string("binary:\0\1\2", 10), "ping:p", "text:fragmented",
                       "pong:", "text:" + std::string(70000, 'x'), "close:1000:bye"};
    for (std::size_t chunk : {std::size_t(1), std::size_t(3), std::size_t(7), std::size_t(1) << 20}) {
        MessageReader reader(false, 1 << 20);
        CHECK(read_all(reader, bytes, chunk) == expected);
    }
}

TEST_CASE("message reader: a server reads masked frames and refuses unmasked ones") {
    MessageReader server(true, 1 << 20);
    CHECK(read_all(server, frame(opcode::text, "hi there", true, 0x11223344)) == Events{"text:hi there"});
    CHECK(read_all(server, frame(opcode::text, "plain")) == Events{"failed:1002"});
    CHECK(server.failure() == "a frame from the client is not masked");
    MessageReader client(false, 1 << 20);
    CHECK(read_all(client, frame(opcode::text, "x", true, 7)) == Events{"failed:1002"});
    CHECK(client.failure() == "a frame from the server is masked");
}

TEST_CASE("message reader: protocol errors close with 1002") {
    auto failure = [](const std::string& bytes) {
        MessageReader reader(false, 1 << 20);
        auto events = read_all(reader, bytes);
        REQUIRE(!events.empty());
        CHECK(events.back() == "failed:1002");
        return reader.failure();
    };
    CHECK(failure(frame(opcode::continuation, "x")) == "a continuation frame starts no message");
    CHECK(failure(frame(opcode::text, "a", false) + frame(opcode::text, "b")) ==
          "a new message starts before the last one's final frame");
    CHECK(failure(frame(0x3, "")) == "a frame has the unknown opcode 0x3");
    CHECK(failure(frame(0xB, "")) == "a frame has the unknown opcode 0xb");
    CHECK(failure(frame(opcode::ping, "", false)) == "a control frame is fragmented");
    CHECK(failure(frame(opcode::ping, std::string(126, 'p'))) == "a control frame carries 126 bytes (at most 125)");
    CHECK(failure(frame(opcode::text, "x", true, 0, true)) == "RSV1 is set but no compression was agreed");
    CHECK(failure(std::string("\xa1\x00", 2)) == "a frame has a reserved bit set (RSV2 or RSV3)");
    CHECK(failure(frame(opcode::close, "x")) == "a close frame carries a single byte");
    CHECK(failure(frame(opcode::close, close_payload(1005))) == "a close frame carries the code 1005, which may not be sent");
    CHECK(failure(frame(opcode::close, close_payload(999))) == "a close frame carries the code 999, which may not be sent");
    CHECK(failure(frame(opcode::close, close_payload(2000))) == "a close frame carries the code 2000, which may not be sent");
}

TEST_CASE("message reader: close codes that may be sent, and the empty close") {
    for (int code : {1000, 1001, 1003, 1007, 1011, 1012, 1014, 3000, 4999}) {
        MessageReader reader(false, 1 << 20);
        CHECK(read_all(reader, frame(opcode::close, close_payload(code))) ==
              Events{"close:" + std::to_string(code) + ":"});
    }
    MessageReader reader(false, 1 << 20);
    CHECK(read_all(reader, frame(opcode::close, "")) == Events{"close:1005:"});
}

TEST_CASE("message reader: bad UTF-8 closes with 1007; the limit with 1009") {
    MessageReader text(false, 1 << 20);
    CHECK(read_all(text, frame(opcode::text, "a\xff")) == Events{"failed:1007"});
    MessageReader split(false, 1 << 20);  // a character split across frames is fine
    CHECK(read_all(split, frame(opcode::text, "\xc3", false) + frame(opcode::continuation, "\xa9")) ==
          Events{"text:\xc3\xa9"});
    MessageReader reason(false, 1 << 20);
    CHECK(read_all(reason, frame(opcode::close, close_payload(1000, "\xc0"))) == Events{"failed:1007"});
    MessageReader small(false, 10);
    CHECK(read_all(small, frame(opcode::binary, std::string(10, 'b'))).size() == 1);
    CHECK(read_all(small, frame(opcode::binary, std::string(6, 'b'), false) + frame(opcode::continuation, "12345")) ==
          Events{"failed:1009"});
    // Refused from the header alone: the payload is never buffered.
    MessageReader huge(false, 1000);
    std::string head = frame(opcode::binary, "").substr(0, 1) + "\x7f" + std::string("\x00\x00\x00\x01\x00\x00\x00\x00", 8);
    auto step = huge.feed(head.data(), head.size());
    CHECK(step.kind == Kind::failed);
    CHECK(huge.failure_code() == 1009);
    CHECK(huge.feed("x", 1).kind == Kind::failed);  // and stays failed
}

TEST_CASE("message reader: compressed messages once permessage-deflate is agreed") {
    wskit::detail::Deflater deflater(15, false);
    std::string compressed;
    deflater.compress("hello hello hello", compressed);
    compressed.resize(compressed.size() - 4);  // RFC 7692 7.2.1: the 00 00 ff ff goes
    MessageReader reader(false, 1 << 20);
    reader.inflate_with(15, false);
    CHECK(read_all(reader, frame(opcode::text, compressed, true, 0, true) + frame(opcode::text, "plain")) ==
          Events{"text:hello hello hello", "text:plain"});
    MessageReader tight(false, 5);
    tight.inflate_with(15, false);
    CHECK(read_all(tight, frame(opcode::text, compressed, true, 0, true)) == Events{"failed:1009"});
    MessageReader corrupt(false, 1 << 20);
    corrupt.inflate_with(15, false);
    CHECK(read_all(corrupt, frame(opcode::binary, "\xff\xff\xff", true, 0, true)) == Events{"failed:1007"});
}
