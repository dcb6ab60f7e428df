// Cuts a byte stream (a process's stdout) into lines: plain C++, unit-tested.
#pragma once

#include <wskit/export.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace wskit::detail {

class WSKIT_API LineSplitter {
public:
    using Emit = std::function<void(std::string line)>;

    // Lines longer than max_line (at least 4) are handed over in pieces of at
    // most that many bytes, cut before a UTF-8 character rather than inside
    // it, so that each piece of valid UTF-8 text is valid UTF-8 too.
    explicit LineSplitter(std::size_t max_line);

    // Emits each line (without its "\n") or piece that `data` completes; the
    // rest waits for more. A bounded amount waits: less than max_line bytes.
    void feed(std::string_view data, const Emit& emit);
    // The end of the stream: emits the last line if it had no "\n".
    void finish(const Emit& emit);

private:
    void emit_line(std::string line, const Emit& emit) const;

    std::size_t max_;
    std::string partial_;
};

}  // namespace wskit::detail
