// A training run's folder on disk: <out>/config.json, losses.jsonl, checkpoints/<stage>-<step>.safetensors,
// samples/, plots/ and the weights written after each stage. Opening validates and writes nothing;
// prepare() creates the folders and write_config() the configuration, so a run refused by a later check
// (a resume whose settings differ, a bad --init) leaves the folder as it was.
#pragma once
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "io/json.h"

namespace dpt {

class RunFolder {
 public:
  // `stage_order`: the model family's stages in training order; checkpoint names sort by it, then step.
  // Checks the arguments only (no file is touched).
  static RunFolder open(const std::string& out, std::vector<std::string> stage_order);

  // Creates <out>, checkpoints/, samples/, plots/ (errors name the folder that could not be made).
  void prepare();
  // <out>/config.json (atomic), the whole resolved configuration.
  void write_config(const Json& config);
  // Appends one JSON record (one line) to <out>/losses.jsonl and flushes it.
  void append_loss(const Json& record);

  const std::string& root() const { return out_; }
  std::string checkpoints_dir() const { return out_ + "/checkpoints"; }
  std::string samples_dir() const { return out_ + "/samples"; }
  std::string plots_dir() const { return out_ + "/plots"; }
  // <out>/<name>.safetensors (weights after a stage, model.safetensors at the end).
  std::string weights_path(const std::string& name) const { return out_ + "/" + name + ".safetensors"; }

  // checkpoints/<stage>-<step, 7 digits>.safetensors
  std::string checkpoint_path(const std::string& stage, int64_t step) const;
  // Training checkpoints, oldest first (stage order, then step); files of unknown stages are left out.
  std::vector<std::string> checkpoints() const;
  // The newest checkpoint, or "" when there is none.
  std::string latest_checkpoint() const;
  // Deletes the oldest checkpoints so that at most keep_last (>= 1) remain.
  void rotate(int64_t keep_last) const;

 private:
  RunFolder(std::string out, std::vector<std::string> stage_order)
      : out_(std::move(out)), stage_order_(std::move(stage_order)) {}
  std::string out_;
  std::vector<std::string> stage_order_;
  std::shared_ptr<std::ofstream> log_;  // opened by the first append_loss
};

// mkdir -p; an Error naming the path when it does not end up a folder.
void make_dirs(const std::string& path);

}  // namespace dpt
