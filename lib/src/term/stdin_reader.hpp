// Reads standard input on the loop thread, cuts it into messages and hands
// them over in batches. Pipes, terminals and sockets are watched by the event
// loop; regular files (which cannot be) are read between loop turns. Reading
// pauses while too many bytes wait to be sent, so memory stays bounded however
// fast the input is and however slow the peer.
#pragma once

#include <wskit/tool/input.hpp>
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
    // Both run on the loop thread. on_end gets the error that stopped
    // reading (bad hex...), or nullopt at the end of input.
    using BatchHandler = std::function<void(std::vector<Message>&)>;
    using EndHandler = std::function<void(std::optional<std::string> error)>;

    InputReader(EventLoop& loop, int fd, InputFraming framing, InputEncoding encoding,
                BatchHandler on_batch, EndHandler on_end);
    // Gives the descriptor back as it was found (blocking mode, still open).
    ~InputReader();

    void start();
    // What accepted but unwritten messages cost (Client::backlog): reading
    // pauses at high_water and resumes below it.
    void set_backlog(std::size_t bytes);
    static constexpr std::size_t high_water = 8u << 20;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace wskit::detail
