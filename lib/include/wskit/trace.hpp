// What -v and -vv show, as values: one line of a connection's story (name
// resolution, addresses tried, proxy and TLS steps, frames), curl -v style.
#pragma once

#include <wskit/export.hpp>

#include <functional>
#include <string>

namespace wskit {

struct TraceLine {
    enum class Kind {
        info,      // "* " what happened
        sent,      // "> " what was sent
        received,  // "< " what came back
    };
    Kind kind = Kind::info;
    std::string text;  // one line, without prefix or newline; may hold peer-controlled bytes
};

// Called on the loop thread as each step happens.
using TraceHandler = std::function<void(const TraceLine&)>;

// The line as shown on stderr: its prefix, then the text with control
// characters escaped (it can come from the peer), then a newline.
WSKIT_API std::string format_trace_line(const TraceLine& line);

}  // namespace wskit
