// A peer's WebSocket frames (RFC 6455 5) turned into whole messages, control
// frames and the close, with every check a receiver owes: reserved bits,
// opcodes, masking by role, control frames short and unfragmented,
// continuations in order, the size limit, UTF-8 in text and close reasons,
// close codes. websocketpp does this on its own connections; a WebSocket on
// an HTTP/2 stream (RFC 8441), which websocketpp cannot carry, is read here.
// Pure code over bytes, unit-tested and fuzzed.
#pragma once

#include <wskit/export.hpp>
#include <wskit/message.hpp>

#include "proto/deflate_codec.hpp"
#include "proto/frame_codec.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace wskit::detail {

class WSKIT_API MessageReader {
public:
    // `peer_masks`: frames must be masked (a server reads its clients) or
    // must not be (a client reads its server). Messages past
    // `max_message_size` bytes (inflated) fail with 1009.
    MessageReader(bool peer_masks, std::size_t max_message_size);

    // permessage-deflate was agreed: RSV1 marks a compressed message, made
    // with the peer's window; `peer_resets` when it keeps no context.
    void inflate_with(int window_bits, bool peer_resets);

    enum class Kind { none, message, ping, pong, close, failed };
    struct Step {
        Kind kind = Kind::none;
        std::size_t consumed = 0;  // bytes of the input read, up to the end of what it reports
    };

    // Reads frames from data until one event is complete (or the bytes run
    // out: Kind::none, all consumed). Call again with the rest. After
    // failed, the reader is done: nothing more is read.
    Step feed(const char* data, std::size_t n);

    // After message, ping or pong: the message, moved out.
    Message take_message();
    // After close: the code (1005 when the frame had none) and the reason.
    int close_code() const { return close_code_; }
    const std::string& close_reason() const { return close_reason_; }
    // After failed: the close code to answer with (1002 protocol error,
    // 1007 bad data, 1009 too big) and why, in words.
    int failure_code() const { return failure_code_; }
    const std::string& failure() const { return failure_; }

private:
    // Record the failure; false and Kind::failed, for returning.
    bool refuse(int code, std::string why);
    Kind failed(int code, std::string why);
    Kind inflate_failed(InflateResult result);
    // Whether the header just read is acceptable (else the failure is set).
    bool admit(const FrameHeader& h);
    // The frame's payload is all here: what it completes, if anything.
    Kind complete_frame();
    Kind complete_close();

    bool peer_masks_;
    std::size_t max_size_;
    std::optional<Inflater> inflater_;
    unsigned char header_[max_frame_header] = {};
    std::size_t header_len_ = 0;
    FrameHeader frame_;
    bool in_payload_ = false;
    std::uint64_t payload_read_ = 0;
    std::string control_;          // the control frame being read
    std::string message_;          // the data message being assembled
    Opcode message_opcode_ = Opcode::text;
    bool in_message_ = false;      // a fragmented message waits for its continuation
    bool compressed_ = false;      // the current message had RSV1
    Message ready_;
    int close_code_ = 1005;
    std::string close_reason_;
    int failure_code_ = 0;
    std::string failure_;
};

}  // namespace wskit::detail
