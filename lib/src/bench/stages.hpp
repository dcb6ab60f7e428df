// --stages over time: how many connections a run wants, and at what rate it
// sends, t seconds after it started. Pure code.
#pragma once

#include <wskit/tool/bench.hpp>

#include <cstddef>
#include <vector>

namespace wskit::detail::bench {

struct StagePoint {
    std::size_t connections = 0;
    double rate = 0;  // messages/s in all; 0: closed loop
};

// Connections move linearly within a stage from the previous stage's
// target (0 before the first); the rate is the stage's (or `rate` when the
// stage names none). After the last stage: its target and rate.
StagePoint stage_at(const std::vector<BenchStage>& stages, double t, double rate);
double stages_seconds(const std::vector<BenchStage>& stages);
std::size_t stages_peak(const std::vector<BenchStage>& stages);

}  // namespace wskit::detail::bench
