// The staged trainer of ARCHITECTURE.md section 6 (predictive -> inpainting -> blending) with atomic
// checkpoints, exact resume, JSONL loss logs, sample grids and loss plots in the run folder.
#pragma once
#include <atomic>
#include <string>

#include "train/data_source.h"
#include "train/options.h"

namespace dpt {

struct TrainResult {
  std::string final_checkpoint;  // <out>/model.safetensors (weights + config)
  int64_t steps_run = 0;
  double seconds = 0;
  bool interrupted = false;      // stopped by a signal after saving a checkpoint
};

// Runs the stages in opts (resuming from `resume`, a training checkpoint, when not empty).
// `stop` is polled after every step (set it from a signal handler): the trainer then saves and returns.
// Throws dpt::Error on a non-finite loss (naming stage and step) without touching saved checkpoints.
TrainResult train(const TrainOptions& opts, DataSource& data, const std::string& resume,
                  const std::atomic<bool>* stop = nullptr);

// The newest checkpoint of a run folder (<out>/checkpoints), or "" when there is none.
std::string latest_checkpoint(const std::string& out_dir);

}  // namespace dpt
