// dpt-bench steps: training-step and inference times of the whole model per stage, in the JSON-lines
// form of ../shared/reference/bench_torch.py (the PyTorch peer), so the two can be run side by side.
#pragma once
#include <cstdint>
#include <string>

namespace dpt::bench {

struct StepsOptions {
  std::string config = "small";  // small | paper | all
  std::string stages = "predictive,inpainting,blending,inference";
  std::string only;              // "config:stage": run this one in this process (used by the parent)
  int threads = 0;               // 0: all cores
  int steps = -1, warmup = -1;   // -1: small 5 / 2, paper 2 / 1 (as the peer)
  int64_t batch = 8;
  bool memory = false;           // also print the allocator's peak bytes per (phase, op) of one step
  std::string self;              // this program's path, to run each (config, stage) in its own process
};

// Prints one JSON object per (config, stage) on stdout; returns the process exit status.
int run_steps(const StepsOptions& o);

}  // namespace dpt::bench
