// wskit bench --script: a `wskit run` script as the traffic of every
// connection. -c sessions play the script over and over on one event loop
// (the script engine's, websocketpp's client) until the run ends; each
// expect met is a latency, measured from the message the session sent
// before it; a run of the script that fails is an error of its class.
#pragma once

#include <wskit/tool/bench.hpp>

#include <functional>

namespace wskit::detail::bench {

BenchResult run_script_bench(const BenchOptions& options, const std::function<void(const BenchProgress&)>& on_progress,
                             const std::function<bool()>& interrupted);

}  // namespace wskit::detail::bench
