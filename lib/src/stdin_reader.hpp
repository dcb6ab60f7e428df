// Reads a file descriptor on its own thread, cuts it into messages and posts
// them to the loop in batches. It stops reading while the loop reports too
// many bytes waiting to be sent, so memory stays bounded however fast the
// input is and however slow the peer.
#pragma once

#include <wskit/input.hpp>
#include <wskit/loop.hpp>
#include <wskit/message.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wskit::detail {

class InputReader {
public:
    // on_batch and on_end run on the loop thread. on_end gets the error that
    // stopped reading (bad hex...), or nullopt at end of input.
    using BatchHandler = std::function<void(std::vector<Message>&)>;
    using EndHandler = std::function<void(std::optional<std::string> error)>;

    InputReader(EventLoop& loop, int fd, InputFraming framing, InputEncoding encoding,
                BatchHandler on_batch, EndHandler on_end);
    // Stops posting to the loop. The thread may sit in a blocking read() of a
    // terminal or of a pipe that never ends; it is left to finish on its own.
    ~InputReader();

    void start();
    // From the loop thread: the bytes accepted but not yet written to the
    // socket. Reading pauses above the high-water mark.
    void set_backlog(std::size_t bytes);
    static constexpr std::size_t high_water = 8u << 20;

private:
    struct State;
    std::shared_ptr<State> state_;  // shared with the reading thread
};

}  // namespace wskit::detail
