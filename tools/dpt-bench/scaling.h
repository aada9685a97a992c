// dpt-bench scaling: the data-parallel scaling row (issue 13). The same training steps (same global
// batch, same config and stage) as 1 rank x T threads and as `mpirun -np 2` ranks x T/2 threads on the
// CPU, with each rank's time per step spent waiting for the gradient all-reduce, so that the cost of the
// communication is visible next to the speed-up.
#pragma once
#include <cstdint>
#include <string>

namespace dpt::bench {

struct ScalingOptions {
  std::string config = "small";     // small | paper (steps.h)
  std::string stage = "predictive";  // a DPT training stage
  int threads = 2;                  // in total: 1 rank x threads, 2 ranks x threads / 2
  int steps = 5, warmup = 2;
  int64_t batch = 8;                // the global batch
  std::string only;                 // "config:stage": time one layout in this process (run by the parent)
  std::string self;                 // this program's path
};

// The parent prints the two rows ({"kind": "scaling"}, from child processes) and a {"kind":
// "scaling_summary"} line on stdout; returns the exit status. A build without MPI is an Error saying so.
int run_scaling(const ScalingOptions& o);

}  // namespace dpt::bench
