// Training options: one flat JSON object holding the model Config fields (H, W, ngf, ..., lambda_*, lr)
// and the trainer's own fields below. Presets live in configs/*.json; `--set key=value` overrides.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/json.h"
#include "models/dpt/config.h"

namespace dpt {

struct TrainOptions {
  Config model;                  // every Config field, read from the same JSON object
  std::string data = "";         // dataset root (ARCHITECTURE.md section 7)
  std::string out = "runs/dpt";  // run folder: checkpoints, logs, samples, plots
  std::string stages = "all";    // predictive | inpainting | blending | all | comma-separated list
  int64_t predictive_steps = 1000, inpainting_steps = 1000, blending_steps = 1000;
  double epochs = 0;             // > 0: every stage runs this many passes over the pairs instead
  std::string init = "";         // start from these weights (a checkpoint or model.safetensors)
  std::string vgg = "";          // VGG19 weights (.safetensors); "random" for random features on purpose
  int64_t vgg_width_div = 1;     // "random" only: every VGG19 width divided by this (cheaper features)
  std::string device = "cpu";
  std::string conv_backend = "native";  // CUDA convolutions: native (tested) or cudnn
  int64_t threads = 0;           // 0: all cores
  uint64_t seed = 0;
  int64_t sample_every = 200, checkpoint_every = 500, keep_last = 3, log_every = 10;
  std::string preset = "";       // name of the preset it started from (informational)

  std::vector<std::string> stage_list() const;  // validated, in training order
  int64_t steps_for(const std::string& stage, int64_t num_items) const;
  Json to_json() const;          // every field (model and trainer), for the run folder and checkpoints
  void update_from_json(const Json& obj, const std::string& what);
  void set(const std::string& key_value);  // "key=value" (value parsed as JSON, else as a string)
  void validate() const;
};

// Reads a config file (JSON object) into options on top of the defaults. Errors name the file.
TrainOptions load_train_options(const std::string& path);
// configs/<name>.json of the source tree (tiny, cpu, paper), or a path.
std::string preset_path(const std::string& name_or_path);

}  // namespace dpt
