// -vv: every WebSocket frame of one direction, decoded from the bytes as
// they cross the socket (after TLS), so that what is shown is what went over
// the wire: opcode, FIN, RSV1-3, mask, length and a short payload preview.
#pragma once

#include "proto/frame_codec.hpp"

#include <wskit/export.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wskit::detail {

// "text fin=1 rsv=000 mask=1 len=5 "hello"": the header and up to the first
// preview_limit bytes of the (unmasked) payload, escaped.
WSKIT_API std::string describe_frame(const FrameHeader& h, std::string_view preview);

class WSKIT_API FrameTracer {
public:
    static constexpr std::size_t preview_limit = 40;

    // A stream starts with the HTTP upgrade request or response, which is
    // skipped up to its blank line; frames follow. An HTTP/2 stream (RFC
    // 8441) carries frames from its first byte: `after_http_head` false.
    explicit FrameTracer(bool after_http_head = true) : state_(after_http_head ? State::http : State::header) {}

    // Feeds the next bytes of the stream; returns a description of each frame
    // whose header and preview bytes are complete.
    std::vector<std::string> feed(std::string_view bytes);

private:
    enum class State { http, header, payload } state_;
    std::string http_tail_;     // the last bytes of the HTTP head, to find "\r\n\r\n" across reads
    std::string header_;        // header bytes gathered so far
    FrameHeader frame_;
    std::uint64_t payload_seen_ = 0;
    std::string preview_;
    bool described_ = false;
};

}  // namespace wskit::detail
