// Before a wskit bench run starts: its options checked and completed, its
// application traffic compiled, its connections spread over the workers.
#pragma once

#include "bench/worker.hpp"

#include <wskit/tool/bench.hpp>

#include <memory>
#include <vector>

namespace wskit::detail::bench {

// Throws Error(usage) for options that do not go together; fills in what
// follows from the others (fan-out's default rate, the stages' peak as -c...).
BenchOptions checked(BenchOptions o);
// Throws Error(usage) or Error(runtime) as MessageTemplate::compile does.
Traffic compile_traffic(const BenchOptions& o);
void plan(const BenchOptions& o, std::vector<std::unique_ptr<Worker>>& workers);

}  // namespace wskit::detail::bench
