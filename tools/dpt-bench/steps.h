// dpt-bench steps: training-step and inference times of the whole model per stage, in the JSON-lines
// form of ../shared/reference/bench_torch.py (the PyTorch peer), so the two can be run side by side.
#pragma once
#include <cstdint>
#include <string>

#include "models/dpt/config.h"

namespace dpt::bench {

// The model of a benchmark configuration ("small": 64x64, ngf 32, S 32; "paper": 256x256, ngf 64,
// S 256) with `batch`; the other settings are the defaults. An Error names an unknown config.
Config config_named(const std::string& name, int64_t batch);

struct StepsOptions {
  std::string config = "small";  // small | paper | all
  std::string stages = "predictive,inpainting,blending,inference";
  std::string only;              // "config:stage": run this one in this process (used by the parent)
  int threads = 0;               // 0: all cores
  int steps = -1, warmup = -1;   // -1: small 5 / 2, paper 2 / 1 (as the peer)
  int64_t batch = 8;
  bool memory = false;           // also print the allocator's peak bytes per (phase, op) of one step
  std::string recompute = "none";  // the training option (DptRecompute in models/dpt/config.h)
  std::string self;              // this program's path, to run each (config, stage) in its own process
};

// Prints one JSON object per (config, stage) on stdout; returns the process exit status.
int run_steps(const StepsOptions& o);

}  // namespace dpt::bench
