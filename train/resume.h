// Exact resume (Note [resume] in train/trainer.cpp): reading a training checkpoint and checking, before
// anything is loaded or written, that continuing from it reproduces the uninterrupted run.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "io/safetensors.h"
#include "train/model_family.h"
#include "train/options.h"

namespace dpt {

struct ResumePoint {
  std::string path;    // "" when the run starts fresh
  std::string stage;   // the stage the checkpoint was written in
  int64_t step = 0;    // steps of that stage already done
  std::shared_ptr<const SafetensorsFile> file;

  bool active() const { return !path.empty(); }
  // The optimiser moments (adam.m.<param> / adam.v.<param>) stored in the checkpoint.
  std::vector<std::pair<std::string, Tensor>> optimiser_state() const;
};

// Reads `path` and checks it can continue `opts` exactly: it is a training checkpoint of `family` (stage
// one of the family's, step, train_options), every option that changes results is equal (the refusal
// names each differing field), and the data fingerprints agree when both are known. Loads nothing.
ResumePoint open_resume(const std::string& path, const TrainOptions& opts, const ModelFamily& family);

}  // namespace dpt
