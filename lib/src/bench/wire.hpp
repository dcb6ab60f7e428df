// The bytes wskit bench puts on the wire and reads back, without sockets:
// the upgrade request, client frames whose payload is built once, an
// incremental parser of server frames, and the fan-out stamp. Pure and
// unit-tested; bench_*_impl.cpp move them through Asio.
#pragma once

#include "bench/inflate.hpp"
#include "proto/frame_codec.hpp"

#include <wskit/client.hpp>
#include <wskit/export.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>
#include <optional>
#include <string>
#include <string_view>

namespace wskit::detail {

// xorshift64: masking keys and handshake nonces for a load generator, where
// OpenSSL's generator per frame would cost more than the frame.
inline std::uint64_t next_random(std::uint64_t& state) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

// The upgrade request for `options` (see build_upgrade_request), as bytes,
// with a Sec-WebSocket-Key drawn from `rng`.
WSKIT_API std::string upgrade_request(const ClientOptions& options, std::uint64_t& rng);

// What a response head (up to the blank line) says: 101 or not, and the status
// line for an error message.
struct UpgradeVerdict {
    bool switched = false;
    int status = 0;          // 0 when the status line has none
    std::string status_line;
    std::string reason;      // the reason phrase, as received
    std::string location;    // a redirect's Location
    std::string extensions;  // every Sec-WebSocket-Extensions value, joined with ", "
};
WSKIT_API UpgradeVerdict read_upgrade_response(std::string_view head);

// A client data frame whose payload is built once and shared by every
// frame: only the 2-14 byte header, with a fresh masking key, is written per
// frame, and the payload goes out in the same gather write.
//
// RFC 6455 masks every client frame with a fresh key; the payload the
// server reads is (wire bytes XOR key). The shared wire bytes are 0x40-0x5F
// and text keys keep every byte below 0x20, so whatever the key, the server
// unmasks printable ASCII ('@'..'_'): valid UTF-8 of the same length. Binary
// frames take any key.
class WSKIT_API SharedPayloadFrame {
public:
    SharedPayloadFrame(std::size_t size, bool binary);
    static constexpr std::size_t max_header = max_frame_header;
    // Writes the header with a fresh key into out (max_header bytes); returns its length.
    std::size_t write_header(std::uint64_t& rng, unsigned char* out) const;
    const std::string& wire_payload() const { return wire_payload_; }
    std::size_t size() const { return wire_payload_.size(); }

private:
    std::string wire_payload_;
    bool binary_;
};

// A masked close frame with code 1000.
WSKIT_API std::string close_frame(std::uint64_t& rng);

// Fan-out messages carry who sent them, their number and when they left:
// "SSSS QQQQQQQQQQQQQQQQ TTTTTTTTTTTTTTTT" in hex, then filler up to the
// size. Text, so that any relay accepts it.
struct FanoutStamp {
    std::uint32_t sender = 0;
    std::uint64_t seq = 0;
    std::uint64_t sent_ns = 0;
};
constexpr std::size_t fanout_stamp_size = 38;
// What a receiver keeps of each message's start to find the stamp in: a
// relay may put something before it (a chat room's "alice: ", or a JSON
// envelope's head up to its "text").
constexpr std::size_t fanout_head_size = fanout_stamp_size + 96;
WSKIT_API void write_fanout_stamp(const FanoutStamp& stamp, char* out);
// The stamp at the start of `head`, or else the first one found further in.
WSKIT_API std::optional<FanoutStamp> read_fanout_stamp(std::string_view head);

// Builds `count` masked fan-out frames of `size` bytes into out (resized to
// fit), numbered from first.seq with send times from sent_at(seq); returns
// the bytes used. Each message differs (its stamp), so each is masked whole.
WSKIT_API std::size_t build_stamped_frames(std::vector<char>& out, std::uint64_t count, std::size_t size, bool binary,
                                           FanoutStamp first, const std::function<std::uint64_t(std::uint64_t)>& sent_at,
                                           std::uint64_t& rng);

// A client data frame of `payload`, masked whole with a fresh key, into out
// (max_header + payload size bytes); returns its length.
WSKIT_API std::size_t write_masked_frame(std::string_view payload, bool binary, std::uint64_t& rng, char* out,
                                         bool rsv1 = false);

// A client data frame whose payload is compressed (RSV1) once and shared
// by every frame: unlike the uncompressed frame's, its bytes are whatever
// deflate made of them, so each frame's copy is masked whole with its key.
// Writes the frame into out (max_header + payload size bytes); returns its length.
WSKIT_API std::size_t write_compressed_frame(const std::string& payload, bool binary, std::uint64_t& rng, char* out);

// Reads server frames incrementally and reports whole data messages: their
// size and their first `capture` bytes (--match captures whole messages,
// up to --max-size). Payloads beyond that are skipped, not kept;
// after inflate_with(), compressed ones (RSV1) are inflated on the way and
// counted at their inflated size.
class WSKIT_API FrameReader {
public:
    explicit FrameReader(std::size_t capture = 0) : capture_(capture) {}
    enum class Event { none, message, close, bad };
    // Compression was agreed: the server's window and reset, the largest inflated message.
    void inflate_with(int window_bits, bool peer_resets, std::size_t limit);
    struct Step {
        Event event = Event::none;
        std::size_t consumed = 0;
    };
    // Consumes bytes from data up to the end of one message (or of the
    // buffer); message() then holds that message's size and head.
    Step feed(const unsigned char* data, std::size_t n);
    std::uint64_t message_size() const { return message_size_; }
    std::string_view head() const { return head_; }
    unsigned message_opcode() const { return message_opcode_; }
    // Why the last Event::bad: words for an error message.
    const char* problem() const { return problem_; }
    // After Event::close: the code of the server's close frame (1005 when it
    // had none) and its reason, as received (at most 123 bytes).
    int close_code() const;
    std::string_view close_reason() const;

private:
    std::size_t capture_;
    unsigned char header_[max_frame_header] = {};
    std::size_t header_len_ = 0;
    std::uint64_t remaining_ = 0;  // payload bytes of the current frame still to skip
    bool in_frame_ = false;
    bool fin_ = true;
    unsigned opcode_ = 0;
    unsigned message_opcode_ = 0;
    std::uint64_t message_size_ = 0;
    std::uint64_t accumulating_ = 0;
    std::string head_;
    bool in_message_ = false;
    bool compressed_ = false;  // the current message had RSV1 on its first frame
    std::optional<MessageInflater> inflate_;
    const char* problem_ = "";
    std::string close_payload_;  // of the close frame being read

    Step bad(std::size_t pos, const char* why) {
        problem_ = why;
        return {Event::bad, pos};
    }
    // Takes the data frame header just read into its message; what is wrong
    // with it, or nullptr.
    const char* admit(bool rsv1);
    Step inflate_failed(InflateResult result, std::size_t pos) {
        return bad(pos, result == InflateResult::too_big ? "the server sent a message that inflates past --max-size"
                                                         : "the server sent a compressed message that does not inflate");
    }
};

}  // namespace wskit::detail
