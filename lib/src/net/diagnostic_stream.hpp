// An std::ostream for websocketpp's logs (-vv): each line written to it goes
// to the diagnostics sink as a trace, instead of to std::cerr.
#pragma once

#include <ostream>

namespace wskit::detail {

// One per thread: an endpoint logs on the thread that runs its loop.
std::ostream& diagnostic_stream();

}  // namespace wskit::detail
