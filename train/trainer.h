// The generic staged trainer: runs a model family's stages (train/model_family.h) with atomic
// checkpoints, exact resume (train/resume.h), JSONL loss logs, sample grids and loss plots in the run
// folder (train/run_folder.h). It knows stages only by name, in the family's order.
#pragma once
#include <atomic>
#include <string>

#include "train/model_family.h"
#include "train/options.h"
#include "train/run_folder.h"

namespace dpt {

struct TrainResult {
  std::string final_checkpoint;  // <out>/model.safetensors (weights + config)
  int64_t steps_run = 0;
  double seconds = 0;
  bool interrupted = false;      // stopped by a signal after saving a checkpoint
};

// Runs the stages of opts.stages (resuming from `resume`, a training checkpoint, when not empty). A run
// folder that already holds a run is refused unless resuming or `existing` says otherwise
// (RunStart::Overwrite for --overwrite; Continue for --resume auto that found no checkpoint).
// Every check (options, stages, --init shapes, resume settings) runs before the run folder is written.
// `stop` is polled after every step (set it from a signal handler): the trainer then saves and returns.
// Throws dpt::Error on a non-finite loss (naming stage and step) without touching saved checkpoints.
TrainResult train(const TrainOptions& opts, ModelFamily& family, const std::string& resume,
                  const std::atomic<bool>* stop = nullptr, RunStart::Mode existing = RunStart::Fresh);

// The newest checkpoint of a run folder of `family` (<out>/checkpoints), or "" when there is none.
std::string latest_checkpoint(const std::string& out_dir, const ModelFamily& family);

}  // namespace dpt
